import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreError } from './errors.js';
import { GroupCommit } from './group-commit.js';

let database: Database.Database;
afterEach(() => database.close());

/** A table `t (v UNIQUE)` and a manual durability step: each flush waits until `release` is called. */
function setup(withDurable: boolean) {
  database = new Database(':memory:');
  database.exec('CREATE TABLE t (v INTEGER UNIQUE)');
  const flushes: Array<() => void> = [];
  const durable = () => new Promise<void>((resolve) => flushes.push(resolve));
  const commit = new GroupCommit(database, 'test.db', { windowMs: 0, maxWrites: 100, ...(withDurable ? { durable } : {}) });
  const insert = database.prepare('INSERT INTO t (v) VALUES (?)');
  const write = (value: number) => commit.enqueue(`writing ${value}`, () => void insert.run(value));
  const count = () => (database.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n;
  return { commit, write, count, flushes };
}

const settled = async (promise: Promise<unknown>) => Promise.race([promise.then(() => 'resolved', () => 'rejected'), new Promise((resolve) => setImmediate(() => setImmediate(() => resolve('pending'))))]);

describe('GroupCommit', () => {
  it('commits the writes of one turn in one transaction and acknowledges each', async () => {
    const { write, count } = setup(false);
    await Promise.all([write(1), write(2), write(3)]);
    expect(count()).toBe(3);
  });

  it('reports each commit\'s writes and the CPU it held the thread for, and caps a commit at maxWrites', async () => {
    database = new Database(':memory:');
    database.exec('CREATE TABLE t (v INTEGER UNIQUE)');
    const flushes: Array<{ writes: number; cpuMicros: number }> = [];
    const commit = new GroupCommit(database, 'test.db', { windowMs: 0, maxWrites: 4, onFlush: (writes, cpuMicros) => flushes.push({ writes, cpuMicros }) });
    const insert = database.prepare('INSERT INTO t (v) VALUES (?)');
    await Promise.all(Array.from({ length: 10 }, (_, value) => commit.enqueue('writing', () => void insert.run(value))));
    expect(flushes.map((flush) => flush.writes)).toEqual([4, 4, 2]);
    for (const flush of flushes) expect(flush.cpuMicros).toBeGreaterThanOrEqual(0);
  });

  it('gives a failing write its own error without losing the others of its group', async () => {
    const { write, count } = setup(false);
    await write(1);
    const results = await Promise.allSettled([write(2), write(1), write(3)]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(StoreError);
    expect(count()).toBe(3);
  });

  it('acknowledges a write only after a durable flush that began after its commit', async () => {
    const { write, flushes, commit } = setup(true);
    const first = write(1);
    expect(await settled(first)).toBe('pending');
    expect(flushes).toHaveLength(1);
    const second = write(2);
    await settled(second);
    // The second commit came after the first flush began: it waits for a flush of its own.
    flushes[0]?.();
    expect(await settled(first)).toBe('resolved');
    expect(await settled(second)).toBe('pending');
    expect(flushes).toHaveLength(2);
    flushes[1]?.();
    expect(await settled(second)).toBe('resolved');
    await commit.idle();
  });

  it('refuses a write that fails at once, without waiting for the flush its group waits for', async () => {
    const { write, flushes, commit } = setup(true);
    const first = write(1);
    const duplicate = write(1).then(() => 'resolved', (error: unknown) => error);
    expect(await duplicate).toBeInstanceOf(StoreError);
    expect(await settled(first)).toBe('pending');
    flushes[0]?.();
    await first;
    await commit.idle();
  });
});
