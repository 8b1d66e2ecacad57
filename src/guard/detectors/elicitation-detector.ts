/**
 * Requests that ask for more than an answer: step-by-step reasoning (a reasoning trace to train on),
 * full probability outputs (`logprobs`, `top_logprobs`: soft labels are worth far more than text),
 * and several samples per prompt (`n`). Ordinary users do each now and then; a harvester does it
 * on nearly every request, so the detector scores the share of a key's recent requests that do.
 */
import type { Detector, DetectorScore, RequestFeatures } from '../types.js';
import { KeyedState } from './keyed-state.js';
import { remoteViewOf } from './remote-view.js';
import { RingWindow } from './ring-window.js';
import { noEvidence, percent, ramp } from './scoring.js';

/** Settings of the elicitation detector. */
export interface ElicitationDetectorOptions {
  /** Recent requests considered; default 200. */
  windowSize?: number;
  /** Requests needed before the score can reach 1 (fewer scale it down); default 50. */
  minimumRequests?: number;
  maxKeys?: number;
}

/** Phrases that ask a model to show its reasoning. */
const REASONING_PATTERNS: readonly RegExp[] = [
  /\bstep[- ]by[- ]step\b/i,
  /\b(show|explain|walk me through|write out|include|give)\b[^.?!\n]{0,30}\b(reasoning|working|work|thought process|thinking|derivation|steps)\b/i,
  /\bchain[- ]of[- ]thought\b/i,
  /\bthink (carefully|through|aloud|out loud|hard)\b/i,
  /\blet'?s think\b/i,
  /\breason (through|about it|carefully)\b/i,
  /<\/?think(ing)?>/i,
  /\bbefore (giving|stating) (the|your) (final )?answer\b/i,
];

/** Reasoning requests say so near the start or the end; the middle of a huge prompt is not scanned. */
const MAX_SCANNED_CHARS = 4000;
const REASONING = 1;
const PROBABILITIES = 2;
const SAMPLES = 4;
/** Each request is kept as one number: the three flags, then top_logprobs and n (each capped at 255). */
const TOP_LOGPROBS_SHIFT = 3;
const SAMPLES_SHIFT = 11;

/** Whether the request asks for step-by-step reasoning; another replica's request says so itself (it comes without text). */
export function asksReasoning(features: RequestFeatures): boolean {
  const remote = remoteViewOf(features);
  if (remote !== undefined) return remote.asksReasoning;
  // The system message and the new turn: an instruction to reason is in one of them, and the rest of a
  // long conversation need not be scanned again on every follow-up.
  const text = `${features.systemPrompt ?? ''}\n${(features.lastMessage ?? features.prompt).slice(0, MAX_SCANNED_CHARS)}`;
  return REASONING_PATTERNS.some((pattern) => pattern.test(text));
}

/** Which of the three asks a request makes, as bit flags. */
export function elicitationFlags(features: RequestFeatures): number {
  let flags = 0;
  if (asksReasoning(features)) flags |= REASONING;
  if (features.logprobs || (features.topLogprobs ?? 0) > 0) flags |= PROBABILITIES;
  if ((features.n ?? 1) >= 2) flags |= SAMPLES;
  return flags;
}

/** One request packed into a number: its flags, its top_logprobs and its n. */
function packed(features: RequestFeatures): number {
  const cap = (value: number | null | undefined) => Math.max(0, Math.min(255, Math.round(value ?? 0)));
  return elicitationFlags(features) | (cap(features.topLogprobs) << TOP_LOGPROBS_SHIFT) | (cap(features.n ?? 1) << SAMPLES_SHIFT);
}

/** Scores the share of a key's recent requests that ask for reasoning, probabilities, or several samples. */
export class ElicitationDetector implements Detector {
  readonly specificationVersion = 'v1';
  readonly name = 'elicitation';
  readonly #windowSize: number;
  readonly #minimum: number;
  readonly #keys: KeyedState<RingWindow<number>>;

  constructor(options: ElicitationDetectorOptions = {}) {
    this.#windowSize = options.windowSize ?? 200;
    this.#minimum = options.minimumRequests ?? 50;
    this.#keys = new KeyedState(options.maxKeys);
    if (!(this.#minimum >= 1 && this.#minimum <= this.#windowSize)) throw new RangeError(`elicitation detector needs 1 ≤ minimumRequests ≤ windowSize, got ${this.#minimum} and ${this.#windowSize}`);
  }

  observe(keyId: string, features: RequestFeatures): void {
    this.#keys.touch(keyId, () => new RingWindow<number>(this.#windowSize)).push(packed(features));
  }

  score(keyId: string): DetectorScore {
    const window = this.#keys.peek(keyId);
    if (window === undefined || window.length === 0) return noEvidence();
    let reasoning = 0;
    let probabilities = 0;
    let samples = 0;
    let topLogprobs = 0;
    let samplesMax = 1;
    window.forEach((request) => {
      if (request & REASONING) reasoning++;
      if (request & PROBABILITIES) probabilities++;
      if (request & SAMPLES) samples++;
      topLogprobs = Math.max(topLogprobs, (request >>> TOP_LOGPROBS_SHIFT) & 255);
      samplesMax = Math.max(samplesMax, (request >>> SAMPLES_SHIFT) & 255);
    });
    const total = window.length;
    // A near-full distribution (top_logprobs 10–20) is what soft-label distillation wants; the sampled
    // token's logprob or the top 2–3 is what a classifier integration uses for confidence, so it weighs half.
    const depth = 0.5 + 0.5 * ramp(topLogprobs, 3, 10);
    const parts = [ramp(reasoning / total, 0.25, 0.75), depth * ramp(probabilities / total, 0.15, 0.6), ramp(samples / total, 0.25, 0.75)];
    const evidence = Math.min(1, total / this.#minimum);
    // Several kinds of ask together are more telling than any one: each extra kind adds a quarter.
    const firing = parts.filter((part) => part > 0).length;
    const score = Math.min(1, evidence * (Math.max(...parts) + 0.25 * Math.max(0, firing - 1)));
    const reasons: string[] = [];
    const share = (count: number) => `${count} of the last ${total} requests (${percent(count / total)})`;
    if (reasoning > 0) reasons.push(`${share(reasoning)} ask for step-by-step reasoning`);
    if (probabilities > 0) reasons.push(`${share(probabilities)} ask for logprobs${topLogprobs > 0 ? ` (top_logprobs up to ${topLogprobs})` : ''}`);
    if (samples > 0) reasons.push(`${share(samples)} ask for several completions (n up to ${samplesMax})`);
    return { score, reasons };
  }
}
