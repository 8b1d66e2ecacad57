import { describe, expect, it } from 'vitest';
import { rewrapErrorBody } from './compatible-fetch.js';

describe('rewrapErrorBody', () => {
  it('moves a top-level message (vLLM) or a string error (Ollama native) into error.message', () => {
    expect(JSON.parse(rewrapErrorBody('{"object":"error","message":"logprobs unsupported","type":"BadRequestError","code":400}'))).toEqual({
      error: { message: 'logprobs unsupported', type: 'BadRequestError', code: 400, param: null },
    });
    expect(JSON.parse(rewrapErrorBody('{"error":"model not found"}')).error.message).toBe('model not found');
  });

  it('leaves OpenAI-shaped and non-JSON bodies alone', () => {
    const openAI = '{"error":{"message":"bad key","type":"invalid_request_error"}}';
    expect(rewrapErrorBody(openAI)).toBe(openAI);
    expect(rewrapErrorBody('Bad Gateway')).toBe('Bad Gateway');
  });
});
