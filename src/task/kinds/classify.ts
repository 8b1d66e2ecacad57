/**
 * The classify kind: the answer is one of the task's labels. The text must *be* a label (label-match.ts);
 * with logprobs, the label distribution (the teacher's dark knowledge) is derived from the completion's
 * tokens (label-distribution.ts).
 */
import type { CompletionToken, TeacherCompletion } from '../../teacher/types.js';
import { labelDistribution, type LogprobToken } from './label-distribution.js';
import { matchLabel } from './label-match.js';
import type { AnswerReading, KindSettings, TaskKind } from './types.js';

/** The completion's tokens in the shape the label walk reads (OpenAI's). */
function asLogprobTokens(tokens: readonly CompletionToken[]): LogprobToken[] {
  return tokens.map((token) => ({ token: token.token, logprob: token.logprob, top_logprobs: token.topLogprobs.map((alternative) => ({ ...alternative })) }));
}

/** Reads one completion as a label, soft when its tokens carry logprobs. */
export function readClassifyAnswer(completion: TeacherCompletion, labels: readonly string[]): AnswerReading {
  const warnings = [...completion.warnings];
  const { text } = completion;
  const label = matchLabel(text, labels);
  if (label === null) return { kind: 'junk', label: null, distribution: null, tailMass: null, text, junkReason: 'the answer names no label', warnings };
  if (completion.tokens === undefined || completion.tokens.length === 0) return { kind: 'label', label, distribution: null, tailMass: null, text, warnings };
  const mapped = labelDistribution(asLogprobTokens(completion.tokens), labels);
  if (mapped === null) {
    warnings.push('the logprobs put no probability on any label; hard label only');
    return { kind: 'label', label, distribution: null, tailMass: null, text, warnings };
  }
  warnings.push(...mapped.warnings);
  return { kind: 'label', label, distribution: mapped.distribution, tailMass: mapped.tailMass, text, warnings };
}

/** Answers are labels; `{{labels}}` lists them. */
export const classifyKind: TaskKind = Object.freeze({
  name: 'classify',
  description: 'the answer is one of the task\'s labels (soft labels from logprobs when the teacher gives them)',
  placeholders: Object.freeze(['labels']),
  promptValues: (settings: KindSettings) => ({ labels: settings.labels.join(', ') }),
  createReader: (settings: KindSettings) => (completion: TeacherCompletion) => readClassifyAnswer(completion, settings.labels),
  curationFilters: Object.freeze(['empty']),
  // Every classifier student of the task schema's student.kind ('auto' picks among them).
  studentFamilies: Object.freeze(['ngram', 'bag-mlp', 'mlp', 'auto']),
  metrics: Object.freeze(['accuracy', 'agreement', 'calibration']),
});
