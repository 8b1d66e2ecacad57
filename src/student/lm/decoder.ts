/**
 * Autoregressive decoding over any StepModel: the prompt fills the key/value cache, then each step
 * runs model → logits processor (the hook a watermark plugs into) → constraint mask (JSON Schema)
 * → sampler. Stops at the end token, a stop sequence, max tokens or the model's context. Streams
 * text deltas, holding back any tail that could still become a stop sequence. Reports each token's
 * logprob and top alternatives, taken after the processor and before masking and temperature.
 */
import { createRandom } from '../../util/random.js';
import { ContextLengthError } from './errors.js';
import { createSamplerScratch, sampleToken } from './sampler.js';
import type { StepModel } from './step-model.js';
import type { Tokenizer } from './tokenizer.js';

/** Rewrites next-token logits in place before sampling (e.g. a watermark's green-list bias). */
export type LogitsProcessor = (logits: Float32Array, state: { prompt: readonly number[]; generated: readonly number[] }) => void;

/**
 * Picks the next token in place of the built-in sampler (e.g. the Gumbel watermark's keyed choice);
 * `allowed` is the constraint's mask (1 = allowed) or undefined; -1 means no token is allowed.
 */
export type TokenSampler = (logits: Float32Array, allowed: Uint8Array | undefined, state: { prompt: readonly number[]; generated: readonly number[] }) => number;

/** Restricts which tokens may come next (constrained decoding). */
export interface TokenConstraint {
  /** Writes 1 for every token that may come next (the end token when the output may end here), 0 elsewhere. */
  allowedTokens(mask: Uint8Array): void;
  /** Records the chosen token. */
  accept(token: number): void;
}

/** Decoding options; every field is optional. */
export interface DecodeOptions {
  maxTokens?: number;
  /** 0 (the default) is greedy. */
  temperature?: number;
  topK?: number;
  topP?: number;
  stop?: readonly string[];
  seed?: number;
  /** Alternatives to report per token (0–20). */
  topLogprobs?: number;
  logitsProcessor?: LogitsProcessor;
  /** Replaces temperature/top-k/top-p sampling when set. */
  sampler?: TokenSampler;
  constraint?: TokenConstraint;
}

/** One alternative token and its logprob. */
export interface TokenAlternative { token: number; text: string; logprob: number }

/** One generated token. */
export interface TokenLogprob extends TokenAlternative { topLogprobs: TokenAlternative[] }

/** Why generation ended. */
export type FinishReason = 'stop' | 'length';

/** One streamed step: the text it completed (possibly empty) and its token. */
export interface DecodeChunk { text: string; token: TokenLogprob }

/** A finished generation. */
export interface Generation { text: string; tokens: number[]; logprobs: TokenLogprob[]; finishReason: FinishReason }

/** Log-softmax of one token and the top `count` alternatives. */
function logprobsOf(logits: Float32Array, token: number, count: number, tokenizer: Tokenizer): TokenLogprob {
  let max = -Infinity;
  for (let index = 0; index < logits.length; index++) max = Math.max(max, logits[index] as number);
  let sum = 0;
  for (let index = 0; index < logits.length; index++) sum += Math.exp((logits[index] as number) - max);
  const normaliser = Math.log(sum) + max;
  const alternative = (id: number): TokenAlternative => ({ token: id, text: tokenizer.decode([id]), logprob: (logits[id] as number) - normaliser });
  const top: number[] = [];
  for (let id = 0; id < logits.length && count > 0; id++) {
    if (top.length === count && (logits[id] as number) <= (logits[top[count - 1] as number] as number)) continue;
    let at = top.length;
    while (at > 0 && (logits[top[at - 1] as number] as number) < (logits[id] as number)) at--;
    top.splice(at, 0, id);
    if (top.length > count) top.pop();
  }
  return { ...alternative(token), topLogprobs: top.map(alternative) };
}

/** Length of the longest suffix of `text` that is a proper prefix of some stop sequence. */
function heldBack(text: string, stops: readonly string[]): number {
  let longest = 0;
  for (const stop of stops) {
    for (let size = Math.min(stop.length - 1, text.length); size > longest; size--) if (text.endsWith(stop.slice(0, size))) { longest = size; break; }
  }
  return longest;
}

/** The whole generation as a generator of chunks; its return value is the finished Generation. */
export function* decodeSteps(model: StepModel, tokenizer: Tokenizer, prompt: readonly number[], options: DecodeOptions = {}): Generator<DecodeChunk, Generation, void> {
  if (prompt.length === 0) throw new RangeError('decoding needs at least one prompt token');
  if (prompt.length >= model.context) throw new ContextLengthError(`the prompt is ${prompt.length} tokens; the model's context is ${model.context} tokens (room is needed for at least one answer token)`);
  const maxTokens = options.maxTokens ?? 256;
  const stops = (options.stop ?? []).filter((stop) => stop.length > 0);
  const settings = { temperature: options.temperature ?? 0, topK: options.topK ?? 0, topP: options.topP ?? 1 };
  const random = createRandom(options.seed ?? 0);
  const scratch = createSamplerScratch(model.vocabularySize);
  const mask = options.constraint === undefined ? undefined : new Uint8Array(model.vocabularySize);
  const cache = model.newCache();
  let logits: Float32Array = new Float32Array(0);
  prompt.forEach((token, position) => { logits = model.forwardStep(token, position, cache); });
  const generated: number[] = [];
  const logprobs: TokenLogprob[] = [];
  const decoder = new TextDecoder();
  let text = '';
  let emitted = 0;
  let finishReason: FinishReason = 'length';
  let stoppedBySequence = false;
  while (generated.length < maxTokens) {
    options.logitsProcessor?.(logits, { prompt, generated });
    if (mask !== undefined) options.constraint?.allowedTokens(mask);
    const token = options.sampler === undefined ? sampleToken(logits, mask, settings, random, scratch) : options.sampler(logits, mask, { prompt, generated });
    if (token < 0 || token === tokenizer.endToken) { finishReason = 'stop'; break; }
    options.constraint?.accept(token);
    const entry = logprobsOf(logits, token, Math.min(20, options.topLogprobs ?? 0), tokenizer);
    generated.push(token);
    logprobs.push(entry);
    text += decoder.decode(tokenizer.tokenBytes(token), { stream: true });
    const stopAt = stops.reduce((first, stop) => { const at = text.indexOf(stop, Math.max(0, emitted - stop.length)); return at >= 0 && at < first ? at : first; }, Infinity);
    if (stopAt !== Infinity) {
      text = text.slice(0, stopAt);
      finishReason = 'stop';
      stoppedBySequence = true;
      yield { text: text.slice(emitted), token: entry };
      emitted = text.length;
      break;
    }
    const safe = text.length - heldBack(text, stops);
    yield { text: text.slice(emitted, Math.max(emitted, safe)), token: entry };
    emitted = Math.max(emitted, safe);
    const position = prompt.length + generated.length - 1;
    if (position + 1 >= model.context) break;
    logits = model.forwardStep(token, position, cache);
  }
  if (!stoppedBySequence) text += decoder.decode();
  return { text, tokens: generated, logprobs, finishReason };
}

/** Runs decodeSteps to the end. */
export function decode(model: StepModel, tokenizer: Tokenizer, prompt: readonly number[], options: DecodeOptions = {}): Generation {
  const steps = decodeSteps(model, tokenizer, prompt, options);
  for (;;) {
    const next = steps.next();
    if (next.done === true) return next.value;
  }
}
