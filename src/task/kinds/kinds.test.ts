/** The task-kind registry and each kind's answer reader, on completions as the teacher seam returns them. */
import { describe, expect, it } from 'vitest';
import type { TeacherCompletion } from '../../teacher/types.js';
import { readClassifyAnswer } from './classify.js';
import { readExtractAnswer } from './extract.js';
import { compileSchema, schemaProblems } from './json-schema.js';
import { TASK_KINDS, TASK_KIND_NAMES, taskKind } from './registry.js';

/** A completion of `text`, optionally with one-token logprobs. */
function completion(text: string, overrides: Partial<TeacherCompletion> = {}): TeacherCompletion {
  return { text, finishReason: 'stop', rawFinishReason: 'stop', usage: { inputTokens: 10, outputTokens: 3, estimated: false }, responseId: 'r1', raw: {}, warnings: [], ...overrides };
}

const PERSON_SCHEMA = { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer' } }, required: ['name'], additionalProperties: false };

describe('task kind registry', () => {
  it('is frozen, names classify, extract and generate, and each kind says its filters, students and metrics', () => {
    expect(TASK_KIND_NAMES).toEqual(['classify', 'extract', 'generate']);
    expect(Object.isFrozen(TASK_KINDS)).toBe(true);
    expect(() => { (TASK_KINDS as Record<string, unknown>)['translate'] = {}; }).toThrow();
    // Every classifier kind of student.kind: the demo trains bag-mlp, and `auto` picks among them.
    expect(taskKind('classify').studentFamilies).toEqual(['ngram', 'bag-mlp', 'mlp', 'auto']);
    expect(taskKind('extract').studentFamilies).toEqual(['auto', 'span', 'lm']);
    expect(taskKind('extract').curationFilters).toEqual(['truncated', 'refusal', 'empty', 'schema']);
    expect(taskKind('generate').curationFilters).not.toContain('schema');
    for (const kind of Object.values(TASK_KINDS)) expect(kind.metrics.length).toBeGreaterThan(0);
  });

  it('an unknown kind is an error listing the valid ones', () => {
    expect(() => taskKind('translate')).toThrow('unknown task kind "translate"; valid kinds: classify, extract, generate');
  });

  it('fills each kind\'s placeholders', () => {
    expect(taskKind('classify').promptValues({ labels: ['a', 'b'] })).toEqual({ labels: 'a, b' });
    expect(taskKind('extract').promptValues({ labels: [], schema: PERSON_SCHEMA })).toEqual({ schema: JSON.stringify(PERSON_SCHEMA) });
    expect(taskKind('generate').promptValues({ labels: [] })).toEqual({});
  });
});

describe('classify kind', () => {
  it('derives the label distribution from the completion\'s tokens', () => {
    const tokens = [{ token: 'positive', logprob: Math.log(0.75), topLogprobs: [{ token: 'positive', logprob: Math.log(0.75) }, { token: 'negative', logprob: Math.log(0.25) }] }];
    const reading = readClassifyAnswer(completion('positive', { tokens }), ['positive', 'negative']);
    expect(reading).toMatchObject({ kind: 'label', label: 'positive' });
    expect(reading.distribution?.[0]).toBeCloseTo(0.75, 9);
    expect(reading.distribution?.[1]).toBeCloseTo(0.25, 9);
  });

  it('reads a hard label without tokens, and junk when the text names no label', () => {
    expect(readClassifyAnswer(completion('Negative.'), ['positive', 'negative'])).toMatchObject({ kind: 'label', label: 'negative', distribution: null });
    expect(readClassifyAnswer(completion('hard to say'), ['positive', 'negative'])).toMatchObject({ kind: 'junk', label: null, junkReason: 'the answer names no label' });
  });
});

describe('extract kind', () => {
  const validate = compileSchema(PERSON_SCHEMA);

  it('parses a bare JSON object and one in a fenced block', () => {
    expect(readExtractAnswer(completion('{"name":"Ada","age":36}'), validate)).toMatchObject({ kind: 'label', value: { name: 'Ada', age: 36 } });
    expect(readExtractAnswer(completion('Here it is:\n```json\n{"name": "Ada"}\n```\nDone.'), validate)).toMatchObject({ kind: 'label', value: { name: 'Ada' } });
  });

  it('records text that is not JSON, blank text and schema violations as junk, with the reason', () => {
    expect(readExtractAnswer(completion('{"name": "Ada"'), validate).junkReason).toMatch(/^not JSON/);
    expect(readExtractAnswer(completion('  '), validate).junkReason).toMatch(/^empty/);
    const wrong = readExtractAnswer(completion('{"name": 7, "extra": true}'), validate);
    expect(wrong.kind).toBe('junk');
    expect(wrong.junkReason).toContain('/name must be string');
    expect(wrong.junkReason).toContain('must NOT have additional properties ("extra")');
  });

  it('finds the problems of an invalid JSON Schema with their paths', () => {
    expect(schemaProblems(PERSON_SCHEMA)).toEqual([]);
    expect(schemaProblems({ type: 'object', properties: { name: { type: 'strng' } } })[0]?.path).toEqual(['properties', 'name', 'type']);
    expect(schemaProblems({ type: 'object', proprties: {} })[0]?.message).toMatch(/unknown keyword: "proprties"/);
  });
});

describe('generate kind', () => {
  it('keeps the text; a blank answer is junk', () => {
    const reader = taskKind('generate').createReader({ labels: [] });
    expect(reader(completion('A short summary.'))).toMatchObject({ kind: 'label', text: 'A short summary.', value: 'A short summary.' });
    expect(reader(completion('\n'))).toMatchObject({ kind: 'junk' });
  });
});
