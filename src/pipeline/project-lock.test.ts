import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HOLDER_FILE, lockProject } from './project-lock.js';

const childScript = fileURLToPath(new URL('./__fixtures__/lock-child.ts', import.meta.url));
const freshRoot = (): string => mkdtempSync(path.join(os.tmpdir(), 'distillery-lock-'));

/** A lock-child process and its stdout lines, read one at a time. */
interface Child { process: ChildProcess; nextLine: () => Promise<string> }

/** Starts a child that will try to lock `root` when told `go`; resolves once it is ready. */
async function startChild(root: string): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', childScript, root], { stdio: ['pipe', 'pipe', 'inherit'] });
  const pending: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const waiter = waiting.shift();
    if (waiter) waiter(line);
    else pending.push(line);
  });
  const nextLine = (): Promise<string> => {
    const line = pending.shift();
    return line !== undefined ? Promise.resolve(line) : new Promise((resolve) => waiting.push(resolve));
  };
  expect(await nextLine()).toBe('ready');
  return { process: child, nextLine };
}

/** Resolves once the child has exited. */
const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));

describe('lockProject', () => {
  it('refuses a second holder in the same process, and frees on release', () => {
    const root = freshRoot();
    const release = lockProject(root);
    expect(() => lockProject(root)).toThrow(new RegExp(`another distillery run \\(pid ${process.pid}\\) is using`));
    release();
    release(); // releasing twice is harmless
    lockProject(root)();
  });

  it('is held by the OS, not by the pid file: an empty or stale pid file does not let a second run in', () => {
    const root = freshRoot();
    const release = lockProject(root);
    // What the old open('wx')-then-write lock looked like between its two steps: a lock file with no pid yet.
    writeFileSync(path.join(root, HOLDER_FILE), '');
    expect(() => lockProject(root)).toThrow(/^another distillery run is using/);
    writeFileSync(path.join(root, HOLDER_FILE), '999999999');
    expect(() => lockProject(root)).toThrow(/^another distillery run is using/);
    release();
    lockProject(root)();
  });

  it('lets exactly one of several processes racing for it hold it; kill -9 of the holder frees it', async () => {
    const root = freshRoot();
    const children = await Promise.all(Array.from({ length: 4 }, () => startChild(root)));
    try {
      for (const child of children) child.process.stdin!.write('go\n');
      const outcomes = await Promise.all(children.map((child) => child.nextLine()));
      const holders = outcomes.flatMap((line, index) => (line.startsWith('held ') ? [index] : []));
      expect(holders).toHaveLength(1);
      const holder = children[holders[0] as number] as Child;
      // Every refusal names the holder (its pid file is written right after it takes the lock, so it may not be there yet).
      for (const line of outcomes.filter((outcome) => !outcome.startsWith('held '))) {
        expect(line).toMatch(new RegExp(`^refused another distillery run( \\(pid ${holder.process.pid}\\))? is using`));
      }
      expect(() => lockProject(root)).toThrow(new RegExp(`another distillery run \\(pid ${holder.process.pid}\\) is using`));

      holder.process.kill('SIGKILL');
      await exited(holder.process);
      // No cleanup ran in the dead process: the OS released its lock.
      const release = lockProject(root);
      const fresh = await startChild(root);
      fresh.process.stdin!.write('go\n');
      expect(await fresh.nextLine()).toMatch(new RegExp(`^refused another distillery run \\(pid ${process.pid}\\) is using`));
      fresh.process.stdin!.end();
      await exited(fresh.process);
      release();
    } finally {
      for (const child of children) child.process.stdin!.end();
      await Promise.all(children.map((child) => exited(child.process)));
    }
  });
});
