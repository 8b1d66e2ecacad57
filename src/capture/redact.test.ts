import { describe, expect, it } from 'vitest';
import { UsageError } from '../util/errors.js';
import { assembleChatStream } from './assemble.js';
import { redactDeep, redactorFromNames } from './redact.js';

describe('redaction', () => {
  it('replaces e-mail addresses and digit runs of five or more, keeping short numbers', () => {
    const redact = redactorFromNames('emails,numbers');
    expect(redact('mail a.b+c@mail.example.co.uk, call +44 20 7946 0958, order 12 of 2026')).toBe('mail [email], call +[number], order 12 of 2026');
  });

  it('applies to every string inside a parsed body but not to keys or numbers', () => {
    const redact = redactorFromNames('emails');
    expect(redactDeep({ 'x@y.io': ['to x@y.io'], max_tokens: 12345 }, redact)).toEqual({ 'x@y.io': ['to [email]'], max_tokens: 12345 });
  });

  it('an unknown name is a UsageError listing the valid ones', () => {
    expect(() => redactorFromNames('emails,phones')).toThrow(UsageError);
    expect(() => redactorFromNames('phones')).toThrow(/valid: emails, numbers/);
  });
});

describe('assembling a streamed answer', () => {
  it('joins content and tool-call argument deltas per choice, and keeps the finish reason and usage', () => {
    const chunk = (choices: unknown[], usage: unknown = undefined) => ({ id: 'c1', created: 1, model: 'm', choices, ...(usage === undefined ? {} : { usage }) });
    const assembled = assembleChatStream([
      chunk([{ index: 0, delta: { role: 'assistant', tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get', arguments: '{"a"' } }] } }]),
      chunk([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: ':1}' } }] }, finish_reason: 'tool_calls' }]),
      chunk([], { prompt_tokens: 2, completion_tokens: 3 }),
    ]);
    expect(assembled).toMatchObject({
      id: 'c1', object: 'chat.completion', usage: { prompt_tokens: 2, completion_tokens: 3 },
      choices: [{ index: 0, finish_reason: 'tool_calls', message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get', arguments: '{"a":1}' } }] } }],
    });
  });
});
