import type { Ledger, Reservation } from '../store/types.js';

/** Why a collection run ended. */
export type StopReason = 'done' | 'budget' | 'aborted' | 'teacher-unreachable' | 'auth';

/** What one run did; `message` says it in a sentence or two for the user. */
export interface CollectSummary {
  /** Inputs given to this run. */
  total: number;
  /** Inputs whose request already had an answer (no call made). */
  cached: number;
  /** Inputs whose request is the same as an earlier input's in this run (served by that one call). */
  duplicates: number;
  /** Answers obtained and committed by this run (junk included). */
  called: number;
  /** Of `called`, answers that named no label. */
  junk: number;
  /** Inputs whose call failed for good this run; they are tried again by the next run. */
  failed: number;
  /** Inputs not attempted because the run stopped early. */
  notAttempted: number;
  /** Calls cancelled while in flight (abort): left journalled, counted as orphaned by the next run. */
  inFlightAtStop: number;
  /** Money this run spent: committed answers plus failed calls that were still billed. */
  spentUSD: number;
  budgetUSD: number;
  /** The project's whole ledger after the run. */
  ledger: Ledger;
  /** Calls an earlier run left in flight, found at start and counted as spent (they may have been billed). */
  orphanedRecovered: { count: number; usd: number };
  failures: Array<{ inputId: string; reason: string }>;
  stopReason: StopReason;
  message: string;
}

/** Progress of a collection run, for progress bars and logs. */
export type CollectEvent =
  | {
      type: 'start'; total: number; cached: number; duplicates: number; toCall: number; budgetUSD: number; ledger: Ledger;
      orphansRecovered: { count: number; usd: number; calls: Reservation[] };
    }
  | {
      type: 'answer'; inputId: string; cacheKey: string; kind: 'label' | 'junk'; label: string | null; costUSD: number;
      latencyMs: number; attempts: number; completed: number; toCall: number; spentUSD: number;
    }
  | { type: 'retry'; inputId: string; attempt: number; delayMs: number; status: number | null; reason: string }
  | { type: 'failure'; inputId: string; attempts: number; reason: string }
  | { type: 'budget-stop'; reason: string; spentUSD: number; budgetUSD: number }
  | { type: 'stop'; reason: Exclude<StopReason, 'done' | 'budget'>; message: string }
  | { type: 'done'; summary: CollectSummary };
