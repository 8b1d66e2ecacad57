import { closeSync, fdatasync, fdatasyncSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { collect } from '../collect/collector.js';
import { answer, createFakeTeacher } from '../collect/fake-teacher.js';
import { StoreError } from './errors.js';
import { openSqliteStore } from './sqlite-store.js';
import { openStoreDatabase } from './store-database.js';
import { sampleInput, sampleReservation, sampleResponse } from './store-conformance.js';
import { WalSync, type WalFileSystem } from './wal-sync.js';

const folder = mkdtempSync(join(tmpdir(), 'distillery-wal-'));
let counter = 0;
const freshFile = (): string => join(folder, `case-${counter++}`, 'project.sqlite');
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** An I/O error as Node reports a failed fdatasync. */
const ioError = (): NodeJS.ErrnoException => Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO', errno: -5, syscall: 'fdatasync' });

/**
 * Node's calls, recorded; each asynchronous flush waits until the test lets it run (`release`), and
 * `failFlushes` makes every flush fail with EIO instead.
 */
function recordingFileSystem(options: { holdFlushes?: boolean; failFlushes?: boolean } = {}) {
  const log: string[] = [];
  const opened: Array<{ path: string; flags: string }> = [];
  const held: Array<() => void> = [];
  let onFlushStart = (): void => {};
  const fileSystem: WalFileSystem = {
    openSync: (path, flags) => {
      opened.push({ path, flags });
      return openSync(path, flags);
    },
    fdatasync: (descriptor, callback) => {
      onFlushStart();
      log.push('fdatasync started');
      const run = (): void => {
        if (options.failFlushes) {
          log.push('fdatasync failed');
          callback(ioError());
          return;
        }
        fdatasync(descriptor, (error) => {
          log.push('fdatasync done');
          callback(error);
        });
      };
      if (options.holdFlushes) held.push(run);
      else run();
    },
    fdatasyncSync: (descriptor) => {
      log.push('fdatasyncSync');
      if (options.failFlushes) throw ioError();
      fdatasyncSync(descriptor);
    },
    closeSync,
  };
  return { fileSystem, log, opened, held, setOnFlushStart: (hook: () => void) => { onFlushStart = hook; } };
}

/** Settles within two turns of the event loop, or says it is still pending. */
const settled = async (promise: Promise<unknown>): Promise<string> =>
  Promise.race([promise.then(() => 'resolved', () => 'rejected'), new Promise<string>((resolve) => setImmediate(() => setImmediate(() => resolve('pending'))))]);

describe('WAL durability (injected file-system calls)', () => {
  it('runs the store with synchronous = NORMAL in WAL mode, never OFF', () => {
    const file = freshFile();
    const database = openStoreDatabase(file);
    // 0 = OFF, 1 = NORMAL, 2 = FULL. NORMAL is only safe because the store flushes the WAL itself (next tests).
    expect(database.pragma('synchronous', { simple: true })).toBe(1);
    expect(database.pragma('journal_mode', { simple: true })).toBe('wal');
    database.close();
  });

  it('opens the WAL read-write (Windows refuses to flush a read-only handle)', async () => {
    const file = freshFile();
    const recording = recordingFileSystem();
    const store = openSqliteStore(file, { walFileSystem: recording.fileSystem });
    await store.addInputs([sampleInput(0)]);
    await store.reserve(sampleReservation(0, 1));
    expect(recording.opened).toEqual([{ path: `${file}-wal`, flags: 'r+' }]);
    await store.close();
  });

  it('acknowledges a journal write only after the WAL was flushed, and flushes only after the commit', async () => {
    const file = freshFile();
    const recording = recordingFileSystem({ holdFlushes: true });
    const store = openSqliteStore(file, { walFileSystem: recording.fileSystem });
    await store.addInputs([sampleInput(0)]);
    recording.log.length = 0;
    const reader = new Database(file, { readonly: true });
    // When the flush starts, the write must already be committed (another connection sees it).
    recording.setOnFlushStart(() => {
      const count = (reader.prepare('SELECT COUNT(*) AS n FROM reservations').get() as { n: number }).n;
      recording.log.push(`committed rows visible: ${count}`);
    });
    const written = store.reserve(sampleReservation(0, 1)).then(() => recording.log.push('acknowledged'));
    expect(await settled(written)).toBe('pending');
    expect(recording.log).toEqual(['committed rows visible: 1', 'fdatasync started']);
    recording.held.shift()?.();
    await written;
    expect(recording.log.slice(-2)).toEqual(['fdatasync done', 'acknowledged']);
    reader.close();
    await store.close();
  });

  it('makes every write outside the journal durable before it resolves', async () => {
    const recording = recordingFileSystem();
    const store = openSqliteStore(freshFile(), { walFileSystem: recording.fileSystem });
    recording.log.length = 0;
    await store.addInputs([sampleInput(0)]);
    expect(recording.log).toEqual(['fdatasyncSync']);
    await store.setState('stage', 'collect');
    expect(recording.log).toEqual(['fdatasyncSync', 'fdatasyncSync']);
    await store.close();
  });

  it('turns a failing fdatasync into a StoreError and acknowledges nothing', async () => {
    const recording = recordingFileSystem();
    const file = freshFile();
    const failing = recordingFileSystem({ failFlushes: true });
    const store = openSqliteStore(file, { walFileSystem: { ...failing.fileSystem, fdatasyncSync: recording.fileSystem.fdatasyncSync } });
    await store.addInputs([sampleInput(0), sampleInput(1)]);
    const outcomes = await Promise.allSettled([store.reserve(sampleReservation(0, 1)), store.commitResponse(sampleResponse(1))]);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      const error = (outcome as PromiseRejectedResult).reason as StoreError;
      expect(error).toBeInstanceOf(StoreError);
      expect(error.reason).toBe('io');
      expect(error.code).toBe('EIO');
      expect(error.message).toContain(file);
    }
    await store.close();

    // The synchronous flush (writes outside the journal, and the schema when opening) fails the same way.
    const syncFailing = { ...recording.fileSystem, fdatasyncSync: failing.fileSystem.fdatasyncSync };
    expect(() => openSqliteStore(freshFile(), { walFileSystem: syncFailing })).toThrow(StoreError);
    let failNow = false;
    const later = openSqliteStore(freshFile(), { walFileSystem: { ...syncFailing, fdatasyncSync: (descriptor) => (failNow ? syncFailing : recording.fileSystem).fdatasyncSync(descriptor) } });
    failNow = true;
    await expect(later.setState('stage', 'collect')).rejects.toMatchObject({ name: 'StoreError', reason: 'io' });
    await later.close();
  });

  it('a collection whose flushes fail stops with the StoreError and announces no answer', async () => {
    const file = freshFile();
    const recording = recordingFileSystem();
    const failing = recordingFileSystem({ failFlushes: true });
    // Inputs and the run's bookkeeping flush fine (synchronously); the journal's asynchronous flushes fail.
    const store = openSqliteStore(file, { walFileSystem: { ...failing.fileSystem, fdatasyncSync: recording.fileSystem.fdatasyncSync } });
    const teacher = createFakeTeacher(() => answer('positive'));
    const announced: string[] = [];
    let time = 0;
    const run = collect({
      store, teacher, inputs: [sampleInput(0), sampleInput(1)], labels: ['positive', 'negative'],
      buildMessages: (input) => [{ role: 'user', content: input.text }], requestKey: (messages) => `key:${messages[0]?.content}`,
      estimateInputTokens: () => 10, costUSD: () => 0.01, maxOutputTokens: 1, budgetUSD: 10, concurrency: 2, maxRetries: 0,
      onEvent: (event) => announced.push(event.type), sleep: async (ms) => { time += ms; }, now: () => time,
    });
    await expect(run).rejects.toBeInstanceOf(StoreError);
    expect(announced).not.toContain('answer');
    // The reservation was never acknowledged, so no request left.
    expect(teacher.calls).toHaveLength(0);
    await store.close();
  });

  it('WalSync flushes nothing while there is no WAL file, and closes what it opened', async () => {
    const recording = recordingFileSystem();
    const sync = new WalSync(join(folder, 'no-such-database.sqlite'), recording.fileSystem);
    await sync.flush();
    sync.flushNow();
    sync.close();
    expect(recording.log).toEqual([]);
  });
});
