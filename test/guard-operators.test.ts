/**
 * What an operator does with keys from the command line: find and revoke a key by name, unflag or
 * allow-list it, bill from the per-day usage report, issue keys that expire; and what a running
 * gateway prints when a key's action changes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteGuardStore } from '../src/guard/index.js';
import type { ListeningServer } from '../src/serve/listen.js';
import { jsonLines, runCli } from './cli-helpers.js';
import { startGatewayProcess, startTicketsUpstream } from './guard-helpers.js';

const folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-guard-operators-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

let counter = 0;
/** `distillery guard <args> --state <a fresh or given file>`. */
function guard(state: string, ...args: string[]) {
  return runCli(['guard', ...args, '--state', state]);
}
const freshState = () => path.join(folder, `guard-${counter++}.sqlite`);

/** Issues a key through the CLI and returns what it printed. */
async function created(state: string, ...args: string[]): Promise<{ id: string; key: string; name: string; expiresAt: string | null; createdAt: string }> {
  const result = await guard(state, 'keys', 'create', '--json', ...args);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as { id: string; key: string; name: string; expiresAt: string | null; createdAt: string };
}

describe('operating keys from the command line', () => {
  it('shows and revokes a key by name; an ambiguous name is refused with the ids', async () => {
    const state = freshState();
    const acme = await created(state, '--name', 'acme');
    const [twinA, twinB] = [await created(state, '--name', 'twin'), await created(state, '--name', 'twin')];
    const [shown, shownById, ambiguous, nobody] = await Promise.all([
      guard(state, 'keys', 'show', 'acme', '--json'), guard(state, 'keys', 'show', acme.id, '--json'),
      guard(state, 'keys', 'revoke', '--name', 'twin'), guard(state, 'keys', 'revoke', '--name', 'nobody'),
    ]);
    expect(jsonLines(shown.stdout)).toEqual([expect.objectContaining({ id: acme.id, name: 'acme', status: 'active', allowListed: false, policy: null })]);
    expect(shownById.stdout).toBe(shown.stdout);
    expect(shown.stdout).not.toContain(acme.key);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain(twinA.id);
    expect(ambiguous.stderr).toContain(twinB.id);
    expect(nobody.code).toBe(2);
    const revoked = await guard(state, 'keys', 'revoke', '--name', 'acme');
    expect([revoked.code, revoked.stdout.trim()]).toEqual([0, `revoked ${acme.id}`]);
    expect(jsonLines((await guard(state, 'keys', 'show', 'acme', '--json')).stdout)[0]).toMatchObject({ status: 'revoked' });
  }, 60_000);

  it('unflags and allow-lists a key by name', async () => {
    const state = freshState();
    const { id } = await created(state, '--name', 'busy');
    const store = openSqliteGuardStore(state);
    await store.setPolicyState({ keyId: id, action: 'throttle', score: 0.93, reasons: ['risk 0.93'], updatedAt: 1 });
    await store.close();
    const unflagged = await guard(state, 'keys', 'unflag', 'busy');
    expect([unflagged.code, unflagged.stdout.trim()]).toEqual([0, `unflagged ${id} (busy): throttle -> log`]);
    expect((await guard(state, 'flagged', '--json')).stdout.trim()).toBe('');
    const allowed = await guard(state, 'keys', 'allow', 'busy', '--json');
    expect(JSON.parse(allowed.stdout)).toEqual({ id, name: 'busy', allowListed: true });
    const [listed, removed] = [await guard(state, 'keys', 'list'), await guard(state, 'keys', 'allow', id, '--remove', '--json')];
    expect(listed.stdout).toContain('allow-listed');
    expect(JSON.parse(removed.stdout)).toMatchObject({ allowListed: false });
  }, 60_000);

  it('reports usage per key per UTC day, filtered by key and --since', async () => {
    const state = freshState();
    const [alpha, beta] = [await created(state, '--name', 'alpha'), await created(state, '--name', 'beta')];
    const store = openSqliteGuardStore(state);
    const day = Date.UTC(2026, 10, 3);
    const usage = (keyId: string, at: number, requests: number, costUSD: number) => store.addUsage({ keyId, windowStart: at, requests, promptTokens: requests * 10, completionTokens: requests, costUSD });
    await usage(alpha.id, day + 60_000, 2, 0.25);
    await usage(alpha.id, day + 23 * 3_600_000, 3, 0.5);
    await usage(alpha.id, day + 86_400_000, 1, 0.125);
    await usage(beta.id, day, 7, 1);
    await store.close();
    const [all, one, since, text] = await Promise.all([
      guard(state, 'usage', '--json'), guard(state, 'usage', '--key', 'alpha', '--json'),
      guard(state, 'usage', '--since', '2026-11-04', '--json'), guard(state, 'usage', '--key', 'beta'),
    ]);
    expect(jsonLines(one.stdout)).toEqual([
      { day: '2026-11-03', keyId: alpha.id, keyName: 'alpha', requests: 5, promptTokens: 50, completionTokens: 5, costUSD: 0.75 },
      { day: '2026-11-04', keyId: alpha.id, keyName: 'alpha', requests: 1, promptTokens: 10, completionTokens: 1, costUSD: 0.125 },
    ]);
    expect(jsonLines(all.stdout)).toHaveLength(3);
    expect(jsonLines(since.stdout)).toEqual([expect.objectContaining({ day: '2026-11-04', keyName: 'alpha', requests: 1 })]);
    expect(text.stdout).toContain(`2026-11-03  ${beta.id}  beta  7  70  7  $1.000000`);
    expect(text.stdout).toContain('total: 7 requests, $1.000000');
  }, 60_000);

  it('issues a key that expires after --expires', async () => {
    const state = freshState();
    const trial = await created(state, '--name', 'trial', '--expires', '30d');
    expect(Date.parse(trial.expiresAt ?? '') - Date.parse(trial.createdAt)).toBe(30 * 86_400_000);
    const forever = await created(state, '--name', 'forever');
    expect(forever.expiresAt).toBeNull();
  }, 60_000);
});

describe('guard serve as operators watch it', () => {
  let upstream: ListeningServer | undefined;
  afterAll(async () => upstream?.close());

  it('prints one JSON line on stdout for each change of a key\'s action', async () => {
    upstream = await startTicketsUpstream();
    const state = freshState();
    const { id, key } = await created(state, '--name', 'harvester');
    const gateway = await startGatewayProcess(['--upstream', upstream.url, '--state', state, '--requests-per-minute', '2', '--block-at', '1']);
    try {
      const statuses: number[] = [];
      for (let index = 0; index < 3; index += 1) {
        const response = await fetch(`${gateway.url}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'tickets', messages: [{ role: 'user', content: `refund my invoice ${index}` }] }) });
        await response.arrayBuffer();
        statuses.push(response.status);
      }
      expect(statuses.at(-1)).toBe(403);
      await expect.poll(() => jsonLines(gateway.stdout()).length, { timeout: 5000, interval: 20 }).toBeGreaterThanOrEqual(1);
      const changes = jsonLines(gateway.stdout());
      expect(changes.at(-1)).toMatchObject({ type: 'guard.policy_changed', keyId: id, keyName: 'harvester', to: 'block', score: 1 });
      for (const change of changes) {
        expect(Object.keys(change).sort()).toEqual(['from', 'keyId', 'keyName', 'reason', 'reasons', 'score', 'tier', 'time', 'to', 'type']);
        expect(Date.parse(String(change.time))).not.toBeNaN();
      }
      expect(changes.map((change) => change.from)[0]).toBe('log');
    } finally {
      await gateway.stop();
    }
  }, 60_000);
});
