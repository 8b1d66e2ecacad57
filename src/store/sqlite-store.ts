import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { decodeDistribution, encodeDistribution } from './distribution-codec.js';
import { StoreError } from './errors.js';
import { GroupCommit } from './group-commit.js';
import { WalSync, type WalFileSystem } from './wal-sync.js';
import { toStoreError } from './sqlite-errors.js';
import { openStoreDatabase } from './store-database.js';
import type { BatchJob, BilledAttempt, BilledBasis, InputRecord, Ledger, Reservation, ResponseRecord, SplitAssignment, Store } from './types.js';
import type { TeacherCompletion } from '../teacher/types.js';

/** Settings for tests and quotas; the defaults suit every project. */
export interface SqliteStoreOptions {
  /** Caps the database at this many pages (`PRAGMA max_page_count`): a quota, and how tests simulate a full disk. */
  maxPageCount?: number;
  /** How long to wait for a lock held by another connection, in ms. */
  busyTimeoutMs?: number;
  /** The file-system calls that make the WAL durable (tests inject them); Node's by default. */
  walFileSystem?: WalFileSystem;
}

interface ResponseRow {
  cache_key: string; input_id: string; model: string; kind: 'label' | 'junk'; label: string | null;
  distribution: Uint8Array | null; tail_mass: number | null; text: string; input_tokens: number;
  output_tokens: number; cost_usd: number; latency_ms: number; attempts: number; created_at: number;
  completion: string | null;
}
interface ReservationRow { cache_key: string; input_id: string; estimated_usd: number; started_at: number }
interface BatchJobRow {
  id: string; state: BatchJob['state']; batch_id: string | null; input_file_id: string | null; output_file_id: string | null;
  error_file_id: string | null; status: string | null; reserved_usd: number; requests: string; created_at: number; updated_at: number;
}

/** Maps a stored batch job row back to the seam's record. */
function toBatchJob(row: BatchJobRow): BatchJob {
  return {
    id: row.id, state: row.state, batchId: row.batch_id, inputFileId: row.input_file_id, outputFileId: row.output_file_id,
    errorFileId: row.error_file_id, status: row.status, reservedUSD: row.reserved_usd, requests: JSON.parse(row.requests) as BatchJob['requests'],
    createdAt: row.created_at, updatedAt: row.updated_at,
  };
}
interface BilledRow { cache_key: string; input_id: string | null; billed_usd: number; basis: BilledBasis; final: number; reason: string; recorded_at: number }

/** Maps a stored row back to the seam's record. */
function toResponse(row: ResponseRow): ResponseRecord {
  return {
    cacheKey: row.cache_key, inputId: row.input_id, model: row.model, kind: row.kind, label: row.label,
    distribution: decodeDistribution(row.distribution), tailMass: row.tail_mass, text: row.text,
    inputTokens: row.input_tokens, outputTokens: row.output_tokens, costUSD: row.cost_usd,
    latencyMs: row.latency_ms, attempts: row.attempts, createdAt: row.created_at,
    ...(row.completion === null ? {} : { completion: JSON.parse(row.completion) as TeacherCompletion }),
  };
}

/** Maps a stored billed-attempt row back to the seam's record (rows from before version 2 have no input id). */
function toBilledAttempt(row: BilledRow): BilledAttempt {
  return {
    cacheKey: row.cache_key, inputId: row.input_id ?? '', billedUSD: row.billed_usd, basis: row.basis,
    final: row.final === 1, reason: row.reason, recordedAt: row.recorded_at,
  };
}

/** Maps a stored reservation row back to the seam's record. */
function toReservation(row: ReservationRow): Reservation {
  return { cacheKey: row.cache_key, inputId: row.input_id, estimatedUSD: row.estimated_usd, startedAt: row.started_at };
}

/**
 * The journal writes of a collection run (reserve before each call, commit or release after it) are
 * group-committed at the end of each event-loop turn and made durable off the event loop (wal-sync.ts):
 * an fsync per write on the event loop's thread capped collection at a few hundred calls per second.
 * Each write still resolves only once it is durable.
 */
const JOURNAL_COMMIT = { windowMs: 0, maxWrites: 1024 } as const;

/** Opens (creating if needed, folder included) the SQLite store of a project. */
export function openSqliteStore(file: string, options: SqliteStoreOptions = {}): Store {
  const path = file === ':memory:' ? file : resolve(file);
  let database: Database.Database;
  try {
    database = openStoreDatabase(path, options);
  } catch (error) {
    throw toStoreError(error, path, 'opening the database');
  }
  try {
    return new SqliteStore(database, path, options.walFileSystem);
  } catch (error) {
    // The first flush of the WAL (the schema) can fail too: a StoreError, like any other.
    database.close();
    throw toStoreError(error, path, 'opening the database');
  }
}

/** The SQLite implementation of `Store`; every method maps driver errors to StoreError. */
class SqliteStore implements Store {
  readonly kind = 'sqlite';
  readonly #database: Database.Database;
  readonly #file: string;
  readonly #statements;
  readonly #journal: GroupCommit;
  /** Flushes the WAL; null for a database without one (in memory), which SQLite then syncs itself. */
  readonly #wal: WalSync | null;

  constructor(database: Database.Database, file: string, walFileSystem?: WalFileSystem) {
    this.#database = database;
    this.#file = file;
    const walMode = file !== ':memory:' && database.pragma('journal_mode', { simple: true }) === 'wal';
    if (!walMode) database.pragma('synchronous = FULL');
    const wal = walMode ? new WalSync(file, walFileSystem) : null;
    this.#wal = wal;
    this.#journal = new GroupCommit(database, file, { ...JOURNAL_COMMIT, ...(wal === null ? {} : { durable: () => wal.flush() }) });
    // The schema the migrations may just have written.
    wal?.flushNow();
    this.#statements = {
      insertInput: database.prepare('INSERT OR IGNORE INTO inputs (id, text, gold, source) VALUES (?, ?, ?, ?)'),
      countInputs: database.prepare('SELECT COUNT(*) AS count FROM inputs'),
      listInputs: database.prepare('SELECT id, text, gold, source FROM inputs ORDER BY seq'),
      getResponse: database.prepare('SELECT * FROM responses WHERE cache_key = ?'),
      listResponses: database.prepare('SELECT * FROM responses ORDER BY created_at, cache_key'),
      insertResponse: database.prepare(`INSERT INTO responses (cache_key, input_id, model, kind, label, distribution, tail_mass, text,
        input_tokens, output_tokens, cost_usd, latency_ms, attempts, created_at, completion) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      insertReservation: database.prepare('INSERT INTO reservations (cache_key, input_id, estimated_usd, started_at) VALUES (?, ?, ?, ?)'),
      deleteReservation: database.prepare('DELETE FROM reservations WHERE cache_key = ?'),
      listReservations: database.prepare('SELECT * FROM reservations ORDER BY started_at, cache_key'),
      insertOrphan: database.prepare('INSERT INTO orphaned_calls (cache_key, input_id, estimated_usd, started_at, abandoned_at) VALUES (?, ?, ?, ?, ?)'),
      deleteAllReservations: database.prepare('DELETE FROM reservations'),
      insertBilledFailure: database.prepare(`INSERT INTO billed_failures (cache_key, input_id, billed_usd, basis, final, reason, recorded_at)
        VALUES (@cacheKey, (SELECT input_id FROM reservations WHERE cache_key = @cacheKey), @billedUSD, 'worst-case', 0, '', @recordedAt)`),
      insertBilledAttempt: database.prepare(`INSERT INTO billed_failures (cache_key, input_id, billed_usd, basis, final, reason, recorded_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)`),
      listBilledAttempts: database.prepare('SELECT cache_key, input_id, billed_usd, basis, final, reason, recorded_at FROM billed_failures ORDER BY seq'),
      ledger: database.prepare(`SELECT
        (SELECT COALESCE(SUM(cost_usd), 0) FROM responses) + (SELECT COALESCE(SUM(billed_usd), 0) FROM billed_failures) AS committed,
        (SELECT COALESCE(SUM(estimated_usd), 0) FROM orphaned_calls) AS orphaned,
        (SELECT COALESCE(SUM(estimated_usd), 0) FROM reservations) + (SELECT COALESCE(SUM(reserved_usd), 0) FROM batch_jobs WHERE state != 'done') AS reserved`),
      saveBatchJob: database.prepare(`INSERT OR REPLACE INTO batch_jobs (id, state, batch_id, input_file_id, output_file_id, error_file_id, status, reserved_usd, requests, created_at, updated_at)
        VALUES (@id, @state, @batchId, @inputFileId, @outputFileId, @errorFileId, @status, @reservedUSD, @requests, @createdAt, @updatedAt)`),
      listBatchJobs: database.prepare('SELECT * FROM batch_jobs ORDER BY created_at, id'),
      deleteSplits: database.prepare('DELETE FROM splits'),
      insertSplit: database.prepare('INSERT INTO splits (input_id, split, duplicate_of, seq) VALUES (?, ?, ?, ?)'),
      listSplits: database.prepare('SELECT input_id, split, duplicate_of FROM splits ORDER BY seq'),
      getState: database.prepare('SELECT value FROM state WHERE key = ?'),
      setState: database.prepare('INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    };
  }

  /** Runs one synchronous database action, turning driver errors into StoreErrors; queued journal writes go first. */
  #run<T>(action: string, body: () => T): Promise<T> {
    try {
      if (this.#database.open) this.#journal.flush();
      return Promise.resolve(body());
    } catch (error) {
      return Promise.reject(toStoreError(error, this.#file, action));
    }
  }

  /** `#run` for a write outside the journal (rare: inputs, splits, state), made durable before it resolves. */
  #write<T>(action: string, body: () => T): Promise<T> {
    return this.#run(action, () => {
      const result = body();
      this.#wal?.flushNow();
      return result;
    });
  }

  addInputs(inputs: readonly InputRecord[]): Promise<number> {
    return this.#write('adding inputs', () => this.#database.transaction(() => {
      let added = 0;
      for (const input of inputs) added += this.#statements.insertInput.run(input.id, input.text, input.gold, input.source).changes;
      return added;
    })());
  }

  countInputs(): Promise<number> {
    return this.#run('counting inputs', () => (this.#statements.countInputs.get() as { count: number }).count);
  }

  listInputs(): Promise<InputRecord[]> {
    return this.#run('listing inputs', () => this.#statements.listInputs.all() as InputRecord[]);
  }

  getResponse(cacheKey: string): Promise<ResponseRecord | undefined> {
    return this.#run('reading a cached answer', () => {
      const row = this.#statements.getResponse.get(cacheKey) as ResponseRow | undefined;
      return row === undefined ? undefined : toResponse(row);
    });
  }

  listResponses(): Promise<ResponseRecord[]> {
    return this.#run('listing answers', () => (this.#statements.listResponses.all() as ResponseRow[]).map(toResponse));
  }

  reserve(reservation: Reservation): Promise<void> {
    return this.#journal.enqueue(`journalling the call for input ${reservation.inputId}`, () => {
      this.#statements.insertReservation.run(reservation.cacheKey, reservation.inputId, reservation.estimatedUSD, reservation.startedAt);
    });
  }

  commitResponse(response: ResponseRecord): Promise<void> {
    // One transaction: a crash leaves either the reservation (counted as possibly billed) or the
    // answer, never neither (a paid answer lost) and never both (spend counted twice).
    const distribution = encodeDistribution(response.distribution);
    const completion = response.completion === undefined || response.completion === null ? null : JSON.stringify(response.completion);
    return this.#journal.enqueue(`saving the answer for input ${response.inputId}`, () => {
      this.#statements.insertResponse.run(
        response.cacheKey, response.inputId, response.model, response.kind, response.label,
        distribution, response.tailMass, response.text, response.inputTokens,
        response.outputTokens, response.costUSD, response.latencyMs, response.attempts, response.createdAt, completion,
      );
      this.#statements.deleteReservation.run(response.cacheKey);
    });
  }

  releaseReservation(cacheKey: string, billedUSD: number): Promise<void> {
    if (!Number.isFinite(billedUSD) || billedUSD < 0) {
      return Promise.reject(new StoreError(`billedUSD must be a finite number >= 0, got ${billedUSD}`, { reason: 'constraint', file: this.#file }));
    }
    const recordedAt = Date.now();
    return this.#journal.enqueue('releasing a failed call', () => {
      if (billedUSD > 0) this.#statements.insertBilledFailure.run({ cacheKey, billedUSD, recordedAt });
      this.#statements.deleteReservation.run(cacheKey);
    });
  }

  recordBilledAttempt(attempt: BilledAttempt): Promise<void> {
    if (!Number.isFinite(attempt.billedUSD) || attempt.billedUSD < 0) {
      return Promise.reject(new StoreError(`billedUSD must be a finite number >= 0, got ${attempt.billedUSD}`, { reason: 'constraint', file: this.#file }));
    }
    return this.#journal.enqueue(`journalling a possibly billed attempt for input ${attempt.inputId}`, () => {
      this.#statements.insertBilledAttempt.run(
        attempt.cacheKey, attempt.inputId, attempt.billedUSD, attempt.basis, attempt.final ? 1 : 0, attempt.reason, attempt.recordedAt,
      );
      if (attempt.final) this.#statements.deleteReservation.run(attempt.cacheKey);
    });
  }

  listBilledAttempts(): Promise<BilledAttempt[]> {
    return this.#run('listing billed attempts', () => (this.#statements.listBilledAttempts.all() as BilledRow[]).map(toBilledAttempt));
  }

  listReservations(): Promise<Reservation[]> {
    return this.#run('listing reservations', () => (this.#statements.listReservations.all() as ReservationRow[]).map(toReservation));
  }

  abandonReservations(): Promise<Reservation[]> {
    return this.#write('recording calls left in flight by an earlier run', () => this.#database.transaction(() => {
      const leftovers = (this.#statements.listReservations.all() as ReservationRow[]).map(toReservation);
      const abandonedAt = Date.now();
      for (const call of leftovers) {
        this.#statements.insertOrphan.run(call.cacheKey, call.inputId, call.estimatedUSD, call.startedAt, abandonedAt);
      }
      this.#statements.deleteAllReservations.run();
      return leftovers;
    })());
  }

  ledger(): Promise<Ledger> {
    return this.#run('reading the ledger', () => {
      const row = this.#statements.ledger.get() as { committed: number; orphaned: number; reserved: number };
      return { committedUSD: row.committed, orphanedUSD: row.orphaned, reservedUSD: row.reserved };
    });
  }

  saveSplits(assignments: readonly SplitAssignment[]): Promise<void> {
    return this.#write('saving splits', () => this.#database.transaction(() => {
      this.#statements.deleteSplits.run();
      assignments.forEach((assignment, index) => {
        this.#statements.insertSplit.run(assignment.inputId, assignment.split, assignment.duplicateOf, index);
      });
    })());
  }

  listSplits(): Promise<SplitAssignment[]> {
    return this.#run('listing splits', () => (this.#statements.listSplits.all() as Array<{ input_id: string; split: SplitAssignment['split']; duplicate_of: string | null }>)
      .map((row) => ({ inputId: row.input_id, split: row.split, duplicateOf: row.duplicate_of })));
  }

  saveBatchJob(job: BatchJob): Promise<void> {
    return this.#write(`journalling batch job ${job.id}`, () => {
      this.#statements.saveBatchJob.run({ ...job, requests: JSON.stringify(job.requests) });
    });
  }

  listBatchJobs(): Promise<BatchJob[]> {
    return this.#run('listing batch jobs', () => (this.#statements.listBatchJobs.all() as BatchJobRow[]).map(toBatchJob));
  }

  getState(key: string): Promise<string | undefined> {
    return this.#run(`reading state "${key}"`, () => (this.#statements.getState.get(key) as { value: string } | undefined)?.value);
  }

  setState(key: string, value: string): Promise<void> {
    return this.#write(`saving state "${key}"`, () => {
      this.#statements.setState.run(key, value);
    });
  }

  async close(): Promise<void> {
    if (this.#database.open) this.#journal.flush();
    await this.#journal.idle();
    return this.#run('closing the database', () => {
      // Our descriptor first: SQLite removes the WAL when its last connection closes.
      this.#wal?.close();
      if (this.#database.open) this.#database.close();
    });
  }
}
