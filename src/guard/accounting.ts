/**
 * Per-key accounting: usage lands in fixed windows (one row per key per window), priced from the
 * owner's per-million-token prices, so `explain` can show how a key's consumption grew over time.
 */
import type { UsageEntry } from './guard-store.js';
import type { TokenUsage } from './usage-tap.js';

/** Prices of the served model in USD per million tokens; zero when the owner does not bill by token. */
export interface TokenPrices {
  promptPerMillionUSD: number;
  completionPerMillionUSD: number;
}

/** Default accounting window: one minute, fine enough to see a burst, coarse enough to stay small. */
export const DEFAULT_ACCOUNTING_WINDOW_MS = 60_000;

/** The start of the window holding `at`. */
export function windowStart(at: number, windowMs: number): number {
  return Math.floor(at / windowMs) * windowMs;
}

/** The accounting entry for one request. */
export function usageEntry(keyId: string, at: number, windowMs: number, usage: TokenUsage | null, prices: TokenPrices): UsageEntry {
  const promptTokens = usage?.promptTokens ?? 0;
  const completionTokens = usage?.completionTokens ?? 0;
  const costUSD = (promptTokens * prices.promptPerMillionUSD + completionTokens * prices.completionPerMillionUSD) / 1_000_000;
  return { keyId, windowStart: windowStart(at, windowMs), requests: 1, promptTokens, completionTokens, costUSD };
}
