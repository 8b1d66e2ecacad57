/**
 * Token-level KD end to end: with the teacher's top-k per answer token, the student learns the
 * teacher's uncertainty (a second answer the teacher gave 30 %), which sequence-level KD on the
 * same answers cannot show it. And the teacher tokenizer (o200k_base, restricted to seen tokens)
 * round-trips text and aligns an API's logprobs to student ids.
 */
import * as o200k from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { trainLanguageModelStudent, languageModelFromBytes, type LanguageModelStudentOptions } from './lm-student.js';
import type { GenerationExample } from './sequences.js';
import { alignTeacherLogprobs, seenTeacherTokens, teacherTokenizer } from './teacher-tokenizer.js';
import { trainTokenizer } from './tokenizer.js';

const PROMPTS = ['is it sunny? one', 'is it sunny? two', 'is it sunny? three', 'is it sunny? four', 'is it sunny? five', 'is it sunny? six'];

describe('token-level KD', () => {
  const tokenizer = trainTokenizer([...PROMPTS, 'yes', 'no'], 300);
  const yes = tokenizer.encode('yes');
  const no = tokenizer.encode('no');
  const examples = (withTeacher: boolean): GenerationExample[] => PROMPTS.map((prompt) => ({
    prompt, answer: 'yes',
    ...(withTeacher ? { teacherTopLogprobs: [{ tokens: [yes[0] as number, no[0] as number], logprobs: [Math.log(0.7), Math.log(0.3)] }] } : {}),
  }));
  const options: LanguageModelStudentOptions = {
    tokenizer, config: { width: 32, layers: 1, heads: 2, keyValueHeads: 2, hiddenWidth: 64, context: 32 },
    training: { steps: 120, batchSize: 6, learningRate: 1e-2, warmupSteps: 5, evaluateEvery: 40, patience: 100, distillationWeight: 0.9 },
  };
  const secondChoice = (withTeacher: boolean): number => {
    const { student } = trainLanguageModelStudent(examples(withTeacher), examples(false).slice(0, 2), options);
    const first = student.generate(PROMPTS[0] as string, { maxTokens: 1, topLogprobs: 5 }).logprobs[0];
    expect(first?.token).toBe(yes[0]);
    return Math.exp(first?.topLogprobs.find((alternative) => alternative.token === no[0])?.logprob ?? -Infinity);
  };

  it('teaches the teacher\'s second choice, which sequence-level KD does not', () => {
    const withTokens = secondChoice(true);
    const sequenceOnly = secondChoice(false);
    expect(withTokens).toBeGreaterThan(0.15);
    expect(withTokens).toBeLessThan(0.45);
    expect(sequenceOnly).toBeLessThan(0.05);
  });
});

describe('teacher tokenizer (o200k_base restricted to seen tokens)', () => {
  const texts = ['{"city": "Paris", "country": "France"}', 'Zürich 🦊 naïve'];
  const tokenizer = teacherTokenizer('o200k_base', o200k, seenTeacherTokens(o200k, texts));

  it('uses the teacher\'s tokens for seen text and round-trips any string', () => {
    expect(tokenizer.encode(texts[0] as string).length).toBe(o200k.encode(texts[0] as string).length);
    for (const text of [...texts, 'unseen words here ✨', 'a <|endoftext|> in the text', '']) expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    expect(tokenizer.vocabularySize).toBeLessThan(300);
  });

  it('aligns an API\'s per-token logprobs to student ids (unknown alternatives go to the tail)', () => {
    const answer = '{"city": "Paris"}';
    const content = o200k.encode(answer).map((id) => ({ token: o200k.decode([id]), logprob: -0.1, top_logprobs: [{ token: o200k.decode([id]), logprob: -0.1 }, { token: ' Lyon', logprob: -2.5 }] }));
    const aligned = alignTeacherLogprobs(tokenizer, answer, content);
    expect(aligned?.length).toBe(tokenizer.encode(answer).length);
    expect(aligned?.[0]?.tokens).toEqual([tokenizer.encode(answer)[0]]);
    expect(alignTeacherLogprobs(tokenizer, answer, content.slice(1))).toBeUndefined();
  });

  it('saves and loads a teacher-tokenizer student when given the encoding, with a clear error otherwise', () => {
    const examples = Array.from({ length: 6 }, (_, index) => ({ prompt: `city ${index}`, answer: texts[0] as string }));
    const { student } = trainLanguageModelStudent(examples, undefined, { tokenizer: teacherTokenizer('o200k_base', o200k, seenTeacherTokens(o200k, examples.flatMap((example) => [example.prompt, example.answer]))), config: { width: 16, layers: 1, heads: 2, keyValueHeads: 2, hiddenWidth: 32, context: 40 }, training: { steps: 3 } });
    const bytes = student.toBytes();
    expect(() => languageModelFromBytes(bytes)).toThrow("this student uses the teacher's o200k_base tokenizer: pass it in options.encodings");
    expect(languageModelFromBytes(bytes, { encodings: { o200k_base: o200k } }).generate('city 1', { maxTokens: 5 })).toEqual(student.generate('city 1', { maxTokens: 5 }));
  });
});
