import { describe, expect, it } from 'vitest';
import { countTextTokens } from '../teacher/tokens.js';
import { HttpError } from './http.js';
import { answerTokens, limitAnswer, parseGenerationSettings, wholeCharacterGroups } from './text-completion.js';

/** A text whose o200k tokens split characters (the emoji's four bytes fall into two tokens). */
const MIXED = 'naïve 東京 🎉 Coruña {"people":["A"]}';

describe('answerTokens', () => {
  it('gives one entry per o200k token whose bytes join to exactly the text', () => {
    const tokens = answerTokens(MIXED);
    expect(tokens).toHaveLength(countTextTokens(MIXED));
    expect(Buffer.from(tokens.flatMap((token) => token.bytes)).toString('utf8')).toBe(MIXED);
    // The emoji is split across tokens: each half keeps its own raw bytes.
    expect(tokens.some((token) => token.token.includes('\ufffd'))).toBe(true);
    expect(tokens.every((token) => token.logprob === 0)).toBe(true);
  });
});

describe('wholeCharacterGroups', () => {
  it('groups split characters so every group decodes without replacement characters', () => {
    const tokens = answerTokens(MIXED);
    const groups = wholeCharacterGroups(tokens);
    expect(groups.flat()).toEqual(tokens);
    expect(groups.length).toBeLessThan(tokens.length);
    for (const group of groups) expect(Buffer.from(group.flatMap((token) => token.bytes)).toString('utf8')).not.toContain('\ufffd');
  });
});

describe('limitAnswer', () => {
  it('keeps the whole answer with finish_reason stop when it fits', () => {
    const answer = limitAnswer(MIXED, 1000);
    expect(answer).toMatchObject({ text: MIXED, finishReason: 'stop' });
  });

  it('cuts to max_tokens tokens with finish_reason length', () => {
    const answer = limitAnswer('{"people":["Ada Lovelace"],"places":["London"],"organizations":[]}', 4);
    expect(answer.finishReason).toBe('length');
    expect(answer.tokens).toHaveLength(4);
    expect('{"people":["Ada Lovelace"],"places":["London"],"organizations":[]}'.startsWith(answer.text)).toBe(true);
    expect(countTextTokens(answer.text)).toBe(4);
  });
});

describe('parseGenerationSettings', () => {
  it('reads max_tokens, max_completion_tokens and the response format', () => {
    expect(parseGenerationSettings({})).toEqual({ maxTokens: null, responseFormat: 'text' });
    expect(parseGenerationSettings({ max_tokens: 7 })).toEqual({ maxTokens: 7, responseFormat: 'text' });
    expect(parseGenerationSettings({ max_completion_tokens: 9, response_format: { type: 'json_object' } })).toEqual({ maxTokens: 9, responseFormat: 'json_object' });
    expect(parseGenerationSettings({ response_format: { type: 'json_schema', json_schema: { name: 'entities', schema: { type: 'object' } } } }).responseFormat).toBe('json_schema');
  });

  it.each([
    [{ max_tokens: 0 }, 'max_tokens'],
    [{ max_tokens: 2.5 }, 'max_tokens'],
    [{ max_completion_tokens: '5' }, 'max_completion_tokens'],
    [{ max_tokens: 5, max_completion_tokens: 6 }, 'max_tokens'],
    [{ response_format: 'json' }, 'response_format'],
    [{ response_format: { type: 'xml' } }, 'response_format.type'],
    [{ response_format: { type: 'json_schema' } }, 'response_format.json_schema'],
    [{ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: [] } } }, 'response_format.json_schema.schema'],
  ])('rejects %j with a 400 naming %s', (body, param) => {
    let caught: unknown;
    try {
      parseGenerationSettings(body as Record<string, unknown>);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(HttpError);
    expect(caught).toMatchObject({ status: 400, param });
  });
});
