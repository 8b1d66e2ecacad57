/**
 * `distillery trace`: was a suspect model trained on my watermarked outputs? (Sander et al. 2024.)
 * The suspect answers prompts; each answer is tokenised the way the watermarked model wrote, its
 * new tuples are scored against the key (de-duplicated across the whole run, prompt tuples
 * filtered), and the exact p-value is tracked against the number of tuples scored. The run stops at
 * the target p-value, the budget, a cap on tuples scored, or the end of the prompts.
 *
 * The p-value is looked at after every answer, and stopping at the first look below the target is
 * optional stopping: with k looks the chance that a clean model ever dips below p is at most k × p
 * (union bound). The verdict therefore uses k × p, and both are reported.
 */
import type { ChatMessage } from '../teacher/index.js';
import { promptText, type TracePrompt } from './trace-prompts.js';
import { TraceScorer, type TracePoint, type TraceScore } from './trace-score.js';
import { SuspectError, type Suspect } from './trace-suspect.js';
import type { TraceTokenizer } from './trace-tokenizer.js';
import type { WatermarkKey } from './watermark-key.js';

/** What a trace needs. */
export interface TraceOptions {
  key: WatermarkKey;
  tokenizer: TraceTokenizer;
  suspect: Suspect;
  prompts: readonly TracePrompt[];
  /** Stop once looks × p is below this (default 1e-6). */
  targetP?: number;
  /** Stop once this many tuples are scored. */
  maxTokensScored?: number;
  /** Passes over the prompts (a sampling suspect answers a repeated prompt differently; repeats of a tuple count once). */
  rounds?: number;
  /** Called after every answer with the point just added. */
  onProgress?: (point: TracePoint, score: TraceScore) => void;
}

/** Why the trace stopped. */
export type TraceStop = 'target' | 'budget' | 'max-tokens-scored' | 'prompts';

/** What the evidence says. */
export type TraceVerdict = 'radioactive' | 'not significant' | 'not enough evidence';

/** The outcome of a trace. */
export interface TraceResult {
  verdict: TraceVerdict;
  score: TraceScore;
  /** log10 of min(1, looks × p): the p-value corrected for looking after every answer. */
  adjustedLog10P: number;
  looks: number;
  targetP: number;
  curve: TracePoint[];
  answers: number;
  emptyAnswers: number;
  refusals: number;
  spentUSD: number;
  stop: TraceStop;
  stopDetail: string;
}

/** Answers that open like a refusal ("I can't help with that"). */
export const REFUSAL_PATTERN = /^\s*(?:I(?:'m| am) sorry|sorry,|I (?:can(?:no|')t|won't|will not|am unable|'m unable)|as an ai\b)/iu;
/** After this many answers in a row without text at the start of a run, the suspect is declared empty. */
const EMPTY_RUN_LIMIT = 5;

/** The corrected log10 p: log10(min(1, looks × p)). */
function adjusted(log10P: number, looks: number): number {
  return Math.min(0, log10P + Math.log10(Math.max(1, looks)));
}

/** The verdict for a score at a target. */
export function traceVerdict(score: TraceScore, adjustedLog10P: number, targetP: number): TraceVerdict {
  if (!score.enoughEvidence) return 'not enough evidence';
  return adjustedLog10P <= Math.log10(targetP) ? 'radioactive' : 'not significant';
}

/** The prompts of every round, in order. */
function* schedule(prompts: readonly TracePrompt[], rounds: number): Generator<TracePrompt> {
  for (let round = 0; round < rounds; round++) yield* prompts;
}

/** Runs the radioactivity test against the suspect. */
export async function runTrace(options: TraceOptions): Promise<TraceResult> {
  const targetP = options.targetP ?? 1e-6;
  if (!(targetP > 0 && targetP < 1)) throw new RangeError(`target p must be strictly between 0 and 1, got ${targetP}`);
  const scorer = new TraceScorer(options.key);
  const curve: TracePoint[] = [];
  const counts = { answers: 0, empty: 0, refusals: 0 };
  let stop: TraceStop = 'prompts';
  let stopDetail = `all ${options.prompts.length * (options.rounds ?? 1)} prompts answered`;
  for (const prompt of schedule(options.prompts, options.rounds ?? 1)) {
    const answer = await options.suspect.ask(prompt.messages as ChatMessage[]);
    if (answer === undefined) {
      stop = 'budget';
      stopDetail = options.suspect.budgetReason() ?? 'budget reached';
      break;
    }
    countAnswer(answer.text, counts);
    if (counts.answers >= EMPTY_RUN_LIMIT && counts.empty === counts.answers) throw emptyError(options.suspect, counts.answers);
    scorer.add(options.tokenizer.encode(answer.text), options.tokenizer.encode(promptText(prompt)));
    const score = scorer.score();
    const point = { answers: counts.answers, tokens: score.tokens, scored: score.scored, log10P: score.log10P };
    curve.push(point);
    options.onProgress?.(point, score);
    if (score.enoughEvidence && adjusted(score.log10P, counts.answers) <= Math.log10(targetP)) {
      stop = 'target';
      stopDetail = `target p ${targetP} reached`;
      break;
    }
    if (options.maxTokensScored !== undefined && score.scored >= options.maxTokensScored) {
      stop = 'max-tokens-scored';
      stopDetail = `${score.scored} tuples scored (cap ${options.maxTokensScored})`;
      break;
    }
  }
  if (counts.answers > 0 && counts.empty === counts.answers) throw emptyError(options.suspect, counts.answers);
  if (counts.refusals > 0 && counts.refusals + counts.empty === counts.answers) throw new SuspectError(`the suspect at ${options.suspect.baseURL} refused all ${counts.answers} prompts (e.g. "I can't help with that"); nothing to score`);
  const score = scorer.score();
  const adjustedLog10P = adjusted(score.log10P, counts.answers);
  return {
    verdict: traceVerdict(score, adjustedLog10P, targetP), score, adjustedLog10P, looks: counts.answers, targetP, curve,
    answers: counts.answers, emptyAnswers: counts.empty, refusals: counts.refusals, spentUSD: options.suspect.spentUSD(), stop, stopDetail,
  };
}

/** Tallies one answer: empty, a refusal, or text. */
function countAnswer(text: string, counts: { answers: number; empty: number; refusals: number }): void {
  counts.answers++;
  if (text.trim() === '') counts.empty++;
  else if (REFUSAL_PATTERN.test(text)) counts.refusals++;
}

/** The error for a suspect whose answers were all empty. */
function emptyError(suspect: Suspect, answers: number): SuspectError {
  return new SuspectError(`the suspect at ${suspect.baseURL} returned empty answers to all ${answers} prompts; nothing to score (is --model right?)`);
}
