/**
 * Where `distillery guard` keeps its state, as a new operator meets it: one location whatever folder
 * a command runs in, read commands that never create a database, and a gateway that will not start
 * with no key to let through.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from './cli-helpers.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'distillery-guard-state-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A fresh state home and two unrelated working folders. */
function fresh(name: string): { env: NodeJS.ProcessEnv; here: string; elsewhere: string; defaultFile: string } {
  const base = path.join(root, name);
  const [stateHome, here, elsewhere] = ['state', 'here', 'elsewhere'].map((part) => path.join(base, part)) as [string, string, string];
  for (const folder of [here, elsewhere]) mkdirSync(folder, { recursive: true });
  return { env: { XDG_STATE_HOME: stateHome, DISTILLERY_GUARD_STATE: '' }, here, elsewhere, defaultFile: path.join(stateHome, 'distillery', 'guard.sqlite') };
}

/** Runs `distillery guard serve` until it exits (it should, refusing to start) and returns its outcome. */
function serveOutcome(args: string[], options: { env: NodeJS.ProcessEnv; cwd: string }): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawnCli(['guard', 'serve', '--upstream', 'http://127.0.0.1:9/v1', '--port', '0', ...args], options);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      // Started after all: stop it so the test fails on the exit code rather than hanging.
      if (stderr.includes('guarding ')) child.kill('SIGTERM');
    });
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

describe('guard state location', () => {
  it('a read command in another folder with no database exits 2 naming the path, and creates nothing', async () => {
    const { env, elsewhere, defaultFile } = fresh('missing');
    const results = await Promise.all([['keys', 'list'], ['flagged'], ['explain', 'key_0000000000000000'], ['usage']].map((args) => runCli(['guard', ...args], { env, cwd: elsewhere })));
    for (const result of results) {
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`no guard database at ${defaultFile}`);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    expect(existsSync(defaultFile)).toBe(false);
    expect(existsSync(path.join(elsewhere, '.distillery'))).toBe(false);
  }, 60_000);

  it('keys created in one folder are listed from another, through the default location or DISTILLERY_GUARD_STATE', async () => {
    const { env, here, elsewhere, defaultFile } = fresh('shared');
    const created = await runCli(['guard', 'keys', 'create', '--name', 'acme', '--json'], { env, cwd: here });
    expect(created.code).toBe(0);
    expect(existsSync(defaultFile)).toBe(true);
    const custom = path.join(root, 'shared', 'custom.sqlite');
    const viaEnv = await runCli(['guard', 'keys', 'create', '--name', 'beta', '--json'], { env: { ...env, DISTILLERY_GUARD_STATE: custom }, cwd: here });
    expect(viaEnv.code).toBe(0);
    const [listed, listedViaEnv, listedViaFlag] = await Promise.all([
      runCli(['guard', 'keys', 'list'], { env, cwd: elsewhere }),
      runCli(['guard', 'keys', 'list'], { env: { ...env, DISTILLERY_GUARD_STATE: custom }, cwd: elsewhere }),
      runCli(['guard', 'keys', 'list', '--state', custom], { env, cwd: elsewhere }),
    ]);
    expect(listed.stdout).toContain('acme');
    expect(listed.stdout).not.toContain('beta');
    expect(listedViaEnv.stdout).toContain('beta');
    expect(listedViaFlag.stdout).toBe(listedViaEnv.stdout);
  }, 60_000);

  it('serve refuses to start with no database or no usable key (exit 2), and starts with --allow-no-keys', async () => {
    const { env, elsewhere, defaultFile } = fresh('serve');
    // One after the other: the second creates the database the first must not find.
    const missing = await serveOutcome([], { env, cwd: elsewhere });
    const allowed = await serveOutcome(['--allow-no-keys'], { env, cwd: elsewhere });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`no guard database at ${defaultFile}`);
    expect(allowed.stderr).toContain('guarding http://127.0.0.1:9/v1');
    const created = await runCli(['guard', 'keys', 'create', '--name', 'gone', '--json'], { env, cwd: elsewhere });
    const { id } = JSON.parse(created.stdout) as { id: string };
    expect((await runCli(['guard', 'keys', 'revoke', id], { env, cwd: elsewhere })).code).toBe(0);
    const noUsable = await serveOutcome([], { env, cwd: elsewhere });
    expect(noUsable.code).toBe(2);
    expect(noUsable.stderr).toContain(`no usable keys (1 revoked or expired) in ${defaultFile}`);
    expect(noUsable.stderr).toContain('--allow-no-keys');
  }, 60_000);

  it('refuses a malformed --audit-retention or --expires with exit 2 and one line', async () => {
    const { env, elsewhere } = fresh('flags');
    const [retention, expires] = await Promise.all([
      serveOutcome(['--allow-no-keys', '--audit-retention', 'forever'], { env, cwd: elsewhere }),
      runCli(['guard', 'keys', 'create', '--name', 'x', '--expires', '30'], { env, cwd: elsewhere }),
    ]);
    expect(retention.code).toBe(2);
    expect(retention.stderr).toContain('--audit-retention must be a positive duration');
    expect(expires.code).toBe(2);
    expect(expires.stderr).toContain('--expires must be a positive duration');
  }, 60_000);
});
