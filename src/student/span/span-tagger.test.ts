import { describe, expect, it } from 'vitest';
import { ENTITY_SCHEMA } from '../../demo/entity-extractor.js';
import { StudentFileError } from '../file-container.js';
import { spanTaggerFromBytes, spanTaggerToBytes } from './serialise.js';
import { spanFieldsOf, SpanSchemaError, viterbi } from './span-tagger.js';
import { trainSpanTagger } from './train.js';
import { importOptional, type EsbuildModule } from '../lm/optional-modules.js';

const NAMES = ['Alice', 'Bruno', 'Chen', 'Dmitri', 'Elena', 'Farid'];
const CITIES = ['Paris', 'Lagos', 'Osaka', 'Quito'];
const FIRMS = ['Acme Corp', 'Globex', 'Initech'];

/** Sentences made from templates: who, where and which firm are known, so the answers are exact. */
function examples(count: number, offset = 0) {
  const items = [];
  for (let i = offset; i < offset + count; i++) {
    const person = NAMES[i % NAMES.length] as string;
    const city = CITIES[(i * 7) % CITIES.length] as string;
    const firm = FIRMS[(i * 5) % FIRMS.length] as string;
    const templates = [
      [`${person} flew to ${city} on Monday.`, [person], [city], []],
      [`The meeting in ${city} was led by ${person} of ${firm}.`, [person], [city], [firm]],
      [`${firm} opened an office in ${city}.`, [], [city], [firm]],
      ['Nothing happened here today.', [], [], []],
    ] as const;
    const [input, people, places, organizations] = templates[i % templates.length] as (typeof templates)[number];
    items.push({ input, answer: JSON.stringify({ people, places, organizations }) });
  }
  return items;
}

describe('the span tagger', () => {
  it('learns a tiny training set perfectly', () => {
    const train = examples(40);
    const { tagger, report } = trainSpanTagger(train, ENTITY_SCHEMA, { epochs: 10, bits: 14 });
    expect(report.placed).toBe(report.values);
    expect(report.errorRates.at(-1)).toBe(0);
    for (const example of train) expect(tagger.predict(example.input)).toBe(example.answer);
  });

  it('answers every field of the schema, lists deduplicated in order, a string field with its first span', () => {
    const schema = { type: 'object', properties: { person: { type: 'string' }, places: { type: 'array', items: { type: 'string' } } }, required: ['person', 'places'] };
    const train = [
      { input: 'Ann went to Rome and Oslo.', answer: '{"person":"Ann","places":["Rome","Oslo"]}' },
      { input: 'Bob saw Oslo, then Rome, then Oslo.', answer: '{"person":"Bob","places":["Oslo","Rome","Oslo"]}' },
      { input: 'It rained.', answer: '{"person":"","places":[]}' },
    ];
    const { tagger } = trainSpanTagger(train, schema, { epochs: 20, bits: 12 });
    expect(tagger.predictObject('Bob saw Oslo, then Rome, then Oslo.')).toEqual({ person: 'Bob', places: ['Oslo', 'Rome'] });
    expect(tagger.predictObject('It rained.')).toEqual({ person: '', places: [] });
    expect(tagger.predictObject('')).toEqual({ person: '', places: [] });
  });

  it('round-trips through its file with identical predictions, and refuses other files', () => {
    const { tagger } = trainSpanTagger(examples(40), ENTITY_SCHEMA, { epochs: 5, bits: 14 });
    const bytes = spanTaggerToBytes(tagger);
    const loaded = spanTaggerFromBytes(bytes);
    expect(loaded.tags).toEqual(tagger.tags);
    expect(loaded.emission).toEqual(tagger.emission);
    expect(loaded.transition).toEqual(tagger.transition);
    for (const example of examples(30, 100)) expect(loaded.predict(example.input)).toBe(tagger.predict(example.input));
    const damaged = Uint8Array.from(bytes);
    damaged[damaged.length - 1] = (damaged[damaged.length - 1] as number) ^ 0xff;
    expect(() => spanTaggerFromBytes(damaged)).toThrow(StudentFileError);
  });

  it('round-trips with word statistics from unlabelled inputs, which change its features', () => {
    const unlabelled = ['We met Zora in Quito.', 'Later Zora left.', 'The the the.'];
    const { tagger } = trainSpanTagger(examples(40), ENTITY_SCHEMA, { epochs: 5, bits: 14, unlabelled });
    expect(tagger.statistics?.get('zora')).toEqual([2, 2]);
    const loaded = spanTaggerFromBytes(spanTaggerToBytes(tagger));
    expect([...(loaded.statistics ?? [])]).toEqual([...(tagger.statistics ?? [])]);
    for (const example of examples(30, 100)) expect(loaded.predict(example.input)).toBe(tagger.predict(example.input));
  });

  it('accepts only objects of strings and string arrays', () => {
    expect(spanFieldsOf(ENTITY_SCHEMA)?.map((f) => f.type)).toEqual(['array', 'array', 'array']);
    expect(spanFieldsOf({ type: 'object', properties: { n: { type: 'number' } } })).toBeUndefined();
    expect(spanFieldsOf({ type: 'array' })).toBeUndefined();
    expect(() => trainSpanTagger([], { type: 'object', properties: { n: { type: 'integer' } } })).toThrow(SpanSchemaError);
  });

  it('Viterbi never opens a span with I-', () => {
    // Tags O, B-x, I-x: I-x scores highest everywhere, but cannot start a sentence or follow O.
    const scores = Float64Array.from([0, 1, 5, 0, 1, 5]);
    const transition = new Float32Array(4 * 3);
    expect([...viterbi(scores, transition, 3)]).toEqual([1, 2]);
  });
});

describe('the span tagger in a browser bundle', () => {
  it('bundles for platform "browser" (which fails on any Node built-in), predict and load included', async () => {
    const { build } = await importOptional<EsbuildModule>('esbuild');
    const bundle = await build({
      stdin: { contents: "export { spanTaggerFromBytes } from './serialise.ts'; export { trainSpanTagger } from './train.ts'; export { spanStudentFromBytes } from './span-student.ts';", resolveDir: new URL('.', import.meta.url).pathname, loader: 'ts' },
      bundle: true, format: 'esm', platform: 'browser', write: false,
    });
    const text = bundle.outputFiles[0]?.text ?? '';
    expect(text).toContain('span-tagger');
    // The student (template inversion included) stays free of the task kinds and their JSON Schema validator.
    expect(text).not.toMatch(/ajv/i);
  });
});
