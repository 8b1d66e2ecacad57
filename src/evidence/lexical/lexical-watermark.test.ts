import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../util/errors.js';
import { lexicalContext, type LexicalContextMode } from './lexical-context.js';
import { detectLexicalWatermark, binomialTail } from './lexical-detect.js';
import { loadLexicalKey, newLexicalKeyFile, parseLexicalKey, type LexicalKey } from './lexical-key.js';
import { lexicalResponseRewriter } from './lexical-relay.js';
import { keyedChoice, LexicalStreamWatermarker, watermarkText } from './lexical-watermark.js';
import { defaultSynonymTable, synonymTable } from './synonyms.js';

const key = (fill: number, context?: LexicalContextMode): LexicalKey => ({ scheme: 'lexical', version: 1, secret: Buffer.alloc(32, fill), ...(context === undefined ? {} : { context }) });
/** A small table, so the tests do not depend on the WordNet build. */
const table = synonymTable([['auto', 'automobile', 'car'], ['begin', 'commence', 'start'], ['big', 'large']]);
const CAR_SET = ['auto', 'automobile', 'car'];

/** The member the key picks after `previous`. */
const pick = (secret: LexicalKey, previous: string): string => CAR_SET[keyedChoice(secret.secret, CAR_SET, lexicalContext(previous, secret.context ?? 'word-class'))] as string;

describe('lexical watermark', () => {
  it('replaces a set member by the keyed choice for its context, keeping punctuation', () => {
    const marked = watermarkText('the car, then.', key(1), table);
    expect(marked).toBe(`the ${pick(key(1), 'the')}, then.`);
  });

  it('depends on the key: over many contexts two keys choose differently', () => {
    const text = Array.from({ length: 40 }, (_, index) => `w${index}x car`).join(' ');
    expect(watermarkText(text, key(1, 'previous-word'), table)).not.toBe(watermarkText(text, key(2, 'previous-word'), table));
    const picks = new Set(Array.from({ length: 12 }, (_, index) => watermarkText('the car', key(index + 1), table)));
    expect(picks.size).toBeGreaterThan(1);
  });

  it('decides by the class of the previous word by default, by the word itself or by nothing when the key says so', () => {
    const afterFunctionWords = ['the', 'a', 'his', 'of', 'with', 'was'].map((previous) => `${previous} car`);
    const afterWords = ['red', 'fast', 'w1x', 'old', 'blue', 'new'].map((previous) => `${previous} car`);
    const written = (texts: string[], secret: LexicalKey) => new Set(texts.map((text) => watermarkText(text, secret, table).split(' ')[1]));
    for (let fill = 1; fill <= 6; fill += 1) {
      // word-class: one choice after every function word, one after every other word.
      expect(written(afterFunctionWords, key(fill)).size).toBe(1);
      expect(written(afterWords, key(fill)).size).toBe(1);
      expect(written([...afterFunctionWords, ...afterWords], key(fill, 'none')).size).toBe(1);
    }
    const varied = Array.from({ length: 6 }, (_, fill) => written([...afterFunctionWords, ...afterWords], key(fill + 1, 'previous-word')).size);
    expect(Math.max(...varied)).toBeGreaterThan(1);
    // The two classes are separate coins: over several keys they disagree somewhere.
    const disagree = Array.from({ length: 6 }, (_, fill) => pick(key(fill + 1), 'the') !== pick(key(fill + 1), 'red'));
    expect(disagree).toContain(true);
  });

  it('keeps capitalisation at a sentence start, and leaves capitalised words mid-sentence and ALL CAPS alone', () => {
    const marked = watermarkText('Car. We met Car and CAR.', key(3), table);
    const first = pick(key(3), '');
    expect(marked).toBe(`${first.charAt(0).toUpperCase()}${first.slice(1)}. We met Car and CAR.`);
  });

  it('never marks inside code, quotes, JSON, {…} spans, URLs or emails, nor words glued by apostrophes or hyphens', () => {
    const protectedText = [
      '```\nthe car\n```', '`car`', '"the car"', '“the car”', '{"note": "car } car"}', 'http://example.com/car', 'www.car.example', 'car@example.com', "car's", 'car-park',
      'car.js', 'lib/car.ts', 'big.car', '(car.json)',
    ].join(' and ');
    expect(watermarkText(protectedText, key(4), table)).toBe(protectedText);
    expect(watermarkText('{"answer": "the car"}', key(4), table)).toBe('{"answer": "the car"}');
    expect(watermarkText('["car", 1]', key(4), table)).toBe('["car", 1]');
    // A word before a sentence's full stop is still marked; after a closed region, marking resumes.
    expect(watermarkText('the car. the car.js', key(4), table)).toBe(`the ${pick(key(4), 'the')}. the car.js`);
    expect(watermarkText('`x` the car', key(4), table)).toBe(`\`x\` the ${pick(key(4), 'the')}`);
  });

  it('streams exactly as it marks a whole text, wherever the chunks are cut', () => {
    const text = 'Begin the big car.\n```js\nconst car = "big";\n```\nThen "the car" and `car` at https://x.io/car, a large auto!  Start again';
    const whole = watermarkText(text, key(5), table);
    expect(whole).not.toBe(text);
    for (let size = 1; size <= 9; size += 1) {
      const marker = new LexicalStreamWatermarker(key(5), table);
      let streamed = '';
      for (let at = 0; at < text.length; at += size) streamed += marker.push(text.slice(at, at + size));
      expect(streamed + marker.flush()).toBe(whole);
    }
  });

  it('the committed WordNet table has disjoint sets of lowercase single words and stays small', () => {
    const { sets } = defaultSynonymTable();
    expect(sets.length).toBeGreaterThan(1000);
    for (const set of sets) for (const word of set) expect(word).toMatch(/^[a-z]{3,}$/);
    expect(defaultSynonymTable().setOf('automobile')).toBe(defaultSynonymTable().setOf('car'));
  });
});

describe('lexical detection', () => {
  const sentence = (index: number) => `On day w${index}z car, w${index}y big and w${index}x begin to drive the automobile. `;
  const text = Array.from({ length: 12 }, (_, index) => sentence(index)).join('');

  it('finds the key in marked text, not another key, and not in the unmarked text', () => {
    // previous-word keys: this small table has too few (set, word class) tuples for a verdict.
    const marked = watermarkText(text, key(6, 'previous-word'), table);
    const found = detectLexicalWatermark(marked, key(6, 'previous-word'), { table });
    expect(found.verdict).toBe('scored');
    expect(found.matched).toBe(found.scored);
    expect(found.pValue).toBeLessThan(0.002);
    expect(detectLexicalWatermark(marked, key(7, 'previous-word'), { table }).pValue).toBeGreaterThan(0.01);
  });

  it('with word-class keys scores each (set, class of the previous word) once', () => {
    const marked = watermarkText(text, key(6), table);
    const found = detectLexicalWatermark(marked, key(6), { table, minScored: 1 });
    expect(found.matched).toBe(found.scored);
    expect(found.scored).toBe(4); // car, big, begin after a word; automobile after "the"
  });

  it('scores each (set, previous word) tuple once', () => {
    const repeated = 'the car '.repeat(50);
    const result = detectLexicalWatermark(repeated, key(6, 'previous-word'), { table, minScored: 1 });
    expect(result.scored).toBe(1); // fifty times "the car": one tuple, else a repeated phrase would count as fifty independent matches
  });

  it('says "not enough evidence" below the minimum instead of a p-value', () => {
    const result = detectLexicalWatermark('the car is big', key(6), { table });
    expect(result).toMatchObject({ verdict: 'not enough evidence', pValue: null, naivePValue: null });
  });

  it('the binomial tail matches a direct sum', () => {
    expect(binomialTail(10, 10, 0.5)).toBeCloseTo(1 / 1024, 12);
    expect(binomialTail(3, 1, 0.5)).toBeCloseTo(7 / 8, 12);
    expect(binomialTail(5, 0, 0.3)).toBe(1);
  });
});

describe('lexical key file', () => {
  it('loads a new key file', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'lexkey-'));
    const file = path.join(folder, 'key.json');
    await writeFile(file, newLexicalKeyFile());
    expect((await loadLexicalKey(file)).secret).toHaveLength(32);
  });

  it('refuses a missing, malformed or other-scheme key with one clear UsageError', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'lexkey-'));
    await expect(loadLexicalKey(path.join(folder, 'absent.json'))).rejects.toThrow(/watermark key file not found/);
    await writeFile(path.join(folder, 'bad.json'), '{not json');
    await expect(loadLexicalKey(path.join(folder, 'bad.json'))).rejects.toThrow(/not valid JSON/);
    expect(() => parseLexicalKey({ scheme: 'kgw', version: 1, secret: 'AAAA' }, 'k.json')).toThrow(/"kgw" watermark scheme; the guard's pass-through watermark needs a "lexical" key/);
    expect(() => parseLexicalKey({ scheme: 'lexical', version: 2, secret: 'AAAA' }, 'k.json')).toThrow(/version 2/);
    expect(() => parseLexicalKey({ scheme: 'lexical', version: 1, secret: 'AAAA' }, 'k.json')).toThrow(/at least 16 bytes/);
    expect(() => parseLexicalKey([], 'k.json')).toThrow(UsageError);
    expect(() => parseLexicalKey({ scheme: 'lexical', version: 1, secret: Buffer.alloc(16).toString('base64'), context: 'sentence' }, 'k.json')).toThrow(/"context" must be one of word-class, previous-word, none, got "sentence"/);
  });

  it('reads the context a key file names, word-class when it names none', () => {
    const secret = Buffer.alloc(16, 1).toString('base64');
    expect(parseLexicalKey({ scheme: 'lexical', version: 1, secret }, 'k.json').context).toBe('word-class');
    expect(parseLexicalKey({ scheme: 'lexical', version: 1, secret, context: 'previous-word' }, 'k.json').context).toBe('previous-word');
  });
});

describe('lexical response rewriter', () => {
  it('marks a chat completion body and leaves a non-completion JSON alone', () => {
    const rewriter = lexicalResponseRewriter(key(8));
    const body = Buffer.from(JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: 'We begin with the automobile.' } }] }));
    const out = JSON.parse(rewriter.rewriteBody(body).toString()) as { choices: [{ message: { content: string } }] };
    expect(out.choices[0].message.content).toBe(watermarkText('We begin with the automobile.', key(8)));
    expect(rewriter.rewriteBody(Buffer.from('not json')).toString()).toBe('not json');
  });

  it('flushes held-back text before [DONE] when no chunk carried a finish_reason', () => {
    const stream = lexicalResponseRewriter(key(8)).stream();
    const first = stream.push(`data: ${JSON.stringify({ id: 'c1', choices: [{ index: 0, delta: { content: 'we begin' }, finish_reason: null }] })}\n\n`);
    const rest = stream.push('data: [DONE]\n\n');
    const contents = [first, rest].join('').split('\n\n').filter((event) => event.startsWith('data: {')).map((event) => (JSON.parse(event.slice(6)) as { choices: [{ delta: { content: string } }] }).choices[0].delta.content);
    expect(contents.join('')).toBe(watermarkText('we begin', key(8)));
    expect(rest.endsWith('data: [DONE]\n\n')).toBe(true);
  });
});
