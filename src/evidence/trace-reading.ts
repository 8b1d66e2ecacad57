/**
 * Reading mode (Sander et al. 2024, for suspects that expose logprobs): the owner's watermarked
 * texts are teacher-forced through the suspect with the legacy completions endpoint (`echo: true`,
 * `logprobs: k`), which returns, at each position of the text, the suspect's top alternatives given
 * the text before it. The suspect's top-1 prediction is scored in the text's own window. A model
 * trained on watermarked text has learnt to prefer green tokens, so its predictions are green more
 * often than γ. Positions where the prediction is the text's own next token are skipped: the text is
 * watermarked, so any model that predicts it well would otherwise look radioactive (the same reason
 * the prompt filter exists). OpenAI's current models refuse `echo` with `logprobs`; vLLM and other
 * OpenAI-compatible servers of open models accept it. A suspect that refuses makes reading mode
 * "unavailable", with the server's reason, not a failure of the trace.
 */
import OpenAI from 'openai';
import { costUSD, countTextTokens } from '../teacher/index.js';
import { TraceScorer, type TraceScore } from './trace-score.js';
import { SuspectError, type Suspect } from './trace-suspect.js';
import type { TraceTokenizer } from './trace-tokenizer.js';
import { traceVerdict, type TraceVerdict } from './trace.js';
import type { WatermarkKey } from './watermark-key.js';

/** The legacy completions logprobs shape. */
interface EchoLogprobs {
  tokens: string[];
  text_offset: number[];
  top_logprobs: Array<Record<string, number> | null>;
}

/** What reading mode found. */
export type ReadingResult =
  | { available: true; verdict: TraceVerdict; score: TraceScore; texts: number; positions: number; matchedText: number; spentUSD: number; stopDetail: string }
  | { available: false; reason: string };

/** The character offset at which each of `tokens` starts (decoding prefixes only where a token is not whole characters). */
export function tokenStarts(tokenizer: TraceTokenizer, tokens: readonly number[]): number[] {
  const starts: number[] = [];
  let offset = 0;
  tokens.forEach((token, index) => {
    starts.push(offset);
    const piece = tokenizer.decode([token]);
    offset = piece.includes('\uFFFD') ? tokenizer.decode(tokens.slice(0, index + 1)).length : offset + piece.length;
  });
  return starts;
}

/** The highest-logprob entry of one position's alternatives. */
function topOne(alternatives: Record<string, number> | null | undefined): string | undefined {
  let best: string | undefined;
  let bestLogprob = -Infinity;
  for (const [token, logprob] of Object.entries(alternatives ?? {})) {
    if (logprob > bestLogprob) {
      best = token;
      bestLogprob = logprob;
    }
  }
  return best;
}

/** Scores the suspect's top-1 predictions over one echoed text; returns the positions used and those skipped for matching the text. */
export function scoreEcho(scorer: TraceScorer, tokenizer: TraceTokenizer, key: WatermarkKey, text: string, echo: EchoLogprobs): { positions: number; matchedText: number } {
  const ownerTokens = tokenizer.encode(text);
  const indexByStart = new Map(tokenStarts(tokenizer, ownerTokens).map((start, index) => [start, index]));
  let positions = 0;
  let matchedText = 0;
  echo.tokens.forEach((_, position) => {
    const offset = echo.text_offset[position];
    const index = offset === undefined || offset >= text.length ? undefined : indexByStart.get(offset);
    const predicted = topOne(echo.top_logprobs[position]);
    if (index === undefined || index < key.contextWidth || predicted === undefined) return;
    const ids = tokenizer.encode(predicted);
    if (ids.length !== 1) return;
    if (ids[0] === ownerTokens[index]) {
      matchedText++;
      return;
    }
    positions++;
    scorer.addTuple(ownerTokens.slice(index - key.contextWidth, index), ids[0]!);
  });
  return { positions, matchedText };
}

/** Reads the logprobs of an echoed completion, or undefined when the body has none. */
function echoOf(body: unknown): EchoLogprobs | undefined {
  const logprobs = (body as { choices?: Array<{ logprobs?: Partial<EchoLogprobs> | null }> } | null)?.choices?.[0]?.logprobs;
  if (!Array.isArray(logprobs?.tokens) || !Array.isArray(logprobs.text_offset) || !Array.isArray(logprobs.top_logprobs)) return undefined;
  return logprobs as EchoLogprobs;
}

/** Why a rejected echo call means "reading mode unavailable" rather than a failed trace. */
function unavailableReason(error: unknown): string | undefined {
  if (error instanceof OpenAI.APIError && error.status !== undefined && [400, 404, 405, 422, 501].includes(error.status)) {
    return `the suspect rejected completions with echo and logprobs (HTTP ${error.status}: ${error.message})`;
  }
  return undefined;
}

/** Runs reading mode over the owner's watermarked `texts`. */
export async function runReadingTrace(options: { key: WatermarkKey; tokenizer: TraceTokenizer; suspect: Suspect; texts: readonly string[]; targetP?: number; topLogprobs?: number }): Promise<ReadingResult> {
  const { suspect } = options;
  const client = new OpenAI({ baseURL: suspect.baseURL, apiKey: suspect.options.apiKey, maxRetries: 2, timeout: suspect.options.timeoutMs ?? 60_000, ...(suspect.options.fetch === undefined ? {} : { fetch: suspect.options.fetch }) });
  const scorer = new TraceScorer(options.key);
  const totals = { texts: 0, positions: 0, matchedText: 0 };
  let stopDetail = `all ${options.texts.length} texts read`;
  for (const text of options.texts) {
    const estimate = costUSD({ inputTokens: countTextTokens(text), outputTokens: 1 }, suspect.prices);
    let body: unknown;
    try {
      body = await suspect.budgeted(estimate, async () => {
        const response = await client.completions.create({ model: suspect.model, prompt: text, echo: true, logprobs: options.topLogprobs ?? 1, max_tokens: 1, temperature: 0 });
        const usage = response.usage;
        return { value: response as unknown, costUSD: usage === undefined ? estimate : costUSD({ inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens }, suspect.prices) };
      });
    } catch (error) {
      const reason = unavailableReason(error);
      if (reason !== undefined && totals.texts === 0) return { available: false, reason };
      throw new SuspectError(`reading mode: the suspect at ${suspect.baseURL} failed: ${(error as Error).message}`, error);
    }
    if (body === undefined) {
      stopDetail = suspect.budgetReason() ?? 'budget reached';
      break;
    }
    const echo = echoOf(body);
    if (echo === undefined) return { available: false, reason: 'the suspect answered completions with echo but without per-token logprobs' };
    const counted = scoreEcho(scorer, options.tokenizer, options.key, text, echo);
    totals.texts++;
    totals.positions += counted.positions;
    totals.matchedText += counted.matchedText;
  }
  const score = scorer.score();
  // One look, at the end: no correction for optional stopping is needed.
  return { available: true, verdict: traceVerdict(score, score.log10P, options.targetP ?? 1e-6), score, ...totals, spentUSD: suspect.spentUSD(), stopDetail };
}
