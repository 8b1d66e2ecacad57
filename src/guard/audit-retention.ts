/**
 * Time-bounded audit retention: every `intervalMs` (and once at start) audit rows older than the
 * retention are deleted in small batches, each batch its own short transaction with a turn of the
 * event loop between, so pruning never holds up a proxied request for long.
 */
import type { GuardStore } from './guard-store.js';

/** The retention `guard serve` applies unless told otherwise: 30 days. */
export const DEFAULT_AUDIT_RETENTION_MS = 30 * 86_400_000;

/** How to prune. */
export interface AuditRetentionOptions {
  retentionMs: number;
  /** How often to prune (ms); default one minute. */
  intervalMs?: number;
  /** Rows per batch; default 1000. */
  batchSize?: number;
  now?: () => number;
  /** Hears about a failed prune; the next interval tries again. */
  onError?: (error: unknown) => void;
}

/** A running pruner. */
export interface AuditRetention {
  /** Prunes everything older than the retention now; resolves with the rows removed. */
  pruneNow(): Promise<number>;
  /** Stops the timer and waits for a prune in progress. */
  stop(): Promise<void>;
}

/** Starts pruning `store`'s audit log to `options.retentionMs`. */
export function startAuditRetention(store: GuardStore, options: AuditRetentionOptions): AuditRetention {
  const now = options.now ?? Date.now;
  const batchSize = options.batchSize ?? 1000;
  let running: Promise<number> | null = null;
  let stopped = false;
  const pruneAll = async (): Promise<number> => {
    const before = now() - options.retentionMs;
    let removed = 0;
    for (let pruned = await store.pruneAudit(before, batchSize); pruned > 0 && !stopped; pruned = await store.pruneAudit(before, batchSize)) {
      removed += pruned;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return removed;
  };
  const pruneNow = (): Promise<number> => {
    running ??= pruneAll().finally(() => (running = null));
    return running;
  };
  const tick = () => void pruneNow().catch((error: unknown) => options.onError?.(error));
  const timer = setInterval(tick, options.intervalMs ?? 60_000);
  // The pruner never keeps a process alive by itself.
  timer.unref();
  tick();
  return {
    pruneNow,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
