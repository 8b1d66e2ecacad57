/**
 * End to end on a tiny task: train a tiny model on a fixed prompt → JSON mapping until it answers
 * greedily, then save → load → same output, in every weight storage; plus the bad inputs.
 */
import { describe, expect, it } from 'vitest';
import { encodeStudentFile, FORMAT_VERSION, StudentFileError } from '../file-container.js';
import { isCopiedSpan } from './copy-spans.js';
import { ContextLengthError, TrainingSetTooSmallError, UnsupportedSchemaError } from './errors.js';
import { languageModelConfig } from './config.js';
import { languageModelFromBytes, languageModelStudent, trainLanguageModelStudent, type LanguageModelStudentOptions } from './lm-student.js';
import { trainTokenizer } from './tokenizer.js';
import { decodeLanguageModel } from './serialise.js';
import type { GenerativeStudent } from './types.js';
import { colourExamples, COLOUR_SCHEMA } from './synthetic-text.js';
import { initialWeights, namedTensors } from './weights.js';

const OPTIONS: LanguageModelStudentOptions = {
  vocabularySize: 300,
  config: { width: 32, layers: 2, heads: 4, keyValueHeads: 2, hiddenWidth: 64, context: 48 },
  training: { steps: 150, batchSize: 12, learningRate: 1e-2, warmupSteps: 10, evaluateEvery: 25, patience: 100, seed: 3 },
};

describe('language-model student, end to end', () => {
  const { student, report } = trainLanguageModelStudent(colourExamples(4), colourExamples(1), OPTIONS);
  const answers = colourExamples(1);

  it('trains until it generates every answer greedily, with a falling validation loss', () => {
    expect(report.bestValidationLoss).toBeLessThan((report.evaluations[0]?.validationLoss ?? 0) / 10);
    for (const example of answers) {
      const generation = student.generate(example.prompt, { maxTokens: 40 });
      expect(generation.text).toBe(example.answer);
      expect(generation.finishReason).toBe('stop');
      expect(generation.logprobs.length).toBe(generation.tokens.length);
    }
  });

  it('survives save → load with the same output and logprobs (float32), the same text in float16 and int8', () => {
    const prompt = answers[2]?.prompt ?? '';
    const original = student.generate(prompt, { maxTokens: 40, topLogprobs: 3 });
    const loaded = languageModelFromBytes(student.toBytes());
    expect(loaded.generate(prompt, { maxTokens: 40, topLogprobs: 3 })).toEqual(original);
    expect(loaded.training?.trainExamples).toBe(24);
    for (const storage of ['f16', 'i8'] as const) {
      const bytes = student.toBytes(storage);
      expect(bytes.length).toBeLessThan(student.toBytes().length);
      expect(languageModelFromBytes(bytes).generate(prompt, { maxTokens: 40 }).text).toBe(original.text);
    }
  });

  it('streams the same text it generates, and cuts at a stop sequence', async () => {
    const prompt = answers[0]?.prompt ?? '';
    let streamed = '';
    let finish: string | undefined;
    for await (const chunk of student.stream(prompt, { maxTokens: 40 })) { streamed += chunk.text; finish = chunk.finishReason ?? finish; }
    expect(streamed).toBe(answers[0]?.answer);
    expect(finish).toBe('stop');
    const stopped = student.generate(prompt, { maxTokens: 40, stop: [',"hex"'] });
    expect(stopped).toMatchObject({ text: '{"name":"red"', finishReason: 'stop' });
    expect(student.generate(prompt, { maxTokens: 3 }).finishReason).toBe('length');
  });

  it('keeps schema-constrained output valid for an unseen prompt', () => {
    const text = student.generate('colour: purple and more words', { maxTokens: 60, schema: COLOUR_SCHEMA }).text;
    expect(Object.keys(JSON.parse(text) as object).sort()).toEqual(['dark', 'hex', 'name']);
  });

  it('is deterministic for a seed', () => {
    const quick = { ...OPTIONS, training: { ...OPTIONS.training, steps: 10 } };
    const weightsOf = (seed: number): Float32Array[] => namedTensors(decodeLanguageModel(trainLanguageModelStudent(colourExamples(1), colourExamples(1), { ...quick, training: { ...quick.training, seed } }).student.toBytes()).weights).map(([, tensor]) => tensor);
    const first = weightsOf(3);
    expect(weightsOf(3)).toEqual(first);
    expect(weightsOf(4)).not.toEqual(first);
  });
});

describe('language-model student, bad input (one clear line each)', () => {
  it('refuses a training set too small', () => {
    expect(() => trainLanguageModelStudent(colourExamples(1).slice(0, 3), undefined, OPTIONS)).toThrow(TrainingSetTooSmallError);
    expect(() => trainLanguageModelStudent(colourExamples(1).slice(0, 3), undefined, OPTIONS)).toThrow(/^training set too small: 3 examples; the language-model student needs at least 5$/);
  });

  it('refuses an example longer than the context', () => {
    const long = [...colourExamples(1), { prompt: '~ ^ '.repeat(30), answer: 'x' }];
    expect(() => trainLanguageModelStudent(long, colourExamples(1), OPTIONS)).toThrow(ContextLengthError);
    expect(() => trainLanguageModelStudent(long, colourExamples(1), OPTIONS)).toThrow(/training example 7 is \d+ tokens long \(prompt \+ answer\); the model's context is 48 tokens/);
  });

  const { student } = trainLanguageModelStudent(colourExamples(1), colourExamples(1), { ...OPTIONS, training: { ...OPTIONS.training, steps: 2 } });

  it('refuses a prompt longer than the context', () => {
    expect(() => student.generate('colour '.repeat(60))).toThrow(ContextLengthError);
    expect(() => student.generate('colour '.repeat(60))).toThrow(/^the prompt is \d+ tokens; the model's context is 48 tokens \(room is needed for at least one answer token\)$/);
  });

  it('names an unsupported schema keyword', () => {
    expect(() => student.generate('colour: red', { schema: { type: 'string', pattern: '^a' } })).toThrow(UnsupportedSchemaError);
    expect(() => student.generate('colour: red', { schema: { type: 'string', pattern: '^a' } })).toThrow('unsupported JSON Schema keyword "pattern" at #');
  });

  it('refuses a corrupt file, a newer file and another kind of student file', () => {
    const bytes = student.toBytes();
    const corrupt = bytes.slice();
    corrupt[corrupt.length - 5] = (corrupt[corrupt.length - 5] as number) ^ 1;
    expect(() => languageModelFromBytes(corrupt)).toThrow('checksum mismatch: file is corrupt');
    const newer = bytes.slice();
    newer[8] = FORMAT_VERSION + 1;
    expect(() => languageModelFromBytes(newer)).toThrow(StudentFileError);
    expect(() => languageModelFromBytes(newer)).toThrow(`student file format version ${FORMAT_VERSION + 1} is not supported`);
    const older = bytes.slice();
    older[8] = FORMAT_VERSION - 1;
    expect(() => languageModelFromBytes(older)).toThrow(StudentFileError);
    expect(() => languageModelFromBytes(older)).toThrow(new RegExp(`^student file format version ${FORMAT_VERSION - 1} is not supported: this Distillery reads version ${FORMAT_VERSION}$`));
    const classifier = encodeStudentFile('ngram', { labels: ['a', 'b'] }, []);
    expect(() => languageModelFromBytes(classifier)).toThrow(StudentFileError);
    expect(() => languageModelFromBytes(classifier)).toThrow(/^student file holds a "ngram" student, not a language model \("lm"\)$/);
  });
});

describe('language-model student files and the classifier loader', () => {
  it('points the classifier loader at the language-model loader', async () => {
    const { studentFromBytes } = await import('../file-format.js');
    const { student } = trainLanguageModelStudent(colourExamples(1), colourExamples(1), { ...OPTIONS, training: { ...OPTIONS.training, steps: 1 } });
    expect(() => studentFromBytes(student.toBytes())).toThrow('load it with loadLanguageModelStudent');
  });
});

describe('language-model student errors in the one hierarchy', () => {
  it('are usage errors (exit code 2, HTTP 400)', async () => {
    const { UsageError } = await import('../../util/errors.js');
    const error = (() => { try { trainLanguageModelStudent([], undefined, OPTIONS); } catch (caught) { return caught; } return undefined; })();
    expect(error).toBeInstanceOf(TrainingSetTooSmallError);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as InstanceType<typeof UsageError>).exitCode).toBe(2);
    expect((error as InstanceType<typeof UsageError>).httpStatus).toBe(400);
  });
});

describe('language-model student, copying strings from the prompt', () => {
  const SCHEMA = { type: 'object', properties: { names: { type: 'array', items: { type: 'string' } } }, required: ['names'], additionalProperties: false };
  const prompt = 'Ada Lovelace met Charles Babbage in London';
  // Untrained weights with room for long answers: what they write is near-random, so only the constraint can keep it to spans.
  const tokenizer = trainTokenizer([prompt, '{"names": ["Grace Hopper", "Paris"]}'], 300);
  const weights = initialWeights(languageModelConfig({ width: 32, layers: 1, heads: 4, keyValueHeads: 2, hiddenWidth: 64, context: 512, vocabularySize: tokenizer.vocabularySize }), 5);
  const student = languageModelStudent(weights, tokenizer, undefined, { copyStrings: true });
  const namesOf = (copying: GenerativeStudent, options: { copyStrings?: boolean } = {}): string[] => Array.from({ length: 8 }, (_, seed) => {
    const generation = copying.generate(prompt, { maxTokens: 200, temperature: 1.5, seed, schema: SCHEMA, ...options });
    return generation.finishReason === 'stop' ? (JSON.parse(generation.text) as { names: string[] }).names : [];
  }).flat();

  it('keeps the setting in its file, and then writes only spans of the prompt under a schema', () => {
    const loaded = languageModelFromBytes(student.toBytes('f16'));
    expect(loaded.decoding.copyStrings).toBe(true);
    const names = namesOf(loaded);
    expect(names.filter((name) => name !== '').length).toBeGreaterThan(3);
    for (const name of names) expect(isCopiedSpan(name, prompt), name).toBe(true);
  });

  it('writes other strings when a request turns it off, and files without it do not copy', () => {
    expect(namesOf(student, { copyStrings: false }).some((name) => !isCopiedSpan(name, prompt))).toBe(true);
    const plain = languageModelStudent(weights, tokenizer);
    expect(languageModelFromBytes(plain.toBytes()).decoding.copyStrings).toBe(false);
  });
});
