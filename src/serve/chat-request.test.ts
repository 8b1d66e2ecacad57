import { describe, expect, it } from 'vitest';
import { parseChatCompletionRequest } from './chat-request.js';
import { HttpError } from './http.js';

/** The HttpError a body is rejected with. */
function rejection(body: Record<string, unknown>): HttpError {
  try {
    parseChatCompletionRequest(body, 'served');
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

const messages = [{ role: 'user', content: 'hi' }];

describe('parseChatCompletionRequest', () => {
  it('classifies the last user message, joining text parts and reading null content as empty', () => {
    const request = parseChatCompletionRequest(
      {
        model: 'served',
        messages: [
          { role: 'user', content: 'first' },
          { role: 'assistant', content: null },
          { role: 'user', content: [{ type: 'text', text: 'sec' }, { type: 'text', text: 'ond' }] },
          { role: 'assistant', content: 'x' },
        ],
      },
      'served',
    );
    expect(request.input).toBe('second');
    expect(request.messages[1]).toEqual({ role: 'assistant', content: '' });
    expect(request).toMatchObject({ logprobs: false, topLogprobs: 0, stream: false, includeUsage: false });
  });

  it('rejects a user message without content, naming it, and says where the input came from', () => {
    const error = rejection({ model: 'served', messages: [{ role: 'system', content: 's' }, { role: 'user', content: null }] });
    expect(error).toMatchObject({ status: 400, param: 'messages[1].content', code: 'missing_required_parameter' });
    expect(parseChatCompletionRequest({ model: 'served', messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: null }] }, 'served').inputParam).toBe('messages[0].content');
  });

  it('accepts nulls for optional settings and ignores settings it does not use', () => {
    const request = parseChatCompletionRequest({ model: 'served', messages, logprobs: null, top_logprobs: null, n: null, stream: null, temperature: 0.2, max_tokens: 5 }, 'served');
    expect(request).toMatchObject({ logprobs: false, topLogprobs: 0, stream: false });
  });

  it.each([
    [{ messages }, 'model', 'missing_required_parameter'],
    [{ model: 'other', messages }, 'model', 'model_not_found'],
    [{ model: 'served', messages: [] }, 'messages', 'invalid_type'],
    [{ model: 'served', messages: 'hi' }, 'messages', 'invalid_type'],
    [{ model: 'served', messages: [null] }, 'messages[0]', 'invalid_type'],
    [{ model: 'served', messages: [{ role: 'user', content: 5 }] }, 'messages[0].content', 'invalid_value'],
    [{ model: 'served', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] }, 'messages[0].content[0]', 'invalid_value'],
    [{ model: 'served', messages, top_logprobs: 2 }, 'logprobs', 'invalid_value'],
    [{ model: 'served', messages, logprobs: true, top_logprobs: 1.5 }, 'top_logprobs', 'invalid_value'],
    [{ model: 'served', messages, logprobs: 'yes' }, 'logprobs', 'invalid_type'],
    [{ model: 'served', messages, n: 0 }, 'n', 'invalid_value'],
    [{ model: 'served', messages, n: 3 }, 'n', 'unsupported_value'],
    [{ model: 'served', messages, stream_options: { include_usage: true } }, 'stream_options', 'invalid_value'],
    [{ model: 'served', messages, stream: true, stream_options: { include_usage: 1 } }, 'stream_options.include_usage', 'invalid_type'],
  ])('rejects %j with a 400 naming %s', (body, param, code) => {
    const error = rejection(body);
    expect(error.status).toBe(400);
    expect(error.toBody().error).toMatchObject({ type: 'invalid_request_error', param, code });
  });

  it('says which model is served when another is asked for', () => {
    expect(rejection({ model: 'gpt-4o', messages }).message).toBe('the model "gpt-4o" is not served here; this server serves "served"');
  });
});
