/**
 * A child process for project-lock.test.ts: prints `ready`, waits for `go` on stdin, tries to take
 * the lock of the folder given as its argument, prints `held PID` or `refused MESSAGE`, and (when it
 * holds the lock) keeps it until stdin closes or it is killed.
 */
import { createInterface } from 'node:readline';
import { lockProject } from '../project-lock.js';

const root = process.argv[2] ?? '.';
const lines = createInterface({ input: process.stdin });
let release: (() => void) | null = null;
process.stdout.write('ready\n');
lines.on('line', (line) => {
  if (line !== 'go' || release !== null) return;
  try {
    release = lockProject(root);
    process.stdout.write(`held ${process.pid}\n`);
  } catch (error) {
    process.stdout.write(`refused ${(error as Error).message}\n`);
  }
});
lines.on('close', () => {
  release?.();
  process.exit(0);
});
