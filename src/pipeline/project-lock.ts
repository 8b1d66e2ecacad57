/**
 * The project lock: two runs must never share one database (the second would take the first's
 * in-flight calls for a dead run's orphans, and both would spend against one budget).
 *
 * The lock is an exclusive SQLite lock on a dedicated, otherwise empty database file, held for the
 * run's life (`locking_mode = EXCLUSIVE` and an open `BEGIN EXCLUSIVE`). The operating system holds
 * it (POSIX record locks; LockFileEx on Windows), so taking it is one atomic step with no window to
 * steal it in, and a run that dies, kill -9 included, loses it with its process: there is nothing
 * stale to detect or take over. A pid file beside it only names the holder in the message; it is a
 * hint, never trusted for the decision.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SetupError } from './errors.js';

/** The lock database's file name inside the project folder (legacy `run.lock` files are ignored). */
export const LOCK_FILE = 'run-lock.sqlite';
/** The file naming the holder's pid, for messages only. */
export const HOLDER_FILE = 'run-lock.pid';

/** True when a process with this pid is alive (signal 0 checks without touching it). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid the holder wrote, when it is readable and names a live process. */
function holderPid(file: string): number | null {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
  } catch {
    return null;
  }
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : null;
}

/** True for SQLite's "someone else holds the lock" errors. */
function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/** Takes the project's lock or throws a SetupError naming the holder; returns the function that releases it. */
export function lockProject(root: string): () => void {
  const lockFile = path.join(root, LOCK_FILE);
  const pidFile = path.join(root, HOLDER_FILE);
  let database: Database.Database;
  try {
    database = new Database(lockFile, { timeout: 0 });
  } catch (error) {
    throw new SetupError(`could not lock ${root}: ${(error as Error).message}`, { cause: error });
  }
  try {
    database.pragma('locking_mode = EXCLUSIVE');
    database.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    database.close();
    if (!isBusy(error)) throw new SetupError(`could not lock ${root}: ${(error as Error).message}`, { cause: error });
    const holder = holderPid(pidFile);
    const who = holder === null ? 'another distillery run' : `another distillery run (pid ${holder})`;
    throw new SetupError(`${who} is using ${root}; wait for it to finish or stop it`, { cause: error });
  }
  try {
    writeFileSync(pidFile, String(process.pid));
  } catch {
    // The pid only improves another run's message; the lock is held either way.
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (holderPid(pidFile) === process.pid) rmSync(pidFile, { force: true });
    database.close();
  };
}
