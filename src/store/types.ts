/**
 * The store seam. SQLite (better-sqlite3) is the embedded default; a scale-out backend (PostgreSQL)
 * is a second file implementing the same interface and passing the same conformance suite
 * (`store-conformance.ts`). Methods are async so that a networked backend fits the same shape.
 */
import type { TeacherCompletion } from '../teacher/types.js';

/** One input to be labelled, content-addressed by `id` (hash of its text). */
export interface InputRecord {
  id: string;
  text: string;
  /** Gold label from the input file, when the task names a gold field. */
  gold: string | null;
  /** Where it came from: file path and line/row, for error messages and reports. */
  source: string;
  /**
   * The values of the input fields the prompt names besides {{text}} (e.g. {{title}}), read from the
   * input file on every run; stores need not keep them. Absent when the prompt names none.
   */
  fields?: Readonly<Record<string, string>>;
}

/** What a teacher answered for one request: the cache entry, keyed by the request's content hash. */
export interface ResponseRecord {
  cacheKey: string;
  inputId: string;
  model: string;
  /** 'label' or 'junk' (an answer that names no label; kept, never coerced). */
  kind: 'label' | 'junk';
  label: string | null;
  /** Probability over the task's labels (task order), or null for hard-label-only teachers. */
  distribution: number[] | null;
  tailMass: number | null;
  text: string;
  inputTokens: number;
  outputTokens: number;
  costUSD: number;
  latencyMs: number;
  /** How many HTTP attempts this answer took (1 = no retry). */
  attempts: number;
  /** Unix ms when the answer was committed. */
  createdAt: number;
  /**
   * The teacher's completion the answer was read from (raw response included), so that a changed
   * reader can read it again without paying again; null or absent for answers stored before schema 3.
   */
  completion?: TeacherCompletion | null;
}

/** A call journalled before it is sent, so a crash leaves a trace of what may have been billed. */
export interface Reservation {
  cacheKey: string;
  inputId: string;
  /** Worst-case cost of the call, counted against the budget until the answer is committed. */
  estimatedUSD: number;
  startedAt: number;
}

/** What an amount recorded for a call without an answer rests on. */
export type BilledBasis = 'reported-usage' | 'worst-case';

/**
 * Money an attempt may have cost although it brought no usable answer: a timed-out or cut-off
 * attempt (journalled before it is retried), or a billed answer that could not be used.
 */
export interface BilledAttempt {
  cacheKey: string;
  inputId: string;
  billedUSD: number;
  /** 'reported-usage': the body said what it cost; 'worst-case': it said nothing, so the reservation's worst case. */
  basis: BilledBasis;
  /**
   * True when the call failed for good with a billed answer: its reservation is cleared with this
   * record, and the request is not sent again unless the user asks (`--retry-failed`).
   */
  final: boolean;
  /** Why, in one line. */
  reason: string;
  recordedAt: number;
}

/** Which split an input landed in, and whether curation dropped it. */
export interface SplitAssignment {
  inputId: string;
  split: 'train' | 'val' | 'test';
  /** Id of the earlier input this one duplicates, when dedup dropped it; null when kept. */
  duplicateOf: string | null;
}

/** Money spent so far, in USD. */
export interface Ledger {
  /** Cost of committed answers. */
  committedUSD: number;
  /** Estimated cost of calls that were in flight when an earlier run died (may have been billed). */
  orphanedUSD: number;
  /** Worst-case cost of calls in flight now (Batch API jobs not yet done included). */
  reservedUSD: number;
}

/** One request of a Batch API job: the line's custom_id and the cache entry its answer fills. */
export interface BatchRequestRef {
  customId: string;
  cacheKey: string;
  inputId: string;
}

/**
 * A Batch API job, journalled before it is created upstream and after every step, so that a killed
 * run resumes polling it instead of submitting (and paying for) the same requests again.
 */
export interface BatchJob {
  /** Local id, also sent as the batch's metadata so a job created just before a crash can be found again. */
  id: string;
  /** 'prepared': requests chosen, not yet created upstream; 'submitted': a batch id is known; 'done': its results are in the store. */
  state: 'prepared' | 'submitted' | 'done';
  batchId: string | null;
  inputFileId: string | null;
  outputFileId: string | null;
  errorFileId: string | null;
  /** The upstream's last known status (validating, in_progress, completed, expired, …). */
  status: string | null;
  /** Worst-case cost at the batch price, counted against the budget (ledger `reservedUSD`) until the job is done. */
  reservedUSD: number;
  requests: BatchRequestRef[];
  createdAt: number;
  updatedAt: number;
}

/** Persistence for one project. */
export interface Store {
  readonly kind: string;
  /** Adds inputs; ones already present (same id) are left as they are. Returns how many were new. */
  addInputs(inputs: readonly InputRecord[]): Promise<number>;
  countInputs(): Promise<number>;
  /** All inputs in insertion order. */
  listInputs(): Promise<InputRecord[]>;

  /** The cached answer for a request key, if any. */
  getResponse(cacheKey: string): Promise<ResponseRecord | undefined>;
  /** All committed answers. */
  listResponses(): Promise<ResponseRecord[]>;

  /** Journals a call before it is sent (write-ahead); durable once the promise resolves (concurrent journal writes may share a commit). */
  reserve(reservation: Reservation): Promise<void>;
  /** Stores an answer and clears its reservation, atomically (billed attempts before it are journalled already). */
  commitResponse(response: ResponseRecord): Promise<void>;
  /**
   * Clears a reservation whose call failed. `billedUSD` > 0 records money the failure still cost
   * (e.g. a response that arrived but could not be parsed).
   */
  releaseReservation(cacheKey: string, billedUSD: number): Promise<void>;
  /**
   * Journals an attempt that may have been billed, durably, before the call is retried or given up.
   * A `final` one also clears the call's reservation, in the same transaction.
   */
  recordBilledAttempt(attempt: BilledAttempt): Promise<void>;
  /** Every billed attempt recorded, oldest first (those recorded by `releaseReservation` included). */
  listBilledAttempts(): Promise<BilledAttempt[]>;
  /** Reservations left behind by a run that died. */
  listReservations(): Promise<Reservation[]>;
  /** Moves leftover reservations to the orphaned ledger (counted as spent); returns them. */
  abandonReservations(): Promise<Reservation[]>;
  ledger(): Promise<Ledger>;

  /** Replaces the curation result (splits and duplicates). */
  saveSplits(assignments: readonly SplitAssignment[]): Promise<void>;
  listSplits(): Promise<SplitAssignment[]>;

  /** Journals a Batch API job (insert or replace by id), durably. */
  saveBatchJob(job: BatchJob): Promise<void>;
  /** Every journalled Batch API job, oldest first. */
  listBatchJobs(): Promise<BatchJob[]>;
  /** Small key/value state: stage completion, fingerprints, paths of artefacts. */
  getState(key: string): Promise<string | undefined>;
  setState(key: string, value: string): Promise<void>;

  close(): Promise<void>;
}
