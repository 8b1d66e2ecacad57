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

/** How a usage batch writes and reports. */
export interface UsageBatchOptions {
  /** Pending sums are written this often (ms). */
  flushMs: number;
  onError: (error: unknown) => void;
}

/**
 * Per-request accounting summed in memory per key and window, and written once per `flushMs`: one
 * store write per key and window instead of one per request (the store adds, so totals stay exact).
 * What is pending when the process dies is lost, as with the group commit of the audit rows.
 */
export class UsageBatch {
  readonly #write: (entry: UsageEntry) => Promise<void>;
  readonly #options: UsageBatchOptions;
  #pending = new Map<string, UsageEntry>();
  #timer: NodeJS.Timeout | null = null;
  readonly #writing = new Set<Promise<void>>();

  constructor(write: (entry: UsageEntry) => Promise<void>, options: UsageBatchOptions) {
    this.#write = write;
    this.#options = options;
  }

  /** Adds one request's usage to its key's pending window. */
  add(entry: UsageEntry): void {
    const id = `${entry.keyId}\u0000${entry.windowStart}`;
    const pending = this.#pending.get(id);
    if (pending === undefined) {
      this.#pending.set(id, { ...entry });
    } else {
      pending.requests += entry.requests;
      pending.promptTokens += entry.promptTokens;
      pending.completionTokens += entry.completionTokens;
      pending.costUSD += entry.costUSD;
    }
    if (this.#timer === null) {
      this.#timer = setTimeout(() => void this.flush(), this.#options.flushMs);
      // Pending sums alone should not keep the process alive; closing the gateway writes them.
      this.#timer.unref();
    }
  }

  /** Writes every pending sum now; resolves once they (and earlier flushes) are written or reported. */
  async flush(): Promise<void> {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const entries = [...this.#pending.values()];
    this.#pending = new Map();
    for (const entry of entries) {
      const written = this.#write(entry).catch((error: unknown) => this.#options.onError(error));
      this.#writing.add(written);
      void written.finally(() => this.#writing.delete(written));
    }
    await Promise.all([...this.#writing]);
  }

  /** Stops the timer (after a final `flush`). */
  close(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
