/**
 * The capture store: one SQLite file (`capture.sqlite` in the project folder) holding every recorded
 * call and its tags. Writes are queued and group-committed after the answer has gone to the app; a
 * failing store never fails the app's call: the first failure is logged in one line, every dropped
 * row is counted.
 */
import type Database from 'better-sqlite3';
import { GroupCommit } from '../store/group-commit.js';
import { migrate, type Migration } from '../store/sqlite-migrations.js';
import { openSqliteDatabase } from '../store/sqlite-open.js';
import type { TokenUsage } from '../guard/usage-tap.js';
import { redactDeep, type Redactor } from './redact.js';

/**
 * Rows in one commit at most. A commit holds the event loop while it parses, serialises and inserts its
 * rows, and calls arriving meanwhile wait. Measured (bench production, capture-overhead, --quick, a
 * 2-core machine at load 15): 64 rows a commit held it for 4.6 ms of CPU at p99 once the proxy fell
 * behind; 16 rows, about 1 ms.
 */
export const MAX_ROWS_PER_COMMIT = 16;

/** The redactor of a store without one. */
const identity = (text: string): string => text;

/** One call as captured, before redaction. */
export interface CapturedCall {
  /** When the request arrived, ms since the epoch. */
  at: number;
  route: string;
  model: string | null;
  status: number;
  latencyMs: number;
  stream: boolean;
  /** The parsed request body (or its text when it was not JSON). */
  request: unknown;
  /** The parsed answer; for a stream, the chat completion assembled from its chunks. */
  response: unknown;
  usage: TokenUsage | null;
  tags: readonly string[];
  metadata: Record<string, unknown> | null;
}

/** One stored call, as `capture export` reads it back. */
export interface StoredCall extends Omit<CapturedCall, 'tags'> { id: number; tags: string[] }

/** Which stored calls to read. */
export interface CaptureQuery { tag?: string; model?: string; since?: number; until?: number }

/** The capture schema; never edit an applied step, append one. */
const CAPTURE_MIGRATIONS: readonly Migration[] = [{
  version: 1,
  name: 'captured calls and tags',
  sql: `
    CREATE TABLE captured_calls (
      id INTEGER PRIMARY KEY, at INTEGER NOT NULL, route TEXT NOT NULL, model TEXT, status INTEGER NOT NULL,
      latency_ms REAL NOT NULL, stream INTEGER NOT NULL, request TEXT NOT NULL, response TEXT,
      prompt_tokens INTEGER, completion_tokens INTEGER, metadata TEXT);
    CREATE INDEX captured_calls_at ON captured_calls (at);
    CREATE TABLE captured_tags (
      tag TEXT NOT NULL, call_id INTEGER NOT NULL REFERENCES captured_calls (id) ON DELETE CASCADE,
      PRIMARY KEY (tag, call_id)) WITHOUT ROWID;`,
}];

/** Rows waiting beyond this are dropped (and counted): a stalled disk must not grow the proxy's memory without bound. */
const MAX_PENDING = 10_000;

/** How to open a capture store. */
export interface CaptureStoreOptions {
  /** Applied to every string of the request, answer and metadata before anything is written. */
  redact?: Redactor;
  /** Where the one-line failure notice goes (stderr by default). */
  log?: (line: string) => void;
  /** Caps the file's size in pages (tests use it to make the store fail). */
  maxPageCount?: number;
  /** How long rows gather before one commit (default 5 ms): at 1,000 calls/s a commit per call would cost more than the rows. */
  commitWindowMs?: number;
  /** Called after each group commit with its rows and the CPU time it held the thread (µs); the bench measures the event loop's share with it. */
  onCommit?: (rows: number, cpuMicros: number) => void;
}

interface CallRow {
  id: number; at: number; route: string; model: string | null; status: number; latency_ms: number; stream: number;
  request: string; response: string | null; prompt_tokens: number | null; completion_tokens: number | null; metadata: string | null; tags: string | null;
}

/** A queued, group-committed writer of captured calls, and their reader. */
export class CaptureStore {
  readonly file: string;
  readonly #database: Database.Database;
  readonly #commits: GroupCommit;
  readonly #insertCall: Database.Statement;
  readonly #insertTag: Database.Statement;
  readonly #redact: Redactor;
  readonly #log: (line: string) => void;
  #pending = 0;
  #waiters: Array<() => void> = [];
  /** Calls that were not stored (store failure, a throwing redactor, or a full queue). */
  dropped = 0;
  /** Calls stored. */
  stored = 0;

  constructor(file: string, options: CaptureStoreOptions = {}) {
    this.file = file;
    this.#database = openSqliteDatabase(file, {
      synchronous: 'NORMAL',
      ...(options.maxPageCount === undefined ? {} : { maxPageCount: options.maxPageCount }),
      migrate: (database, name) => void migrate(database, name, CAPTURE_MIGRATIONS),
    });
    this.#commits = new GroupCommit(this.#database, file, { windowMs: options.commitWindowMs ?? 5, maxWrites: MAX_ROWS_PER_COMMIT, ...(options.onCommit === undefined ? {} : { onFlush: options.onCommit }) });
    this.#insertCall = this.#database.prepare(`INSERT INTO captured_calls (at, route, model, status, latency_ms, stream, request, response, prompt_tokens, completion_tokens, metadata)
      VALUES (@at, @route, @model, @status, @latency, @stream, @request, @response, @promptTokens, @completionTokens, @metadata)`);
    this.#insertTag = this.#database.prepare('INSERT OR IGNORE INTO captured_tags (tag, call_id) VALUES (?, ?)');
    this.#redact = options.redact ?? identity;
    this.#log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
  }

  /** Queues `call` for storage and returns at once; never throws. */
  record(call: CapturedCall): void {
    this.recordLater(() => call);
  }

  /** Like `record`, but `build` (parsing the bodies) runs with the write, after the answer has left; never throws. */
  recordLater(build: () => CapturedCall): void {
    if (this.#pending >= MAX_PENDING) return this.#drop(new Error(`more than ${MAX_PENDING} calls waiting to be written`));
    this.#pending++;
    this.#commits.enqueue('record a captured call', () => this.#write(build())).then(
      () => this.#settleOne(null),
      (error: unknown) => this.#settleOne(error),
    );
  }

  /** Resolves once every call recorded so far is stored or dropped. */
  async settle(): Promise<void> {
    this.#commits.flush();
    if (this.#pending === 0) return;
    await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  /** Books one queued call as stored or dropped, waking `settle` callers when none is left. */
  #settleOne(error: unknown): void {
    if (error === null) this.stored++;
    else this.#drop(error);
    this.#pending--;
    if (this.#pending > 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** The stored calls matching `query`, oldest first. */
  query(query: CaptureQuery = {}): StoredCall[] {
    this.#commits.flush();
    const where: string[] = [];
    const values: Record<string, unknown> = {};
    if (query.tag !== undefined) { where.push('c.id IN (SELECT call_id FROM captured_tags WHERE tag = @tag)'); values['tag'] = query.tag; }
    if (query.model !== undefined) { where.push('c.model = @model'); values['model'] = query.model; }
    if (query.since !== undefined) { where.push('c.at >= @since'); values['since'] = query.since; }
    if (query.until !== undefined) { where.push('c.at < @until'); values['until'] = query.until; }
    const sql = `SELECT c.*, (SELECT json_group_array(tag) FROM captured_tags t WHERE t.call_id = c.id) AS tags FROM captured_calls c
      ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} ORDER BY c.at, c.id`;
    return (this.#database.prepare(sql).all(values) as CallRow[]).map(toStoredCall);
  }

  /** Writes what is queued and closes the file. */
  async close(): Promise<void> {
    await this.settle();
    this.#database.close();
  }

  /** The statements for one call, inside the group's transaction; redaction happens here, off the answer's path. */
  #write(call: CapturedCall): void {
    // Without a redactor the walk would only copy every object: the value is serialised as it is.
    const redact = this.#redact;
    const redacted = redact === identity ? (value: unknown) => JSON.stringify(value) : (value: unknown) => JSON.stringify(redactDeep(value, redact));
    const result = this.#insertCall.run({
      at: call.at, route: call.route, model: call.model, status: call.status, latency: call.latencyMs, stream: call.stream ? 1 : 0,
      request: redacted(call.request), response: call.response === undefined ? null : redacted(call.response),
      promptTokens: call.usage?.promptTokens ?? null, completionTokens: call.usage?.completionTokens ?? null,
      metadata: call.metadata === null ? null : redacted(call.metadata),
    });
    for (const tag of call.tags) this.#insertTag.run(this.#redact(tag), result.lastInsertRowid);
  }

  /** Counts a dropped call; the first drop is logged, so a broken store is visible without flooding the log. */
  #drop(error: unknown): void {
    this.dropped++;
    if (this.dropped === 1) this.#log(`distillery capture: a captured call was not stored (${error instanceof Error ? error.message : String(error)}); the app's calls are unaffected, further drops are only counted`);
  }
}

/** A database row as the caller's shape. */
function toStoredCall(row: CallRow): StoredCall {
  const parse = (text: string | null): unknown => (text === null ? null : JSON.parse(text));
  const usage = row.prompt_tokens === null ? null : { promptTokens: row.prompt_tokens, completionTokens: row.completion_tokens ?? 0 };
  return {
    id: row.id, at: row.at, route: row.route, model: row.model, status: row.status, latencyMs: row.latency_ms, stream: row.stream === 1,
    request: parse(row.request), response: parse(row.response), usage, tags: (parse(row.tags) as string[] | null) ?? [],
    metadata: parse(row.metadata) as Record<string, unknown> | null,
  };
}
