/**
 * The proof that collection never loses a paid answer and never pays twice for a committed one:
 * a real collector (real OpenAI client, real SQLite store) in a child process is SIGKILLed at
 * seeded random moments, then run to completion; a counting server tells us what was really sent.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../src/util/random.js';
import { KILL_TEST_INPUT_COUNT, killTestInputs } from './collect-kill-fixture.js';
import { startCountingServer, type ServedRequest } from './collect-kill-server.js';

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const folder = mkdtempSync(join(tmpdir(), 'distillery-kill-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** What one child run did, as seen from outside. */
interface ChildRun {
  startedAt: number;
  endedAt: number;
  killed: boolean;
  exitCode: number | null;
  lines: Array<Record<string, unknown>>;
  stderr: string;
}

/** Runs the child; with `killAfterMs`, SIGKILLs it that long after its first committed answer. */
function runChild(file: string, baseURL: string, killAfterMs: number | null): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const startedAt = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/collect-kill-child.ts', file, baseURL], { cwd: repositoryRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: Array<Record<string, unknown>> = [];
    let pending = '';
    let stderr = '';
    let killScheduled = false;
    let killed = false;
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const part of parts) {
        if (part.trim() === '') continue;
        const line = JSON.parse(part) as Record<string, unknown>;
        lines.push(line);
        if (killAfterMs !== null && !killScheduled && line['type'] === 'answer') {
          killScheduled = true;
          setTimeout(() => {
            killed = child.kill('SIGKILL');
          }, killAfterMs);
        }
      }
    });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
    child.on('error', reject);
    child.on('exit', (exitCode) => resolve({ startedAt, endedAt: Date.now(), killed, exitCode, lines, stderr }));
  });
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('collect under SIGKILL', () => {
  it('loses no paid answer, never re-requests a committed one, and reports every cut-off call as orphaned', async () => {
    const random = seededRandom(20240607);
    const server = await startCountingServer(() => 10 + Math.floor(random() * 30));
    const file = join(folder, 'project', 'kill.sqlite');
    const runs: ChildRun[] = [];
    try {
      for (let kill = 0; kill < 5; kill++) {
        runs.push(await runChild(file, server.baseURL, 20 + Math.floor(random() * 150)));
        // Let the server see any bytes the dead child had already sent before the next run starts.
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
    const summary = (final.lines.find((line) => line['type'] === 'done') as { summary: { stopReason: string; failed: number; ledger: { orphanedUSD: number } } }).summary;
    expect(summary).toMatchObject({ stopReason: 'done', failed: 0 });

    // What the store holds at the end.
    const database = new Database(file, { readonly: true });
    const responses = database.prepare('SELECT input_id AS inputId, created_at AS createdAt FROM responses').all() as Array<{ inputId: string; createdAt: number }>;
    const orphanRows = database.prepare('SELECT input_id AS inputId, abandoned_at AS abandonedAt FROM orphaned_calls').all() as Array<{ inputId: string; abandonedAt: number }>;
    const reservationsLeft = (database.prepare('SELECT COUNT(*) AS count FROM reservations').get() as { count: number }).count;
    database.close();

    const inputs = killTestInputs();
    const idByText = new Map(inputs.map((input) => [input.text, input.id]));
    const runOf = (time: number): number => runs.reduce((found, run, index) => (run.startedAt <= time ? index : found), -1);

    // 1. Nothing lost: every input has exactly one stored answer, and nothing is left in flight.
    expect(responses).toHaveLength(KILL_TEST_INPUT_COUNT);
    expect(new Set(responses.map((response) => response.inputId))).toEqual(new Set(inputs.map((input) => input.id)));
    expect(reservationsLeft).toBe(0);
    const committedAt = new Map(responses.map((response) => [response.inputId, response.createdAt]));

    // What the server saw, per input.
    const requests = new Map<string, ServedRequest[]>();
    for (const request of server.log) {
      const id = idByText.get(request.user);
      expect(id, `server got a request for an unknown input: ${request.user}`).toBeDefined();
      requests.set(id as string, [...(requests.get(id as string) ?? []), request]);
    }
    const orphansReportedBy = runs.map((run) => new Set((run.lines.find((line) => line['type'] === 'start') as { orphans: string[] } | undefined)?.orphans ?? []));

    let repeatedRequests = 0;
    let answeredButCutOff = 0;
    for (const input of inputs) {
      const sent = [...(requests.get(input.id) ?? [])].sort((a, b) => a.receivedAt - b.receivedAt);
      const commit = committedAt.get(input.id) as number;
      const commitRun = runOf(commit);
      expect(sent.length, `input ${input.id} was never requested`).toBeGreaterThanOrEqual(1);
      // 2. Never pay twice: no request for an input after its answer was committed.
      for (const request of sent) expect(request.receivedAt).toBeLessThanOrEqual(commit);
      const last = sent.at(-1) as ServedRequest;
      expect(runOf(last.receivedAt)).toBe(commitRun);
      expect(last.answeredAt).not.toBeNull();
      // 3. Every earlier request was cut off by a kill, and the next run reported it as orphaned.
      for (const request of sent.slice(0, -1)) {
        const run = runOf(request.receivedAt);
        expect(run).toBeLessThan(commitRun);
        expect(runs[run]?.killed).toBe(true);
        expect(orphansReportedBy[run + 1]?.has(input.id), `input ${input.id} cut off in run ${run} was not reported as orphaned`).toBe(true);
        expect(orphanRows.some((row) => row.inputId === input.id && runOf(row.abandonedAt) === run + 1)).toBe(true);
        repeatedRequests++;
        if (request.answeredAt !== null) answeredButCutOff++;
      }
    }
    // 4. No double counting: nothing committed was ever recorded as orphaned afterwards.
    orphansReportedBy.forEach((orphans, run) => {
      for (const id of orphans) expect(runOf(committedAt.get(id) as number)).toBeGreaterThanOrEqual(run);
    });
    const totalOrphans = orphanRows.length;
    expect(orphansReportedBy.reduce((sum, orphans) => sum + orphans.size, 0)).toBe(totalOrphans);
    expect(totalOrphans).toBeLessThanOrEqual(5 * 8);
    expect(totalOrphans).toBeGreaterThan(0);
    expect(summary.ledger.orphanedUSD).toBeGreaterThan(0);

    const figures = {
      inputs: KILL_TEST_INPUT_COUNT, kills: runs.filter((run) => run.killed).length, serverRequests: server.log.length,
      repeatedRequests, answeredButCutOff, orphansRecorded: totalOrphans,
      answersPerRun: runs.map((run) => run.lines.filter((line) => line['type'] === 'answer').length),
      orphansPerRun: orphansReportedBy.map((orphans) => orphans.size),
      wallMs: (runs.at(-1) as ChildRun).endedAt - (runs[0] as ChildRun).startedAt,
    };
    console.log(`kill test figures: ${JSON.stringify(figures)}`);
    expect(server.log.length).toBe(KILL_TEST_INPUT_COUNT + repeatedRequests);
  }, 60_000);
});
