/**
 * One batch collection run: each job is journalled before it is created upstream and after every
 * step (prepared → submitted → done), so that a run killed at any point resumes where it was: a
 * prepared job is looked for upstream (by its metadata) before it is created, a submitted one is
 * polled, never submitted again. Results are mapped back into the content-addressed cache exactly as
 * live answers are; an expired batch's unfinished requests are submitted again, and only those.
 */
import { randomBytes } from 'node:crypto';
import OpenAI from 'openai';
import { StoreError } from '../store/errors.js';
import type { BatchJob, BatchRequestRef, ResponseRecord, Store } from '../store/types.js';
import { TeacherResponseError } from '../teacher/errors.js';
import { mapChatCompletion } from '../teacher/openai-response.js';
import { readClassifyAnswer } from '../task/kinds/classify.js';
import { readSafely } from '../task/kinds/read-safely.js';
import type { BatchClient, BatchStatus } from './batch-client.js';
import { batchInputLine, parseBatchResults, type BatchResultLine } from './batch-files.js';
import type { BatchCollectOptions } from './batch-collector.js';
import type { Budget } from './budget.js';
import type { CollectEvent, StopReason } from './events.js';
import type { PlannedCall } from './plan.js';
import type { UsageRatio } from './usage-ratio.js';

/** Error codes of requests a batch did not get to run: submitted again when the batch expired. */
const NOT_RUN_CODES = new Set(['batch_expired', 'batch_cancelled']);

/** The state of one batch collection run (counters in the shape summary.ts reads). */
export class BatchRun {
  readonly options: BatchCollectOptions;
  readonly store: Store;
  readonly client: BatchClient;
  readonly budget: Budget;
  readonly usageRatio: UsageRatio;
  readonly callsByKey: Map<string, PlannedCall>;
  readonly now: () => number;
  readonly priceFactor: number;
  stop: { reason: Exclude<StopReason, 'done'>; message: string } | null = null;
  /** A store failure: rethrown once every job has settled, as the live collector does. */
  fatal: unknown = undefined;
  called = 0;
  junk = 0;
  failed = 0;
  failedBilled = 0;
  notAttempted = 0;
  inFlightAtStop = 0;
  spentUSD = 0;
  batches = 0;
  readonly overshoot = { answers: 0, usd: 0 };
  readonly failures: Array<{ inputId: string; reason: string }> = [];
  #nextCustomId = 0;

  constructor(options: BatchCollectOptions, client: BatchClient, budget: Budget, usageRatio: UsageRatio, callsByKey: Map<string, PlannedCall>) {
    this.options = options;
    this.store = options.store;
    this.client = client;
    this.budget = budget;
    this.usageRatio = usageRatio;
    this.callsByKey = callsByKey;
    this.now = options.now ?? Date.now;
    this.priceFactor = options.priceFactor ?? 0.5;
  }

  emit(event: CollectEvent): void {
    this.options.onEvent?.(event);
  }

  /** Stops the run; the first reason wins. */
  halt(stop: { reason: Exclude<StopReason, 'done'>; message: string }): void {
    if (this.stop !== null) return;
    this.stop = stop;
    this.emit(stop.reason === 'budget' ? { type: 'budget-stop', reason: stop.message, spentUSD: this.budget.spentUSD, budgetUSD: this.budget.maxUSD } : { type: 'stop', reason: stop.reason, message: stop.message });
  }

  /** Cost of a call at the batch price. */
  batchCost(usage: { inputTokens: number; outputTokens: number }): number {
    return this.options.costUSD(usage) * this.priceFactor;
  }

  /** Worst case of one call at the batch price, input scaled as live reservations are. */
  estimate(call: PlannedCall): number {
    return this.batchCost({ inputTokens: this.usageRatio.reserveInputTokens(call.inputTokens), outputTokens: this.options.maxOutputTokens });
  }

  /** The input line of a call: the same body a live call sends. */
  line(customId: string, call: PlannedCall) {
    return batchInputLine(customId, { ...this.options.teacher.requestParameters, messages: call.messages });
  }

  /** A custom_id unique within this run (and so within each of its files). */
  customId(): string {
    return `r${this.#nextCustomId++}`;
  }

  /** Reserves and journals a job for `calls`; null (the run stops at the budget) when its worst case does not fit. */
  async prepare(calls: readonly PlannedCall[], ids: readonly string[]): Promise<BatchJob | null> {
    const reservedUSD = calls.reduce((sum, call) => sum + this.estimate(call), 0);
    const decision = this.budget.tryReserve(reservedUSD);
    if (!decision.fits) {
      this.halt({ reason: 'budget', message: `a batch of ${calls.length} request(s) could cost up to $${reservedUSD.toPrecision(3)} at the batch price and was not submitted: ${decision.reason}` });
      this.notAttempted += calls.length;
      return null;
    }
    const at = this.now();
    const requests: BatchRequestRef[] = calls.map((call, index) => ({ customId: ids[index] ?? this.customId(), cacheKey: call.cacheKey, inputId: call.input.id }));
    const job: BatchJob = {
      id: `job-${at.toString(36)}-${randomBytes(4).toString('hex')}`, state: 'prepared', batchId: null, inputFileId: null, outputFileId: null,
      errorFileId: null, status: null, reservedUSD, requests, createdAt: at, updatedAt: at,
    };
    await this.save(job);
    return job;
  }

  async save(job: BatchJob): Promise<void> {
    job.updatedAt = this.now();
    await this.store.saveBatchJob(job);
  }

  /** Creates the job upstream unless a run that died created it already (`resumed`: looked for by its metadata); journals the batch id. */
  async submit(job: BatchJob, resumed: boolean): Promise<void> {
    if (job.batchId !== null) return;
    const found = resumed ? await this.client.find(job.id, job.createdAt) : null;
    if (found === null) {
      if (job.inputFileId === null) {
        const known = job.requests.filter((request) => this.callsByKey.has(request.cacheKey));
        const text = known.map((request) => this.line(request.customId, this.callsByKey.get(request.cacheKey) as PlannedCall).text).join('');
        job.inputFileId = await this.client.upload(job.id, text);
        await this.save(job);
      }
      const created = await this.client.create(job.id, job.inputFileId);
      this.options.onBatch?.({ type: 'submitted', jobId: job.id, batchId: created.id, requests: job.requests.length });
      Object.assign(job, { batchId: created.id, status: created.status });
    } else {
      Object.assign(job, { batchId: found.id, inputFileId: found.inputFileId, status: found.status });
      this.options.onBatch?.({ type: 'found', jobId: job.id, batchId: found.id, requests: job.requests.length });
    }
    job.state = 'submitted';
    this.batches++;
    await this.save(job);
  }

  /** Polls the job's batch to a final status, journalling each change; null when the run was cancelled first. */
  async wait(job: BatchJob): Promise<BatchStatus | null> {
    const final = await this.client.poll(job.batchId as string, async (status, nextPollMs) => {
      const changed = job.status !== status.status;
      Object.assign(job, { status: status.status, outputFileId: status.outputFileId, errorFileId: status.errorFileId });
      this.options.onBatch?.({ type: 'status', jobId: job.id, batchId: status.id, status: status.status, requests: job.requests.length, requestCounts: status.requestCounts, nextPollMs });
      // Journalled on a change of status; new request counts alone are progress to show, not state to resume from.
      if (changed) await this.save(job);
    }, () => this.options.signal?.aborted === true);
    if (final === null) this.inFlightAtStop += job.requests.length;
    return final;
  }

  /** The results of a final batch, by custom_id: the error file first, so an output line wins. */
  async results(final: BatchStatus): Promise<Map<string, BatchResultLine>> {
    const byId = new Map<string, BatchResultLine>();
    for (const fileId of [final.errorFileId, final.outputFileId]) {
      if (fileId === null) continue;
      for (const result of parseBatchResults(await this.client.download(fileId)).results) byId.set(result.customId, result);
    }
    return byId;
  }

  /** Maps a final batch's results into the store; returns the calls it never ran (for an expired batch, to submit again). */
  async ingest(job: BatchJob, final: BatchStatus): Promise<PlannedCall[]> {
    const results = await this.results(final);
    const notRun: PlannedCall[] = [];
    let spent = 0;
    for (const request of job.requests) {
      // Committed before a crash cut this ingest short: the cache already has it.
      if ((await this.store.getResponse(request.cacheKey)) !== undefined) continue;
      const result = results.get(request.customId);
      const call = this.callsByKey.get(request.cacheKey);
      if (result !== undefined && result.statusCode === 200 && result.error === null) {
        spent += await this.commit(request, call, result, final);
      } else if (final.status === 'expired' && call !== undefined && (result === undefined || NOT_RUN_CODES.has(result.error?.code ?? ''))) {
        notRun.push(call);
      } else {
        this.fail(request, result === undefined ? `the batch ended ${final.status} without a result for it${final.errors === null ? '' : ` (${final.errors})`}` : `${result.statusCode ?? 'no status'}: ${result.error?.message ?? 'no answer'}`);
      }
    }
    job.state = 'done';
    await this.save(job);
    this.budget.settle(job.reservedUSD, spent);
    this.spentUSD += spent;
    return notRun;
  }

  /** Records a request that failed for good this run (not billed: the next run tries it again). */
  fail(request: BatchRequestRef, reason: string): void {
    this.failed++;
    this.failures.push({ inputId: request.inputId, reason });
    this.emit({ type: 'failure', inputId: request.inputId, attempts: 1, reason, billedUSD: 0 });
  }

  /** Commits one successful result as a live answer would be; returns what it cost. */
  async commit(request: BatchRequestRef, call: PlannedCall | undefined, result: BatchResultLine, final: BatchStatus): Promise<number> {
    const askedForLogprobs = this.options.teacher.requestParameters['logprobs'] === true;
    let completion;
    try {
      completion = mapChatCompletion(result.body, { messages: call?.messages ?? [], askedForLogprobs, requestId: result.requestId, warnings: [] });
    } catch (error) {
      if (!(error instanceof TeacherResponseError)) throw error;
      const billedUSD = error.usage === null ? 0 : this.batchCost(error.usage);
      const reason = `${error.message}; billed at the batch price, not sent again unless you pass --retry-failed`;
      await this.store.recordBilledAttempt({ cacheKey: request.cacheKey, inputId: request.inputId, billedUSD, basis: 'reported-usage', final: true, reason, recordedAt: this.now() });
      this.failed++;
      this.failedBilled++;
      this.failures.push({ inputId: request.inputId, reason });
      this.emit({ type: 'failure', inputId: request.inputId, attempts: 1, reason, billedUSD });
      return billedUSD;
    }
    const costUSD = this.batchCost(completion.usage);
    if (call !== undefined && !completion.usage.estimated) this.usageRatio.observe(call.inputTokens, completion.usage.inputTokens);
    if (call !== undefined && costUSD > this.estimate(call) * (1 + 1e-9)) {
      this.overshoot.answers++;
      this.overshoot.usd += costUSD - this.estimate(call);
    }
    const answer = readSafely(this.options.readAnswer ?? ((read) => readClassifyAnswer(read, this.options.labels)), completion);
    const response: ResponseRecord = {
      cacheKey: request.cacheKey, inputId: request.inputId, model: this.options.teacher.modelId, kind: answer.kind, label: answer.label,
      distribution: answer.distribution, tailMass: answer.tailMass, text: answer.text, inputTokens: completion.usage.inputTokens,
      outputTokens: completion.usage.outputTokens, costUSD, latencyMs: final.endedAt === null ? 0 : Math.max(0, final.endedAt - final.createdAt) * 1000,
      attempts: 1, createdAt: this.now(), completion,
    };
    await this.store.commitResponse(response);
    this.called++;
    if (answer.kind === 'junk') this.junk++;
    this.emit({
      type: 'answer', inputId: request.inputId, cacheKey: request.cacheKey, kind: answer.kind, label: answer.label, costUSD,
      latencyMs: response.latencyMs, attempts: 1, completed: this.called, toCall: this.callsByKey.size, spentUSD: this.spentUSD + costUSD,
    });
    return costUSD;
  }

  /** Takes a job to done: submit, poll, ingest, then the requests an expired batch did not run in a new job, up to `rounds` times. */
  async complete(job: BatchJob, rounds: number, resumed = false): Promise<void> {
    try {
      await this.submit(job, resumed);
      const final = await this.wait(job);
      if (final === null) return;
      const notRun = await this.ingest(job, final);
      if (notRun.length === 0) return;
      if (rounds <= 0 || this.stop !== null) {
        for (const call of notRun) this.fail({ customId: '', cacheKey: call.cacheKey, inputId: call.input.id }, `the batch expired before running it (${rounds <= 0 ? 'resubmitted as often as allowed' : 'the run stopped'}); the next run tries it again`);
        return;
      }
      const next = await this.prepare(notRun, notRun.map(() => this.customId()));
      if (next === null) return;
      this.options.onBatch?.({ type: 'resubmitted', jobId: next.id, batchId: null, requests: notRun.length, after: job.batchId });
      await this.complete(next, rounds - 1);
    } catch (error) {
      await this.stepFailed(job, error);
    }
  }

  /**
   * A job step that failed for good. Refused by the upstream (4xx) before it was created: nothing was
   * submitted, so the job is closed and its requests are tried by the next run. Otherwise (network,
   * 5xx after retries, or created already) the job stays journalled and the next run resumes it.
   */
  async stepFailed(job: BatchJob, error: unknown): Promise<void> {
    if (error instanceof StoreError) {
      this.fatal ??= error;
      this.stop ??= { reason: 'aborted', message: error.message };
      if (job.state !== 'done') this.inFlightAtStop += job.requests.length;
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    const status = error instanceof OpenAI.APIError ? error.status : undefined;
    if (status === 401 || status === 403) {
      this.halt({ reason: 'auth', message: `The Batch API at ${this.options.teacherURL ?? 'the teacher'} refused the API key (${message}). Check the key in teacher.apiKeyEnv.` });
    } else {
      this.halt({ reason: 'teacher-unreachable', message: `The Batch API step for job ${job.id} failed: ${message}. ${job.batchId === null && status !== undefined && status < 500 ? 'Nothing was submitted for it.' : 'The job is journalled; the next run resumes it without submitting again.'}` });
    }
    if (job.batchId === null && status !== undefined && status >= 400 && status < 500) {
      job.state = 'done';
      await this.save(job);
      this.budget.settle(job.reservedUSD, 0);
      for (const request of job.requests) this.fail(request, `the Batch API refused the batch: ${message}`);
    } else if (job.state !== 'done') {
      this.inFlightAtStop += job.requests.length;
    }
  }
}
