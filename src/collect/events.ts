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
  /** Inputs whose call failed for good this run (billed ones included). */
  failed: number;
  /**
   * Of `failed`, calls that got a billed answer that could not be used (or an unexpected failure after
   * sending): recorded as spent and not sent again unless the user passes --retry-failed. The rest are
   * tried again by the next run.
   */
  failedBilled: number;
  /** Inputs not sent because an earlier run got a billed, unusable answer for them (see `failedBilled`). */
  failedBefore: number;
  /** Answers that cost more than their reservation (the run stops at the first), and by how much in all. */
  overshoot: { answers: number; usd: number };
  /** How far the project's spending is past the budget after this run; 0 when within it. */
  overBudgetUSD: number;
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
      type: 'start'; total: number; cached: number; duplicates: number; failedBefore: number; toCall: number; budgetUSD: number; ledger: Ledger;
      orphansRecovered: { count: number; usd: number; calls: Reservation[] };
    }
  | { type: 'orphans'; count: number; usd: number; calls: Reservation[]; message: string }
  | {
      type: 'answer'; inputId: string; cacheKey: string; kind: 'label' | 'junk'; label: string | null; costUSD: number;
      latencyMs: number; attempts: number; completed: number; toCall: number; spentUSD: number;
    }
  | { type: 'retry'; inputId: string; attempt: number; delayMs: number; status: number | null; reason: string }
  | { type: 'failure'; inputId: string; attempts: number; reason: string; billedUSD: number }
  | { type: 'budget-stop'; reason: string; spentUSD: number; budgetUSD: number }
  | { type: 'stop'; reason: Exclude<StopReason, 'done' | 'budget'>; message: string }
  | { type: 'done'; summary: CollectSummary };
