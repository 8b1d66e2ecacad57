/**
 * Active selection under SIGKILL: a real active run (real OpenAI client, real SQLite store, a real
 * n-gram student retrained each round) in a child process is killed at seeded random moments, then
 * run to the end. A counting server tells us what was really sent: no prompt is sent again once its
 * answer is committed, every answer bought is kept, and the batches chosen before a kill are the ones
 * asked about after it. About 30 s on a loaded machine: behind DISTILLERY_E2E=1, which CI sets (the
 * in-process resume and budget tests in src/collect/active-collect.test.ts always run).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ACTIVE_JOURNAL_KEY } from '../src/collect/active-collect.js';
import { seededRandom } from '../src/util/random.js';
import { KILL_TEST_INPUT_COUNT, killTestInputs } from './collect-kill-fixture.js';
import { startCountingServer } from './collect-kill-server.js';

const enabled = process.env['DISTILLERY_E2E'] === '1';
const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const folder = mkdtempSync(join(tmpdir(), 'distillery-active-kill-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

interface ChildRun { startedAt: number; killed: boolean; exitCode: number | null; lines: Array<Record<string, unknown>>; stderr: string }

/** Runs the child; with `killAfterAnswers`, SIGKILLs it as soon as it has printed that many answers. */
function runChild(file: string, baseURL: string, killAfterAnswers: number | null): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const startedAt = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/collect-active-kill-child.ts', file, baseURL], { cwd: repositoryRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: Array<Record<string, unknown>> = [];
    let pending = '';
    let stderr = '';
    let killed = false;
    let answers = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const part of parts) {
        if (part.trim() === '') continue;
        const line = JSON.parse(part) as Record<string, unknown>;
        lines.push(line);
        if (line['type'] === 'answer') answers++;
        if (killAfterAnswers !== null && !killed && answers >= killAfterAnswers) killed = child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
    child.on('error', reject);
    child.on('exit', (exitCode) => resolve({ startedAt, killed, exitCode, lines, stderr }));
  });
}

/** The batches a (dead) child journalled, read from the store's state table. */
function readJournal(file: string): string[][] {
  const database = new Database(file, { readonly: true });
  try {
    const row = database.prepare('SELECT value FROM state WHERE key = ?').get(ACTIVE_JOURNAL_KEY) as { value: string } | undefined;
    return row === undefined ? [] : (JSON.parse(row.value) as { batches: string[][] }).batches;
  } finally {
    database.close();
  }
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!enabled)('active selection under SIGKILL', () => {
  it('resumes the journalled batches, keeps every answer bought and never re-sends a committed prompt', async () => {
    const random = seededRandom(20261201);
    const server = await startCountingServer(() => 5 + Math.floor(random() * 15));
    const file = join(folder, 'project', 'active.sqlite');
    const runs: ChildRun[] = [];
    const journals: string[][][] = [];
    try {
      // Kill points spread over the rounds: inside the seed, and inside later batches.
      for (let kill = 0; kill < 4; kill++) {
        runs.push(await runChild(file, server.baseURL, 10 + Math.floor(random() * 60)));
        journals.push(readJournal(file));
        await pause(100);
      }
      runs.push(await runChild(file, server.baseURL, null));
    } finally {
      await server.close();
    }
    const final = runs.at(-1) as ChildRun;
    expect(final.stderr).toBe('');
    expect(final.exitCode).toBe(0);
    expect(runs.slice(0, -1).every((run) => run.killed)).toBe(true);
    const done = final.lines.find((line) => line['type'] === 'done') as { stopReason: string; batches: string[][]; heldOut: string[]; seed: string[] };
    expect(done.stopReason).toBe('exhausted');

    const database = new Database(file, { readonly: true });
    const responses = database.prepare('SELECT input_id AS inputId, created_at AS createdAt FROM responses').all() as Array<{ inputId: string; createdAt: number }>;
    const reservationsLeft = (database.prepare('SELECT COUNT(*) AS count FROM reservations').get() as { count: number }).count;
    database.close();
    const inputs = killTestInputs();
    const idByText = new Map(inputs.map((input) => [input.text, input.id]));
    // Every input was asked about once the pool ran out, and each answer is stored once.
    expect(responses).toHaveLength(KILL_TEST_INPUT_COUNT);
    expect(reservationsLeft).toBe(0);
    // The held-out sample, the seed and the batches are disjoint and cover the inputs.
    const chosen = [...done.heldOut, ...done.seed, ...done.batches.flat()];
    expect(new Set(chosen).size).toBe(chosen.length);
    expect(chosen).toHaveLength(KILL_TEST_INPUT_COUNT);

    const committedAt = new Map(responses.map((response) => [response.inputId, response.createdAt]));
    const orphans = new Set(runs.flatMap((run) => run.lines.filter((line) => line['type'] === 'start').flatMap((line) => line['orphans'] as string[])));
    let repeated = 0;
    const seen = new Set<string>();
    for (const request of server.log) {
      const id = idByText.get(request.user) as string;
      expect(id).toBeDefined();
      // Never pay twice: no request for an input after its answer was committed.
      expect(request.receivedAt).toBeLessThanOrEqual(committedAt.get(id) as number);
      if (seen.has(id)) {
        repeated++;
        // A prompt sent twice was cut off by a kill the first time, and the next run counted it as orphaned.
        expect(orphans.has(id), `input ${id} was sent again without being reported as orphaned`).toBe(true);
      }
      seen.add(id);
    }
    // The batches journalled before each kill come back unchanged, in the same order, after it.
    for (const journal of journals) expect(done.batches.slice(0, journal.length)).toEqual(journal);
    expect(journals.some((journal) => journal.length > 0)).toBe(true);
    const journalledBefore = journals.at(-1) ?? [];
    console.log(`active kill test figures: ${JSON.stringify({ requests: server.log.length, repeated, orphans: orphans.size, kills: runs.length - 1, batchesJournalledBeforeLastKill: journalledBefore.length, batches: done.batches.length })}`);
    expect(server.log.length).toBe(KILL_TEST_INPUT_COUNT + repeated);
    expect(repeated).toBeLessThanOrEqual(4 * 8);
  }, 120_000);
});
