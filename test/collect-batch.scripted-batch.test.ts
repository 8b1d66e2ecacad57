/**
 * `collect.mode: batch` against a scripted Batch API server (OpenAI's documented shapes, with faults
 * on demand), through the official openai client and the real SQLite store: files split at the
 * limits, answers mapped back into the cache at the batch price, the budget reserved before submit,
 * an expired batch's unfinished requests (and only those) submitted again, partial failures from the
 * error file, a crash between create and journal, and kill -9 while polling, resumed without resubmitting.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collectBatch, type BatchEvent } from '../src/collect/batch-collector.js';
import { UsageRatio } from '../src/collect/usage-ratio.js';
import { StoreError } from '../src/store/errors.js';
import { openSqliteStore } from '../src/store/index.js';
import type { BatchJob, Store } from '../src/store/types.js';
import { costUSD } from '../src/teacher/prices.js';
import { estimateInputTokens } from '../src/teacher/tokens.js';
import { jsonLines, runCli } from './cli-helpers.js';
import { BATCH_TEST_PRICES, batchTestInputs, batchTestMessages, batchTestOptions } from './collect-batch-fixture.js';
import { startScriptedBatchServer, type ScriptedBatchServer } from './scripted-batch-server.js';

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const folder = mkdtempSync(join(tmpdir(), 'distillery-batch-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** What one answer costs at the batch price: the scripted usage (20 in, 1 out) at half the live price. */
const BATCH_ANSWER_USD = costUSD({ inputTokens: 20, outputTokens: 1 }, BATCH_TEST_PRICES) / 2;

let server: ScriptedBatchServer;
let store: Store;
let file: string;
let counter = 0;

beforeEach(async () => {
  server = await startScriptedBatchServer();
  file = join(folder, `batch-${counter++}.sqlite`);
  store = openSqliteStore(file);
});

afterEach(async () => {
  await store.close();
  await server.close();
});

const uploads = () => server.files.filter((each) => each.purpose === 'batch');
const customIdsOf = (text: string) => text.trim().split('\n').map((line) => (JSON.parse(line) as { custom_id: string }).custom_id);

describe('batch collection with a scripted Batch API server', () => {
  it('splits at the request limit, maps every result into the cache at half price, and a rerun sends nothing', async () => {
    const inputs = batchTestInputs(10);
    const summary = await collectBatch(batchTestOptions(store, server.url, inputs, { limits: { maxRequests: 4, maxBytes: 200 * 1024 * 1024 } }));
    expect(summary).toMatchObject({ stopReason: 'done', called: 10, failed: 0 });
    expect(uploads().map((each) => customIdsOf(each.text).length)).toEqual([4, 4, 2]);
    const line = JSON.parse(uploads()[0]?.text.split('\n')[0] ?? '') as Record<string, unknown>;
    expect(line).toMatchObject({ method: 'POST', url: '/v1/chat/completions', body: { model: 'batch-model', logprobs: true, top_logprobs: 2, max_tokens: 4, messages: batchTestMessages(inputs[0]!) } });
    const responses = await store.listResponses();
    expect(responses).toHaveLength(10);
    for (const response of responses) {
      expect(response.costUSD).toBeCloseTo(BATCH_ANSWER_USD, 15);
      expect(response.distribution).not.toBeNull();
    }
    const byInput = new Map(responses.map((response) => [response.inputId, response.label]));
    expect(inputs.map((input) => byInput.get(input.id))).toEqual(inputs.map((_, index) => (index % 3 === 0 ? 'positive' : 'negative')));
    expect((await store.listBatchJobs()).map((job) => job.state)).toEqual(['done', 'done', 'done']);
    expect((await store.ledger()).reservedUSD).toBe(0);
    expect(summary.spentUSD).toBeCloseTo(10 * BATCH_ANSWER_USD, 12);
    const again = await collectBatch(batchTestOptions(store, server.url, inputs));
    expect(again).toMatchObject({ called: 0, cached: 10 });
    expect(server.batches).toHaveLength(3);
  });

  it('reports each poll that sees a new status or new request counts, with the wait before the next poll', async () => {
    server.script.progressPolls = 2;
    const events: BatchEvent[] = [];
    await collectBatch(batchTestOptions(store, server.url, batchTestInputs(5), { onBatch: (event) => events.push(event) }));
    const statuses = events.filter((event) => event.type === 'status');
    expect(statuses.map((event) => event.status)).toEqual(['in_progress', 'completed']);
    expect(statuses[0]).toMatchObject({ requests: 5, requestCounts: { total: 5, completed: 0, failed: 0 }, nextPollMs: 1 });
    expect(statuses[1]).toMatchObject({ requests: 5, requestCounts: { total: 5, completed: 5, failed: 0 }, nextPollMs: null });
  });

  it('splits at the byte limit too', async () => {
    await collectBatch(batchTestOptions(store, server.url, batchTestInputs(6), { limits: { maxRequests: 50_000, maxBytes: 700 } }));
    expect(uploads().length).toBeGreaterThan(1);
    for (const upload of uploads()) expect(Buffer.byteLength(upload.text)).toBeLessThanOrEqual(700);
    expect(uploads().flatMap((each) => customIdsOf(each.text))).toHaveLength(6);
    expect(await store.listResponses()).toHaveLength(6);
  });

  it('reserves the batch at half price before submitting, and refuses a batch that would pass the budget', async () => {
    const inputs = batchTestInputs(6);
    const ratio = await UsageRatio.load(store, 'batch-model');
    const liveWorstCase = inputs.reduce((sum, input) => sum + costUSD({ inputTokens: ratio.reserveInputTokens(estimateInputTokens(batchTestMessages(input))), outputTokens: 4 }, BATCH_TEST_PRICES), 0);
    const refused = await collectBatch(batchTestOptions(store, server.url, inputs, { budgetUSD: 0.75 * liveWorstCase, priceFactor: 1 }));
    expect(refused).toMatchObject({ stopReason: 'budget', called: 0, notAttempted: 6 });
    expect(refused.message).toMatch(/batch of 6 request\(s\) could cost up to/);
    expect(uploads()).toHaveLength(0);
    const fits = await collectBatch(batchTestOptions(store, server.url, inputs, { budgetUSD: 0.75 * liveWorstCase }));
    expect(fits).toMatchObject({ stopReason: 'done', called: 6 });
  });

  it('submits again only the requests an expired batch did not run', async () => {
    server.script.expireAfter = new Map([[0, 3]]);
    const inputs = batchTestInputs(6);
    const events: string[] = [];
    const summary = await collectBatch(batchTestOptions(store, server.url, inputs, { onBatch: (event) => events.push(event.type) }));
    expect(server.batches.map((batch) => batch.status)).toEqual(['expired', 'completed']);
    const second = uploads()[1];
    expect(customIdsOf(second?.text ?? '')).toHaveLength(3);
    const resent = (second?.text ?? '').trim().split('\n').map((line) => (JSON.parse(line) as { body: { messages: Array<{ content: string }> } }).body.messages[1]?.content);
    expect(resent).toEqual(inputs.slice(3).map((input) => input.text));
    expect(summary).toMatchObject({ stopReason: 'done', called: 6, failed: 0 });
    expect(events).toContain('resubmitted');
    expect(await store.listResponses()).toHaveLength(6);
  });

  it('records the error file\'s failures, keeps the rest, and the next run sends only the failed ones', async () => {
    server.script.failWhen = 'FAILME';
    const inputs = batchTestInputs(6, new Set([1, 4]));
    const summary = await collectBatch(batchTestOptions(store, server.url, inputs));
    expect(summary).toMatchObject({ stopReason: 'done', called: 4, failed: 2 });
    expect(summary.failures.map((failure) => failure.inputId)).toEqual([inputs[1]?.id, inputs[4]?.id]);
    expect(summary.failures[0]?.reason).toMatch(/500: The server had an error/);
    delete server.script.failWhen;
    const next = await collectBatch(batchTestOptions(store, server.url, inputs));
    expect(customIdsOf(uploads()[1]?.text ?? '')).toHaveLength(2);
    expect(next).toMatchObject({ called: 2, cached: 4, failed: 0 });
  });

  it('finds the batch a crashed run created before journalling its id, instead of creating another', async () => {
    const inputs = batchTestInputs(4);
    let crashed = false;
    // The journal write after create fails once, as if the process died right after the batch was created.
    const crashing = new Proxy(store, {
      get: (target, property: string) => property === 'saveBatchJob'
        ? (job: BatchJob) => {
          if (job.state === 'submitted' && !crashed) {
            crashed = true;
            return Promise.reject(new StoreError('simulated crash', { reason: 'io', file }));
          }
          return target.saveBatchJob(job);
        }
        : (Reflect.get(target, property) as unknown as (...args: unknown[]) => unknown).bind(target),
    });
    await expect(collectBatch(batchTestOptions(crashing, server.url, inputs))).rejects.toThrow(/simulated crash/);
    expect((await store.listBatchJobs()).map((job) => job.state)).toEqual(['prepared']);
    const events: string[] = [];
    const second = await collectBatch(batchTestOptions(store, server.url, inputs, { onBatch: (event) => events.push(event.type) }));
    expect(events).toContain('found');
    expect(server.batches).toHaveLength(1);
    expect(uploads()).toHaveLength(1);
    expect(second).toMatchObject({ stopReason: 'done', called: 4 });
  });

  it('resumes polling after kill -9, without uploading or submitting again', async () => {
    server.script.hold = true;
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/collect-batch-kill-child.ts', file, server.url, '5'], { cwd: repositoryRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    // Killed once it has seen its batch in progress: it is then polling, with the batch id journalled.
    await new Promise<void>((resolve, reject) => {
      let pending = '';
      child.stdout.on('data', (chunk: Buffer) => {
        pending += chunk.toString('utf8');
        if (pending.includes('"status":"in_progress"')) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.once('exit', () => reject(new Error(`the child exited before polling: ${stderr}`)));
    });
    expect(await exited).toBe('SIGKILL');
    expect(server.batches).toHaveLength(1);
    expect((await store.listBatchJobs()).map((job) => [job.state, job.batchId])).toEqual([['submitted', server.batches[0]?.id]]);
    server.script.hold = false;
    const events: string[] = [];
    const summary = await collectBatch(batchTestOptions(store, server.url, batchTestInputs(5), { onBatch: (event) => events.push(event.type) }));
    expect(events).not.toContain('submitted');
    expect(events).not.toContain('found');
    expect(server.batches).toHaveLength(1);
    expect(uploads()).toHaveLength(1);
    expect(summary).toMatchObject({ stopReason: 'done', called: 5 });
    expect(await store.listResponses()).toHaveLength(5);
  }, 60_000);
});

describe('collect.mode: batch in a task file', () => {
  it('distillery run --until collect goes through the Batch API, and a second run pays for nothing', async () => {
    const project = mkdtempSync(join(folder, 'task-'));
    const inputs = batchTestInputs(5);
    writeFileSync(join(project, 'inputs.jsonl'), inputs.map((input) => JSON.stringify({ text: input.text })).join('\n'));
    writeFileSync(join(project, 'task.yaml'), [
      'name: batch-task', 'project: .',
      `teacher: { baseURL: '${server.url}', model: batch-model, logprobs: true, topLogprobs: 2 }`,
      'prompt: { messages: [{ role: system, content: Answer positive or negative. }, { role: user, content: "{{text}}" }] }',
      'labels: [positive, negative]', 'inputs: { path: inputs.jsonl }',
      'budget: { maxUSD: 1, prices: { inputPer1M: 2.5, outputPer1M: 10 } }',
      'collect: { mode: batch, pollIntervalMs: 1, maxPollIntervalMs: 2 }', '',
    ].join('\n'));
    const first = await runCli(['run', join(project, 'task.yaml'), '--until', 'collect', '--json']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const done = jsonLines(first.stdout).find((line) => line['type'] === 'stage-done' && line['stage'] === 'collect') as { data: { called: number; spentUSD: number; message: string } } | undefined;
    expect(done?.data.called).toBe(5);
    expect(done?.data.spentUSD).toBeCloseTo(5 * BATCH_ANSWER_USD, 12);
    expect(done?.data.message).toMatch(/Through the Batch API: 1 batch\(es\), at 50% of the live price/);
    expect(server.batches).toHaveLength(1);
    const second = await runCli(['run', join(project, 'task.yaml'), '--until', 'collect', '--json']);
    expect(second.code).toBe(0);
    expect(server.batches).toHaveLength(1);
  }, 120_000);

  it('refuses batch mode with an Anthropic teacher, naming the line', async () => {
    const project = mkdtempSync(join(folder, 'task-'));
    writeFileSync(join(project, 'task.yaml'), [
      'name: batch-task', `teacher: { provider: anthropic, baseURL: '${server.url}', model: claude-x }`,
      'prompt: { messages: [{ role: user, content: "{{text}}" }] }', 'labels: [a, b]', 'inputs: { path: inputs.jsonl }',
      'budget: { maxUSD: 1 }', 'collect:', '  mode: batch', '',
    ].join('\n'));
    const result = await runCli(['run', join(project, 'task.yaml')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/task\.yaml:8:\d+: collect\.mode: collect\.mode: batch uses OpenAI's Batch API/);
  }, 60_000);
});
