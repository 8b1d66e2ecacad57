/** `distillery guard keys|flagged|explain` as an operator runs them. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-helpers.js';

const folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-guard-cli-'));
const db = path.join(folder, 'guard.db');

afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('distillery guard', () => {
  it('creates, lists, explains and revokes keys, printing the key only once', async () => {
    const created = await runCli(['guard', 'keys', 'create', '--name', 'acme', '--tier', 'free', '--db', db, '--json']);
    expect(created.code).toBe(0);
    const issued = JSON.parse(created.stdout) as { id: string; key: string; prefix: string; tier: string };
    expect(issued.key).toMatch(/^dk-/);
    expect(issued.key.startsWith(issued.prefix)).toBe(true);
    expect(issued.tier).toBe('free');

    const [listed, explained, flagged] = await Promise.all([
      runCli(['guard', 'keys', 'list', '--db', db, '--json']),
      runCli(['guard', 'explain', issued.id, '--db', db, '--json']),
      runCli(['guard', 'flagged', '--db', db, '--json']),
    ]);
    expect(listed.stdout).not.toContain(issued.key);
    expect(JSON.parse(listed.stdout)).toMatchObject({ id: issued.id, name: 'acme', revokedAt: null });
    expect(JSON.parse(explained.stdout)).toMatchObject({ key: { id: issued.id }, policy: null, totals: { requests: 0 } });
    expect(explained.stdout).not.toContain(issued.key);
    expect(flagged.stdout.trim()).toBe('');

    const revoked = await runCli(['guard', 'keys', 'revoke', issued.id, '--db', db]);
    expect(revoked.code).toBe(0);
    const again = await runCli(['guard', 'keys', 'revoke', issued.id, '--db', db]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/no active key/);
  }, 30_000);
});
