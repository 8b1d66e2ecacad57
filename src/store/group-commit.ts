/**
 * Group commit for SQLite writes that many concurrent callers make at a high rate (the collector's
 * journal, the gateway's bookkeeping). Each transaction costs a commit on the one thread
 * better-sqlite3 runs on; writes queued close together share one transaction instead. With a `durable`
 * step (see wal-sync.ts) a write is acknowledged only once a flush that began after its commit has
 * finished, flushes running one at a time off the event loop, each covering every commit before it.
 * Every caller's promise resolves only once its own write is committed and durable, so "journalled
 * before the request leaves" keeps holding.
 * When a shared transaction fails, each write is retried alone, so every caller gets exactly the
 * outcome (and the StoreError) it would have had without grouping.
 */
import type Database from 'better-sqlite3';
import { toStoreError } from './sqlite-errors.js';

/** When queued writes are committed. */
export interface GroupCommitTiming {
  /** 0: at the end of the current turn of the event loop (setImmediate); otherwise at most this many ms later. */
  windowMs: number;
  /** Commit at once when this many writes are queued. */
  maxWrites: number;
  /** Makes committed writes durable (e.g. WalSync.flush); none: committed is enough. */
  durable?: () => Promise<void>;
  /** Called after each commit with its writes and the CPU time it held the thread (µs): for measuring what grouping costs the event loop. */
  onFlush?: (writes: number, cpuMicros: number) => void;
}

interface QueuedWrite { action: string; write: () => void; resolve: () => void; reject: (error: unknown) => void }

/** A queue of writes to one database, committed together. */
export class GroupCommit {
  readonly #database: Database.Database;
  readonly #file: string;
  readonly #timing: GroupCommitTiming;
  #queue: QueuedWrite[] = [];
  #timer: NodeJS.Timeout | null = null;
  #immediate: NodeJS.Immediate | null = null;
  /** Committed writes waiting for the next durable flush, and the flush in progress. */
  #committed: QueuedWrite[] = [];
  #flushing: Promise<void> | null = null;

  constructor(database: Database.Database, file: string, timing: GroupCommitTiming) {
    this.#database = database;
    this.#file = file;
    this.#timing = timing;
  }

  /** Queues `write` (statements only; the transaction is ours); resolves once it is committed. `action` names it in errors. */
  enqueue(action: string, write: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ action, write, resolve, reject });
      if (this.#queue.length >= this.#timing.maxWrites) this.flush();
      else this.#schedule();
    });
  }

  /** Commits everything queued now; readers call this first, so they see every write made before them. */
  flush(): void {
    this.#cancelSchedule();
    const batch = this.#queue;
    if (batch.length === 0) return;
    this.#queue = [];
    const { onFlush } = this.#timing;
    if (onFlush === undefined) return this.#commit(batch);
    const before = process.cpuUsage();
    this.#commit(batch);
    const used = process.cpuUsage(before);
    onFlush(batch.length, used.user + used.system);
  }

  /** Commits `batch` in one transaction, or each write alone when the shared one fails. */
  #commit(batch: QueuedWrite[]): void {
    if (batch.length > 1) {
      try {
        this.#database.transaction(() => {
          for (const item of batch) item.write();
        })();
        this.#acknowledge(batch);
        return;
      } catch {
        // Rolled back as a whole: fall through and give each write its own transaction and outcome.
      }
    }
    const done: QueuedWrite[] = [];
    for (const item of batch) {
      try {
        this.#database.transaction(item.write)();
        done.push(item);
      } catch (error) {
        item.reject(toStoreError(error, this.#file, item.action));
      }
    }
    this.#acknowledge(done);
  }

  /** Resolves once no durable flush is running or due; closing the database waits for this. */
  async idle(): Promise<void> {
    while (this.#flushing !== null) await this.#flushing;
  }

  /** Resolves committed writes: at once, or after the next durable flush. */
  #acknowledge(items: readonly QueuedWrite[]): void {
    const durable = this.#timing.durable;
    // Nothing to wait for; and starting a flush with nothing in it would finish before it is recorded as running.
    if (items.length === 0) return;
    if (durable === undefined) {
      for (const item of items) item.resolve();
      return;
    }
    this.#committed.push(...items);
    if (this.#flushing === null) this.#flushing = this.#flushDurable(durable);
  }

  /** Flushes until no commit is waiting; each flush acknowledges the commits made before it began. */
  async #flushDurable(durable: () => Promise<void>): Promise<void> {
    while (this.#committed.length > 0) {
      const items = this.#committed;
      this.#committed = [];
      try {
        await durable();
        for (const item of items) item.resolve();
      } catch (error) {
        for (const item of items) item.reject(toStoreError(error, this.#file, item.action));
      }
    }
    this.#flushing = null;
  }

  #schedule(): void {
    if (this.#timing.windowMs === 0) {
      this.#immediate ??= setImmediate(() => this.flush());
      return;
    }
    if (this.#timer !== null) return;
    this.#timer = setTimeout(() => this.flush(), this.#timing.windowMs);
    // A pending commit alone should not keep the process alive; closing the store commits it.
    this.#timer.unref();
  }

  #cancelSchedule(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    if (this.#immediate !== null) clearImmediate(this.#immediate);
    this.#timer = null;
    this.#immediate = null;
  }
}
