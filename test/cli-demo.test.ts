/**
 * `distillery demo` as a user meets it: bad flags, Ctrl-C in the middle and the resume after it
 * (whose figures must be the report's own), and `demo teacher` answering the openai client.
 */
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { afterAll, describe, expect, it } from 'vitest';
import { LANGUAGE_LABELS } from '../src/demo/language-labels.js';
import type { EvalReport } from '../src/eval/report.js';
import { parseTaskSpec } from '../src/task/load.js';
import { jsonLines, runCli, spawnCli } from './cli-helpers.js';

const folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-demo-cli-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** Resolves with the first JSON line on the child's stdout that `accept` takes. */
function firstJsonLine(child: ReturnType<typeof spawnCli>, accept: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      for (const line of jsonLines(buffered.slice(0, buffered.lastIndexOf('\n') + 1))) {
        if (accept(line)) {
          child.stdout?.off('data', onData);
          resolve(line);
          return;
        }
      }
    };
    child.stdout?.on('data', onData);
    child.once('close', (code) => reject(new Error(`exited ${code} before the expected line; stdout: ${buffered.slice(-500)}`)));
  });
}

/** Resolves once the project's database holds at least `count` committed teacher answers (polled; the child writes, we only read). */
function answersCommitted(database: string, count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const poll = setInterval(() => {
      try {
        const db = new Database(database, { readonly: true, fileMustExist: true });
        const row = db.prepare('SELECT COUNT(*) AS n FROM responses').get() as { n: number };
        db.close();
        if (row.n >= count) {
          clearInterval(poll);
          resolve();
        }
      } catch (error) {
        // Not created yet, or mid-migration: look again.
        if (!(error instanceof Error) || !/no such table|unable to open|SQLITE_BUSY|database is locked/iu.test(error.message)) {
          clearInterval(poll);
          reject(error);
        }
      }
    }, 10);
  });
}

/** Collects a child's stderr and waits for its exit code. */
async function exitOf(child: ReturnType<typeof spawnCli>): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  return { code, signal, stderr };
}

describe('distillery demo flags', () => {
  it('refuses demo extract --steps for the span tagger (it trains no steps), in one line with exit 2', async () => {
    const steps = await runCli(['demo', 'extract', '--dir', path.join(folder, 'never'), '--steps', '5']);
    expect(steps.code).toBe(2);
    expect(steps.stderr.trim()).toBe('distillery: --steps sets the language-model student\'s training steps; the span tagger trains none (add --student lm or --student auto)');
  });

  it('refuses an unknown demo extract --student, in one line with exit 2', async () => {
    const kind = await runCli(['demo', 'extract', '--dir', path.join(folder, 'never'), '--student', 'ngram']);
    expect(kind.code).toBe(2);
    expect(kind.stderr.trim()).toBe('distillery: --student must be one of span, auto, lm, got "ngram"');
  });

  for (const value of ['abc', '0', '-3', '1.5', '']) {
    it(`refuses --limit "${value}" with exit 2 and one line naming the flag`, async () => {
      const result = await runCli(['demo', '--dir', path.join(folder, 'never'), '--limit', value]);
      expect(result.code).toBe(2);
      expect(result.stderr.trim()).toBe(`distillery: --limit must be a positive integer, got "${value}"`);
      expect(result.stderr).not.toMatch(/empty|\n\s+at /u);
    });
  }

  it('refuses --latency-samples "x" the same way', async () => {
    const result = await runCli(['demo', '--latency-samples', 'x']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--latency-samples must be a positive integer, got "x"');
  });
});

describe('distillery demo, interrupted', () => {
  it('exits 130 on Ctrl-C (SIGINT) saying what is kept and how to resume; the resumed run reuses the answers and quotes the report\'s figures', async () => {
    const dir = path.join(folder, 'interrupted');
    const args = ['demo', '--json', '--dir', dir, '--limit', '300', '--latency-samples', '20'];
    // The interrupted run prints for people (stderr is not a terminal here: one line per stage).
    const child = spawnCli(args.filter((arg) => arg !== '--json'));
    const exit = exitOf(child);
    await new Promise<void>((resolve) => {
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
        if (stderr.includes('already answered')) resolve();
      });
    });
    await answersCommitted(path.join(dir, 'distillery.sqlite'), 20);
    child.kill('SIGINT');
    const { code, signal, stderr } = await exit;
    expect(signal).toBeNull();
    expect(code).toBe(130);
    expect(stderr).toContain('✖ collect: cancelled');
    expect(stderr).not.toContain('✔ collect');
    expect(stderr.match(/The run was cancelled/gu)).toHaveLength(1);
    expect(stderr).toContain('distillery: interrupted.');
    expect(stderr).toContain(`Kept: the teacher's answers collected so far (${path.join(dir, 'distillery.sqlite')})`);
    expect(stderr).toContain(`Resume with \`distillery demo --dir ${dir}\``);
    expect(stderr).not.toMatch(/\n\s+at /u);

    const resumed = await runCli(args);
    expect(resumed.code, resumed.stderr).toBe(0);
    const result = jsonLines(resumed.stdout).at(-1) as Record<string, number>;
    expect(result['cachedAnswers']).toBeGreaterThanOrEqual(20);
    expect(result['teacherCalls']).toBeLessThan(result['inputs'] ?? 0);
    // One figure, one definition: the summary quotes the report's latencies and speed-up.
    const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as EvalReport;
    expect(report.latency.teacherMethod).toBe('sequential');
    expect(result['teacherMsPerCall']).toBe(report.latency.teacher?.p50Ms);
    expect(result['studentMsPerCall']).toBe(report.latency.student.p50Ms);
    expect(result['speedup']).toBe(report.speedupAtP50);
    expect(readFileSync(path.join(dir, 'report.md'), 'utf8')).toContain('teacher latency p50 / p99 (one call at a time)');
  }, 240_000);
});

describe('distillery demo teacher', () => {
  it('serves the demo teacher to an openai client, prints a task file that loads, and stops on Ctrl-C', async () => {
    const child = spawnCli(['demo', 'teacher', '--port', '0', '--json']);
    const exit = exitOf(child);
    const started = await firstJsonLine(child, (line) => line['type'] === 'teacher');
    const baseURL = started['baseURL'] as string;
    expect(baseURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/u);
    expect(started['model']).toBe('vscode-languagedetection');
    const spec = parseTaskSpec(started['taskFile'] as string, 'my-task.yaml');
    expect(spec.teacher.baseURL).toBe(baseURL);
    expect(spec.labels).toEqual([...LANGUAGE_LABELS]);

    const client = new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: 'vscode-languagedetection',
      messages: [{ role: 'user', content: 'import os\nimport sys\n\n\ndef main():\n    for name in os.listdir(sys.argv[1]):\n        print(name)\n\n\nif __name__ == "__main__":\n    main()\n' }],
      logprobs: true,
      top_logprobs: 3,
    });
    const label = completion.choices[0]?.message.content ?? '';
    expect(LANGUAGE_LABELS as readonly string[]).toContain(label);
    expect(completion.choices[0]?.logprobs?.content?.[0]?.top_logprobs.length).toBeGreaterThan(0);

    child.kill('SIGINT');
    const { code, stderr } = await exit;
    expect(code).toBe(0);
    expect(stderr).toContain('demo teacher stopped after 1 call(s)');
  }, 60_000);

  it('says a busy port in one line with exit 2', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const result = await runCli(['demo', 'teacher', '--port', String(port)]);
      expect(result.code).toBe(2);
      expect(result.stderr.trim()).toBe(`distillery: port ${port} is in use; pick another with --port`);
    } finally {
      blocker.close();
    }
  }, 60_000);
});
