import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockProject } from './project-lock.js';

describe('lockProject', () => {
  it('refuses a second holder while the first is alive, and frees on release', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'distillery-lock-'));
    const release = lockProject(root);
    writeFileSync(path.join(root, 'run.lock'), String(process.ppid)); // a live process that is not us
    expect(() => lockProject(root)).toThrow(/another distillery run \(pid \d+\)/);
    release();
    expect(existsSync(path.join(root, 'run.lock'))).toBe(false);
    lockProject(root)();
  });

  it('takes over a lock left by a dead process', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'distillery-lock-'));
    writeFileSync(path.join(root, 'run.lock'), '999999999');
    const release = lockProject(root);
    release();
  });
});
