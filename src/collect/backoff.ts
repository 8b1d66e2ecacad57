/**
 * Retry delays in the manner of openai-node: exponential from 0.5 s, capped at 8 s, with full
 * jitter so that many workers hit by the same outage do not retry in lockstep; a server's own
 * retry-after wins.
 */

/** Settings of the backoff curve. */
export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  /** Longest retry-after honoured; a larger (or absurd) header is clamped to this. */
  maxRetryAfterMs?: number;
}

const DEFAULTS = { initialMs: 500, maxMs: 8_000, maxRetryAfterMs: 60_000 } as const;

/** The delay before retry number `attempt` (1 = first retry), in ms. */
export function backoffDelayMs(attempt: number, random: () => number, retryAfterMs: number | null = null, options: BackoffOptions = {}): number {
  const maxRetryAfterMs = options.maxRetryAfterMs ?? DEFAULTS.maxRetryAfterMs;
  if (retryAfterMs !== null && Number.isFinite(retryAfterMs) && retryAfterMs >= 0) return Math.min(retryAfterMs, maxRetryAfterMs);
  const ceiling = Math.min(options.maxMs ?? DEFAULTS.maxMs, (options.initialMs ?? DEFAULTS.initialMs) * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}
