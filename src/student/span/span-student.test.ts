import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENTITY_SCHEMA } from '../../demo/entity-extractor.js';
import { loadStudent } from '../../index.js';
import { recordStudentPrompt } from '../file-format.js';
import { isGenerativeStudent, isSpanStudent, loadStudentFileOfAnyKind, type AnyStudent } from '../load-student.js';
import { studentFromBytes } from '../runtime.js';
import { allowedTransition } from './features.js';
import { spanStudent, schemaMismatch } from './span-student.js';
import { SpanSchemaError, viterbiWithMargin } from './span-tagger.js';
import { trainSpanTagger } from './train.js';

const train = [
  { input: 'Ann went to Rome.', answer: '{"people":["Ann"],"places":["Rome"],"organizations":[]}' },
  { input: 'Bob works at Acme in Oslo.', answer: '{"people":["Bob"],"places":["Oslo"],"organizations":["Acme"]}' },
  { input: 'It rained.', answer: '{"people":[],"places":[],"organizations":[]}' },
];
const TEMPLATE = { messages: [{ role: 'system', content: 'Names as JSON.' }, { role: 'user', content: 'Text: {{text}}\nJSON only.' }] };
const tagger = trainSpanTagger(train, ENTITY_SCHEMA, { epochs: 10, bits: 10 }).tagger;

/** Every BIO-valid tag path's score, by brute force: the reference for the margin. */
function allPathScores(scores: Float64Array, transition: Float32Array, tags: number): number[] {
  const n = scores.length / tags;
  const results: number[] = [];
  const walk = (i: number, previous: number, total: number) => {
    if (i === n) { results.push(total); return; }
    for (let t = 0; t < tags; t++) {
      if (!allowedTransition(previous, t)) continue;
      walk(i + 1, t, total + (scores[i * tags + t] as number) + (transition[(previous + 1) * tags + t] as number));
    }
  };
  walk(0, -1, 0);
  return results.sort((a, b) => b - a);
}

describe('the Viterbi margin', () => {
  it('is the best path\'s score minus the second best\'s, as brute force over every BIO path finds', () => {
    let seed = 7;
    const random = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31 - 0.5; };
    for (const [words, tags] of [[1, 3], [3, 5], [5, 5], [4, 7]] as const) {
      const scores = Float64Array.from({ length: words * tags }, random);
      const transition = Float32Array.from({ length: (tags + 1) * tags }, random);
      const ranked = allPathScores(scores, transition, tags);
      const { margin } = viterbiWithMargin(scores, transition, tags);
      expect(margin).toBeCloseTo((ranked[0] as number) - (ranked[1] as number), 5);
    }
    expect(viterbiWithMargin(new Float64Array(0), new Float32Array(12), 3).margin).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('the span student', () => {
  const student = spanStudent(tagger, TEMPLATE);

  it('generates the JSON answer from the input text or from the app\'s teacher messages (template inverted)', () => {
    const text = 'Ann went to Rome.';
    expect(student.generate(text)).toMatchObject({ text: tagger.predict(text), finishReason: 'stop', template: 'none', inputWords: 5 });
    const messages = [{ role: 'system', content: 'Names as JSON.' }, { role: 'user', content: `Text: ${text}\nJSON only.` }];
    expect(student.generate(messages)).toMatchObject({ text: tagger.predict(text), template: 'matched', input: text });
    expect(student.generate([{ role: 'user', content: text }])).toMatchObject({ text: tagger.predict(text), template: 'unmatched' });
    expect(() => student.generate([{ role: 'system', content: text }])).toThrow(SpanSchemaError);
  });

  it('streams the same text in one piece, then the end', async () => {
    const pieces = [];
    for await (const chunk of student.stream('Bob works at Acme in Oslo.')) pieces.push(chunk);
    expect(pieces).toEqual([{ text: tagger.predict('Bob works at Acme in Oslo.') }, { text: '', finishReason: 'stop' }]);
  });

  it('takes its own schema or a plain object, and refuses another with the reason', () => {
    expect(schemaMismatch(student.fields, ENTITY_SCHEMA)).toBeNull();
    expect(schemaMismatch(student.fields, { type: 'object' })).toBeNull();
    expect(schemaMismatch(student.fields, student.schema)).toBeNull();
    expect(() => student.generate('Ann.', { schema: { type: 'object', properties: { people: { type: 'string' } } } })).toThrow(/requested schema asks for \{people: string\}/);
  });
});

describe('loadStudent on a span-tagger file', () => {
  it('loads the span family with the recorded prompt; the classifier loader refuses it by name', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'distillery-span-load-')), 'student.dstl');
    writeFileSync(file, spanStudent(tagger).toBytes());
    await recordStudentPrompt(file, TEMPLATE);
    expect(loadStudentFileOfAnyKind(file).family).toBe('span');
    const loaded = loadStudent<AnyStudent>(file);
    expect(isSpanStudent(loaded)).toBe(true);
    expect(isGenerativeStudent(loaded)).toBe(false);
    if (!isSpanStudent(loaded)) return;
    expect(loaded.prompt).toEqual(TEMPLATE);
    expect(loaded.generate([{ role: 'system', content: 'Names as JSON.' }, { role: 'user', content: 'Text: Ann went to Rome.\nJSON only.' }]).text).toBe(tagger.predict('Ann went to Rome.'));
    expect(() => studentFromBytes(loaded.toBytes())).toThrow(/span-tagger student .* load it with loadStudent/);
  });
});
