/**
 * The language-model student's data, from curated extract and generate examples: the prompt is the
 * input text (as the classify students train on it, and as `serve` recovers it by inverting the
 * template), the answer the teacher's text (an extract answer's fenced block unwrapped to its JSON),
 * and the teacher's per-token top logprobs where it returned them.
 */
import type { GenerativeExample } from '../data/generative-example.js';
import { inputTextOf } from '../data/generative-example.js';
import type { GenerationExample } from '../student/lm/sequences.js';
import type { ApiTokenLogprob } from '../student/lm/teacher-tokenizer.js';
import { jsonText } from '../task/kinds/extract.js';
import type { TaskKindName } from '../task/kinds/types.js';
import type { CompletionToken } from '../teacher/types.js';
import type { CuratedRecord } from './curate-stage.js';

/** One curated example as the language-model student sees it. */
export interface LanguageModelExample {
  id: string;
  split: GenerativeExample['split'];
  prompt: string;
  /** What the student learns to write: the teacher's text (extract: its JSON, unfenced). */
  answer: string;
  /** The teacher's tokens with their top alternatives, when it returned them for exactly `answer`. */
  teacherTokens?: readonly CompletionToken[];
}

/** The text the student learns for one teacher answer: extract answers lose a fence around their JSON. */
export function studentAnswerText(kind: TaskKindName, answer: string): string {
  return kind === 'extract' ? jsonText(answer) : answer;
}

/** Whether a completion's tokens carry top alternatives (what token-level KD needs). */
function hasTopLogprobs(tokens: readonly CompletionToken[] | undefined): tokens is readonly CompletionToken[] {
  return tokens !== undefined && tokens.length > 0 && tokens.some((token) => token.topLogprobs.length > 0);
}

/** The curated examples with their prompts, answers and (when usable) the teacher's token logprobs. */
export function languageModelExamples(kind: TaskKindName, curated: readonly GenerativeExample[], records: readonly CuratedRecord[]): LanguageModelExample[] {
  const byId = new Map(records.map((record) => [record.input.id, record]));
  return curated.map((example) => {
    const answer = studentAnswerText(kind, example.answer);
    const tokens = byId.get(example.id)?.response?.completion?.tokens;
    // The logprobs belong to the teacher's text as written; an unwrapped answer is another text.
    const usable = hasTopLogprobs(tokens) && tokens.map((token) => token.token).join('') === answer;
    return { id: example.id, split: example.split, prompt: inputTextOf(example), answer, ...(usable ? { teacherTokens: tokens } : {}) };
  });
}

/** Share of examples whose teacher tokens came with top logprobs. */
export function topLogprobShare(examples: readonly LanguageModelExample[]): number {
  return examples.length === 0 ? 0 : examples.filter((example) => example.teacherTokens !== undefined).length / examples.length;
}

/** A completion's tokens in the OpenAI wire shape that `alignTeacherLogprobs` reads. */
export function apiTokenLogprobs(tokens: readonly CompletionToken[]): ApiTokenLogprob[] {
  return tokens.map((token) => ({
    token: token.token,
    logprob: token.logprob,
    ...(token.bytes === undefined ? {} : { bytes: token.bytes }),
    top_logprobs: token.topLogprobs.map((alternative) => ({ token: alternative.token, logprob: alternative.logprob })),
  }));
}

/** Plain generation examples (sequence-level KD only). */
export function sequenceExamples(examples: readonly LanguageModelExample[]): GenerationExample[] {
  return examples.map((example) => ({ prompt: example.prompt, answer: example.answer }));
}
