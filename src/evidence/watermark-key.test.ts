import { describe, expect, it } from 'vitest';
import { EXIT } from '../util/errors.js';
import { generateWatermarkKey, parseWatermarkKey, serializeWatermarkKey, WatermarkKeyError } from './watermark-key.js';

/** The error `parse` throws, for asserting on its reason and message. */
function failure(parse: () => unknown): WatermarkKeyError {
  try {
    parse();
  } catch (error) {
    if (error instanceof WatermarkKeyError) return error;
    throw error;
  }
  throw new Error('expected a WatermarkKeyError');
}

const valid = () => JSON.parse(serializeWatermarkKey(generateWatermarkKey('kgw'))) as Record<string, unknown>;

describe('watermark keys', () => {
  it('round-trips a generated key, with the documented defaults and a fresh secret each time', () => {
    const key = generateWatermarkKey('gumbel');
    const parsed = parseWatermarkKey(serializeWatermarkKey(key), 'key.json');
    expect(parsed).toEqual(key);
    expect(parsed).toMatchObject({ scheme: 'gumbel', version: 1, gamma: 0.25, delta: 2, contextWidth: 1, seedingScheme: 'lefthash' });
    expect(parsed.secret).toHaveLength(32);
    expect(generateWatermarkKey('gumbel').secret).not.toEqual(key.secret);
  });

  it.each([
    ['malformed', 'not json', /key\.json: not a watermark key file \(invalid JSON/u],
    ['malformed', '[1]', /expected a JSON object/u],
    ['scheme', JSON.stringify({ ...valid(), scheme: 'lexical' }), /"scheme" must be one of kgw, gumbel, got "lexical"/u],
    ['version', JSON.stringify({ ...valid(), version: 2 }), /unknown key version 2/u],
    ['malformed', JSON.stringify({ ...valid(), secret: 'c2hvcnQ=' }), /"secret" must be 32 bytes in base64/u],
    ['malformed', JSON.stringify({ ...valid(), secret: '!!!' }), /"secret" must be 32 bytes/u],
    ['malformed', JSON.stringify({ ...valid(), gamma: 1.5 }), /"gamma" must be a number strictly between 0 and 1/u],
    ['malformed', JSON.stringify({ ...valid(), delta: 'big' }), /"delta" must be a finite number/u],
    ['malformed', JSON.stringify({ ...valid(), contextWidth: 0 }), /"contextWidth" must be an integer/u],
    ['malformed', JSON.stringify({ ...valid(), seedingScheme: 'selfhash' }), /"seedingScheme" must be "lefthash"/u],
  ])('refuses a %s key (%s) with one line naming the file, exit 2', (reason, text, message) => {
    const error = failure(() => parseWatermarkKey(text, 'key.json'));
    expect(error.reason).toBe(reason);
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(/^key\.json: /u);
    expect(error.exitCode).toBe(EXIT.invalidInput);
  });

  it('refuses a key of the other scheme when one scheme is required', () => {
    const error = failure(() => parseWatermarkKey(serializeWatermarkKey(generateWatermarkKey('gumbel')), 'key.json', 'kgw'));
    expect(error.reason).toBe('scheme');
    expect(error.message).toBe('key.json: a gumbel key, but a kgw key is needed here');
  });
});
