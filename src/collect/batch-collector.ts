/**
 * `collect.mode: batch`: the same collection as collector.ts (cache, budget, resume, the store's
 * answers), through OpenAI's Batch API instead of one call per input. At half the live price, with
 * results within 24 hours: for large collections where nobody waits on a single answer.
 */
import { BatchClient, type BatchClientOptions, type BatchRequestCounts } from './batch-client.js';
import { BATCH_MAX_BYTES, BATCH_MAX_REQUESTS, splitBatchFiles, type BatchFileLimits } from './batch-files.js';
import { BatchRun } from './batch-run.js';
import { Budget } from './budget.js';
import type { CollectOptions } from './collector.js';
import type { CollectEvent, CollectSummary } from './events.js';
import { planCalls, type PlannedCall } from './plan.js';
import { describeOrphans, summarise } from './summary.js';
import { UsageRatio } from './usage-ratio.js';

/** What happens to a batch job, for logs and progress. */
export type BatchEvent =
  | { type: 'submitted' | 'found'; jobId: string; batchId: string; requests: number }
  /** A poll that saw a new status or new request counts; `nextPollMs` is the wait before the next poll (null once final). */
  | { type: 'status'; jobId: string; batchId: string; status: string; requests: number; requestCounts: BatchRequestCounts | null; nextPollMs: number | null }
  | { type: 'resubmitted'; jobId: string; batchId: null; requests: number; after: string | null };

/** Everything a batch collection needs; the Batch API's client settings, clocks and limits are injectable for tests. */
export interface BatchCollectOptions extends Pick<CollectOptions,
  'store' | 'teacher' | 'inputs' | 'labels' | 'buildMessages' | 'readAnswer' | 'requestKey' | 'estimateInputTokens' | 'costUSD' | 'maxOutputTokens' | 'budgetUSD'> {
  // `teacher` must be an OpenAI-compatible one: every line carries its request parameters; `costUSD` is the live price.
  /** The Batch API's base URL and key, and how to poll it. */
  batch: Omit<BatchClientOptions, 'sleep' | 'random'>;
  /** Share of the live price a batch call costs (OpenAI: 0.5). */
  priceFactor?: number;
  /** Where input files are cut; default OpenAI's 50,000 requests and 200 MB. */
  limits?: BatchFileLimits;
  /** Times the requests an expired batch did not run are submitted again in one run; default 3. */
  maxResubmits?: number;
  retryFailed?: boolean;
  teacherURL?: string;
  onEvent?: (event: CollectEvent) => void;
  onBatch?: (event: BatchEvent) => void;
  signal?: AbortSignal;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
}

/** Sleeps, waking early when `signal` aborts. */
function abortableSleep(signal: AbortSignal | undefined): (ms: number) => Promise<void> {
  return (ms) => new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Collects teacher answers for every input not yet answered through the Batch API, resuming journalled jobs first. */
export async function collectBatch(options: BatchCollectOptions): Promise<CollectSummary> {
  const { store } = options;
  await store.addInputs(options.inputs);
  const orphanCalls = await store.abandonReservations();
  const orphans = { count: orphanCalls.length, usd: orphanCalls.reduce((sum, call) => sum + call.estimatedUSD, 0) };
  if (orphans.count > 0) options.onEvent?.({ type: 'orphans', ...orphans, calls: orphanCalls, message: describeOrphans(orphans) });
  const open = (await store.listBatchJobs()).filter((job) => job.state !== 'done');
  const plan = await planCalls(options);
  const pending = new Set(open.flatMap((job) => job.requests.map((request) => request.cacheKey)));
  const fresh = plan.calls.filter((call) => !pending.has(call.cacheKey));
  const ledger = await store.ledger();
  const openReservedUSD = open.reduce((sum, job) => sum + job.reservedUSD, 0);
  // The open jobs' reservations are in the ledger; they are held again below as in flight, not counted twice.
  const budget = new Budget(options.budgetUSD, { ...ledger, reservedUSD: Math.max(0, ledger.reservedUSD - openReservedUSD) });
  for (const job of open) budget.hold(job.reservedUSD);
  const usageRatio = await UsageRatio.load(store, options.teacher.modelId);
  const client = new BatchClient({ ...options.batch, sleep: options.sleep ?? abortableSleep(options.signal), random: options.random ?? Math.random });
  const run = new BatchRun(options, client, budget, usageRatio, new Map(plan.calls.map((call) => [call.cacheKey, call])));
  run.emit({
    type: 'start', total: options.inputs.length, cached: plan.cached, duplicates: plan.duplicates, failedBefore: plan.failedBefore, toCall: plan.calls.length,
    budgetUSD: options.budgetUSD, ledger, orphansRecovered: { ...orphans, calls: orphanCalls },
  });
  const jobs = [...open];
  for (const file of splitFresh(run, fresh, options.limits ?? { maxRequests: BATCH_MAX_REQUESTS, maxBytes: BATCH_MAX_BYTES })) {
    if (run.stop !== null) {
      run.notAttempted += file.calls.length;
      continue;
    }
    const job = await run.prepare(file.calls, file.ids);
    if (job !== null) jobs.push(job);
  }
  await Promise.all(jobs.map((job) => run.complete(job, options.maxResubmits ?? 3, open.includes(job))));
  if (run.fatal !== undefined) throw run.fatal;
  await usageRatio.save(store);
  const summary: CollectSummary = {
    total: options.inputs.length, cached: plan.cached, duplicates: plan.duplicates, called: run.called, junk: run.junk,
    failed: run.failed, failedBilled: run.failedBilled, failedBefore: plan.failedBefore, notAttempted: run.notAttempted,
    inFlightAtStop: run.inFlightAtStop, spentUSD: run.spentUSD, budgetUSD: options.budgetUSD, ledger: await store.ledger(),
    orphanedRecovered: orphans, failures: run.failures, overshoot: { ...run.overshoot }, overBudgetUSD: Math.max(0, budget.spentUSD - budget.maxUSD),
    stopReason: run.stop?.reason ?? (run.inFlightAtStop > 0 ? 'aborted' : 'done'),
    message: `${summarise({ ...run, budget }, orphans, plan.cached, plan.failedBefore)} Through the Batch API: ${run.batches} batch(es), at ${Math.round((options.priceFactor ?? 0.5) * 100)}% of the live price.`,
  };
  run.emit({ type: 'done', summary });
  return summary;
}

/** The fresh calls cut into input files within the limits; a request too large for any file fails now. */
function splitFresh(run: BatchRun, fresh: readonly PlannedCall[], limits: BatchFileLimits): Array<{ calls: PlannedCall[]; ids: string[] }> {
  const lines = fresh.map((call) => {
    const customId = run.customId();
    return { call, customId, bytes: run.line(customId, call).bytes };
  });
  const { files, tooLarge } = splitBatchFiles(lines, limits);
  for (const line of tooLarge) run.fail({ customId: line.customId, cacheKey: line.call.cacheKey, inputId: line.call.input.id }, `its request is ${line.bytes} bytes, more than a batch file may hold (${limits.maxBytes})`);
  return files.map((file) => ({ calls: file.map((line) => line.call), ids: file.map((line) => line.customId) }));
}
