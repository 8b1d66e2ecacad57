/**
 * Issue 8, items 3 and 4, through the real CLI (`distillery run --until collect`) against a scripted
 * (fault-injection) teacher that never answers the first request of one prompt in eight, so the
 * client times out and retries. The run is SIGKILLed the moment the server receives such a retry,
 * the next run is killed the same way, the third finishes. Then:
 *  - item 3: every request the server received has its own entry in the journal (an answer, a
 *    possibly billed attempt, or an orphaned call), so the journal's billed total equals what the
 *    server counts as possibly billed (plus calls journalled but not yet sent at a kill, never less);
 *  - item 4: each run told about the calls the previous one left in flight as soon as it started,
 *    on stderr, although it was killed itself before the end.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { fnv1a32 } from '../src/util/hash.js';
import { spawnCli } from './cli-helpers.js';
import { startScriptedTeacher, type Behaviour } from './scripted-teacher-server.js';

const folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-billed-kill-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const INPUTS = 120;
const MAX_TOKENS = 4;
/** Input tokens free, output $10 per 1M: every reservation's worst case is exactly MAX_TOKENS output tokens. */
const OUTPUT_PER_TOKEN_USD = 10 / 1_000_000;
const texts = Array.from({ length: INPUTS }, (_, index) => `ticket ${index}: the ${index % 2 === 0 ? 'update fixed it' : 'app still crashes'}`);

/** One prompt in eight is slow to answer: its first request in each run is never answered (the client times out). */
const stalls = (user: string): boolean => fnv1a32(user) % 8 === 0;

/** One CLI run as seen from outside. */
interface CliRun { index: number; startedAt: number; killed: boolean; code: number | null; stderr: string; stdout: string }

describe('collect under SIGKILL during retries, through the CLI, against a scripted (fault-injection) teacher', () => {
  it('journals every possibly billed attempt before retrying, and each run tells about orphans when it starts', async () => {
    let child: ChildProcess | null = null;
    let current: CliRun | null = null;
    let stalledThisRun = new Set<string>();
    const script = (user: string): Behaviour => {
      if (!stalls(user) || stalledThisRun.has(user)) return 'answer';
      stalledThisRun.add(user);
      return 'stall';
    };
    const server = await startScriptedTeacher({
      labels: ['solved', 'broken'], usageFactor: 1, prices: { inputPer1M: 0, outputPer1M: 10 }, script,
      onRequest: (request) => {
        // A retry of a prompt that stalled in this very run: its timed-out attempt must be journalled by now.
        const retryAfterStall = request.behaviour === 'answer' && stalledThisRun.has(request.user);
        if (retryAfterStall && current !== null && current.index < 2 && !current.killed) current.killed = child?.kill('SIGKILL') ?? false;
      },
    });
    writeFileSync(path.join(folder, 'inputs.jsonl'), texts.map((text) => JSON.stringify({ text })).join('\n'));
    writeFileSync(path.join(folder, 'task.yaml'), [
      'name: billed-kill', 'teacher:', `  baseURL: ${server.baseURL}`, '  model: scripted-kill', '  timeoutMs: 400', '  maxRetries: 3', `  maxTokens: ${MAX_TOKENS}`,
      'prompt:', '  messages:', '    - role: user', '      content: "{{text}}"', 'labels: [solved, broken]', 'inputs:', '  path: inputs.jsonl',
      'budget:', '  maxUSD: 100', '  prices: { inputPer1M: 0, outputPer1M: 10 }', 'limits:', '  concurrency: 4', '',
    ].join('\n'));

    const runs: CliRun[] = [];
    try {
      for (let index = 0; index < 3; index++) {
        const run: CliRun = { index, startedAt: Date.now(), killed: false, code: null, stderr: '', stdout: '' };
        current = run;
        stalledThisRun = new Set();
        runs.push(run);
        child = spawnCli(['run', path.join(folder, 'task.yaml'), '--until', 'collect']);
        child.stdout?.on('data', (chunk: Buffer) => (run.stdout += chunk.toString('utf8')));
        child.stderr?.on('data', (chunk: Buffer) => (run.stderr += chunk.toString('utf8')));
        child.stdin?.end();
        run.code = await new Promise<number | null>((resolve) => child?.on('close', (code) => resolve(code)));
      }
    } finally {
      current = null;
      await server.close();
    }

    const database = new Database(path.join(folder, '.distillery', 'billed-kill', 'distillery.sqlite'), { readonly: true });
    const keyOfText = new Map((database.prepare('SELECT r.cache_key AS key, i.text AS text FROM responses r JOIN inputs i ON i.id = r.input_id').all() as Array<{ key: string; text: string }>).map((row) => [row.text, row.key]));
    const rows = (table: string, amount: string): Array<{ key: string; usd: number }> => database.prepare(`SELECT cache_key AS key, ${amount} AS usd FROM ${table}`).all() as Array<{ key: string; usd: number }>;
    const answers = rows('responses', 'cost_usd');
    const attempts = rows('billed_failures', 'billed_usd');
    const orphans = rows('orphaned_calls', 'estimated_usd');
    database.close();
    expect(keyOfText.size).toBe(INPUTS);

    // Per prompt: the server's requests against the journal's entries for it.
    let journalUSD = 0;
    let serverPossiblyBilledUSD = 0;
    let unsentOrphansUSD = 0;
    const undercounted: string[] = [];
    const overcounted: string[] = [];
    for (const text of texts) {
      const key = keyOfText.get(text) as string;
      const received = server.log.filter((request) => request.user === text).length;
      const answered = answers.filter((row) => row.key === key);
      const billed = attempts.filter((row) => row.key === key);
      const orphaned = orphans.filter((row) => row.key === key);
      const entries = answered.length + billed.length + orphaned.length;
      if (entries < received) undercounted.push(text);
      // More entries than requests only for calls journalled but not yet sent when a kill came.
      if (entries - received > orphaned.length) overcounted.push(text);
      journalUSD += [...answered, ...billed, ...orphaned].reduce((sum, row) => sum + row.usd, 0);
      // The server: the answer the client kept cost one token; any other request may have cost up to max_tokens.
      serverPossiblyBilledUSD += OUTPUT_PER_TOKEN_USD + (received - 1) * MAX_TOKENS * OUTPUT_PER_TOKEN_USD;
      unsentOrphansUSD += (entries - received) * MAX_TOKENS * OUTPUT_PER_TOKEN_USD;
    }
    const stalled = server.log.filter((request) => request.behaviour === 'stall').length;
    console.log(`billed-kill figures: ${JSON.stringify({
      inputs: INPUTS, requests: server.log.length, stalled, journalledAttempts: attempts.length, orphans: orphans.length, undercountedPrompts: undercounted.length,
      journalUSD: Number(journalUSD.toFixed(8)), serverPossiblyBilledUSD: Number(serverPossiblyBilledUSD.toFixed(8)), unsentOrphansUSD: Number(unsentOrphansUSD.toFixed(8)),
    })}`);
    expect(runs.map((run) => run.killed)).toEqual([true, true, false]);
    expect(runs[2]?.code).toBe(0);
    // Item 4: the killed second run had already said, on stderr, what the first left in flight.
    for (const run of runs.slice(1)) expect(run.stderr).toMatch(/⚠ collect: \d+ call\(s\) were in flight when an earlier run stopped; they may have been billed/);
    // Item 3: no request the server received is missing from the journal.
    expect(stalled).toBeGreaterThan(0);
    expect(undercounted).toEqual([]);
    expect(overcounted).toEqual([]);
    expect(journalUSD - unsentOrphansUSD).toBeCloseTo(serverPossiblyBilledUSD, 12);
  }, 120_000);
});
