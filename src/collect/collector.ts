import type { InputRecord, ResponseRecord, Store } from '../store/types.js';
import { TeacherAuthError, TeacherConnectionError, TeacherError, TeacherResponseError } from '../teacher/errors.js';
import type { ChatMessage, Teacher, TeacherCompletion } from '../teacher/types.js';
import { readClassifyAnswer } from '../task/kinds/classify.js';
import { readSafely } from '../task/kinds/read-safely.js';
import type { AnswerReader } from '../task/kinds/types.js';
import { backoffDelayMs } from './backoff.js';
import { billedAttempt, chargeFor, describeCharge, type AttemptCharge } from './billed-attempts.js';
import { Budget, formatUSD } from './budget.js';
import type { CollectEvent, CollectSummary, StopReason } from './events.js';
import { planCalls, type PlannedCall } from './plan.js';
import { RateLimiter } from './rate-limiter.js';
import { describeError, isThrottle } from './teacher-failures.js';
import { validate } from './validate-options.js';
import { describeOrphans, summarise } from './summary.js';
import { describeOvershoot, UsageRatio } from './usage-ratio.js';
import { runPool, type WorkerState } from './worker-pool.js';

// Re-exported so callers can take the run's types from the module that runs it.
export type { CollectEvent, CollectSummary, StopReason } from './events.js';

/** Everything a collection run needs; clocks, sleep and randomness are injectable for tests. */
export interface CollectOptions {
  store: Store;
  teacher: Teacher;
  inputs: readonly InputRecord[];
  /** The task's labels, in task order (the teacher maps its answer onto them). */
  labels: readonly string[];
  buildMessages: (input: InputRecord) => ChatMessage[];
  /** How the task's kind reads a completion into an answer; default: classify over `labels`. */
  readAnswer?: AnswerReader;
  requestKey: (messages: ChatMessage[]) => string;
  estimateInputTokens: (messages: ChatMessage[]) => number;
  costUSD: (usage: { inputTokens: number; outputTokens: number }) => number;
  maxOutputTokens: number;
  budgetUSD: number;
  concurrency: number;
  rpm?: number;
  tpm?: number;
  maxRetries: number;
  /** What reservations scale estimates by; default: what earlier runs learned for the teacher's model (usage-ratio.ts). */
  usageRatio?: UsageRatio;
  /** Send again requests whose billed answer could not be used in an earlier run (`--retry-failed`). */
  retryFailed?: boolean;
  /** Consecutive connection failures (any worker) after which the teacher counts as unreachable; default 10. */
  maxConsecutiveConnectionFailures?: number;
  /** The teacher's base URL, for messages. */
  teacherURL?: string;
  onEvent?: (event: CollectEvent) => void;
  signal?: AbortSignal;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
}

interface Stop { reason: Exclude<StopReason, 'done'>; message: string }

/** Says where the teacher lives, for messages. */
function teacherLocation(options: CollectOptions): string {
  const baseURL = options.teacherURL ?? options.teacher.requestParameters['baseURL'];
  return typeof baseURL === 'string' ? baseURL : `${options.teacher.provider} (${options.teacher.modelId})`;
}

/** One collection run: the shared counters and the stop flag the workers consult. */
class CollectionRun {
  readonly options: CollectOptions;
  readonly store: Store;
  readonly budget: Budget;
  readonly limiter: RateLimiter;
  readonly now: () => number;
  readonly random: () => number;
  readonly sleepRaw: (ms: number) => Promise<void>;
  readonly toCall: number;
  readonly usageRatio: UsageRatio;
  stop: Stop | null = null;
  fatal: unknown = undefined;
  called = 0;
  junk = 0;
  failed = 0;
  failedBilled = 0;
  notAttempted = 0;
  readonly overshoot = { answers: 0, usd: 0 };
  inFlightAtStop = 0;
  spentUSD = 0;
  consecutiveConnectionFailures = 0;
  readonly failures: Array<{ inputId: string; reason: string }> = [];

  constructor(options: CollectOptions, budget: Budget, toCall: number, usageRatio: UsageRatio) {
    this.options = options;
    this.usageRatio = usageRatio;
    this.store = options.store;
    this.budget = budget;
    this.toCall = toCall;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.sleepRaw = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    const limits = { ...(options.rpm === undefined ? {} : { rpm: options.rpm }), ...(options.tpm === undefined ? {} : { tpm: options.tpm }) };
    this.limiter = new RateLimiter(limits, this.now);
  }

  emit(event: CollectEvent): void {
    this.options.onEvent?.(event);
  }

  /** Stops the run; the first reason wins. Nothing new is sent after this, in-flight calls finish. */
  halt(stop: Stop): void {
    if (this.stop !== null) return;
    this.stop = stop;
    this.emit(stop.reason === 'budget'
      ? { type: 'budget-stop', reason: stop.message, spentUSD: this.budget.spentUSD, budgetUSD: this.budget.maxUSD }
      : { type: 'stop', reason: stop.reason, message: stop.message });
  }

  /** Stops the run because the store failed; the error is rethrown once in-flight calls settle. */
  haltOnStoreFailure(error: unknown): void {
    if (this.fatal === undefined) this.fatal = error;
    this.stop ??= { reason: 'aborted', message: describeError(error) };
  }

  /**
   * Whether a call already under way may still be retried: after a budget stop it may (its
   * reservation already covers it), after auth, unreachable or abort it may not.
   */
  get retriesBlocked(): boolean {
    return this.stop !== null && this.stop.reason !== 'budget';
  }

  get aborted(): boolean {
    return this.options.signal?.aborted === true;
  }

  /** Sleeps, waking early if the run is aborted. */
  async sleep(ms: number): Promise<void> {
    const signal = this.options.signal;
    if (signal === undefined) return this.sleepRaw(ms);
    if (signal.aborted) return;
    let onAbort = (): void => {};
    const aborted = new Promise<void>((resolve) => {
      onAbort = resolve;
      signal.addEventListener('abort', onAbort, { once: true });
    });
    await Promise.race([this.sleepRaw(ms), aborted]);
    signal.removeEventListener('abort', onAbort);
  }

  /**
   * Processes one planned call from budget check to commit; never throws. The answer's commit is left
   * running in `worker.committing`: the worker's next reservation joins the same group commit (one
   * fsync for both), and that next call is sent only once this commit has landed.
   */
  async process(call: PlannedCall, worker: WorkerState): Promise<void> {
    if (this.stop !== null) {
      this.notAttempted++;
      return;
    }
    // Scaled by what this model's answers taught about its tokenizer (usage-ratio.ts).
    const estimateUSD = this.options.costUSD({ inputTokens: this.usageRatio.reserveInputTokens(call.inputTokens), outputTokens: this.options.maxOutputTokens });
    const decision = this.budget.tryReserve(estimateUSD);
    if (!decision.fits) {
      this.halt({ reason: 'budget', message: decision.reason });
      this.notAttempted++;
      return;
    }
    const tokens = call.inputTokens + this.options.maxOutputTokens;
    if (!(await this.limiter.acquire(tokens, (ms) => this.sleep(ms), () => this.stop !== null))) {
      this.budget.settle(estimateUSD, 0);
      this.notAttempted++;
      return;
    }
    // Durable before the request leaves: if we die mid-call, the next run knows it may be billed.
    const reserved = this.store.reserve({ cacheKey: call.cacheKey, inputId: call.input.id, estimatedUSD: estimateUSD, startedAt: this.now() })
      .then(() => null, (error: unknown) => ({ error }));
    await worker.committing;
    const failure = await reserved;
    if (failure !== null) {
      this.budget.settle(estimateUSD, 0);
      this.haltOnStoreFailure(failure.error);
      this.notAttempted++;
      return;
    }
    if (this.fatal !== undefined) {
      // An answer could not be saved: send nothing more, and take this call off the journal if the store still lets us.
      this.budget.settle(estimateUSD, 0);
      this.notAttempted++;
      await this.store.releaseReservation(call.cacheKey, 0).catch(() => undefined);
      return;
    }
    await this.attempt(call, estimateUSD, tokens, worker);
  }

  /** Sends the call, retrying retryable failures with backoff while keeping the reservation. */
  async attempt(call: PlannedCall, estimateUSD: number, tokens: number, worker: WorkerState): Promise<void> {
    let heldUSD = estimateUSD;
    let possiblyBilledUSD = 0;
    for (let attempt = 1; ; attempt++) {
      const startedAt = this.now();
      let result: TeacherCompletion;
      try {
        const signal = this.options.signal;
        result = await this.options.teacher.complete({ messages: call.messages, ...(signal === undefined ? {} : { signal }) });
      } catch (error) {
        if (this.aborted) {
          // Cancelled mid-flight: it may still be billed. The reservation stays journalled, so the
          // next run reports it as orphaned; until then count its worst case as spent.
          this.budget.settle(heldUSD, heldUSD);
          this.inFlightAtStop++;
          return;
        }
        const charge = chargeFor(error, estimateUSD, this.options.costUSD);
        if (charge.kind === 'billed') return this.giveUpBilled(call, error, charge, attempt, estimateUSD, heldUSD, possiblyBilledUSD);
        const retryDelay = this.retryDelay(error, attempt);
        const lastUSD = charge.kind === 'possibly-billed' ? charge.usd : 0;
        if (retryDelay === null) return this.giveUp(call, error, attempt, heldUSD, possiblyBilledUSD, lastUSD);
        if (charge.kind === 'possibly-billed') {
          // Durable before the retry leaves: a kill -9 during it must not lose this attempt's cost.
          if (!(await this.journalAttempt(call, charge, error, heldUSD, possiblyBilledUSD))) return;
          possiblyBilledUSD += charge.usd;
          // The failed attempt may have used up this call's reservation; the retry needs its own.
          const decision = this.budget.tryReserve(estimateUSD);
          if (!decision.fits) {
            this.halt({ reason: 'budget', message: decision.reason });
            return this.giveUp(call, error, attempt, heldUSD, possiblyBilledUSD, 0);
          }
          heldUSD += estimateUSD;
        }
        this.emit({ type: 'retry', inputId: call.input.id, attempt, delayMs: retryDelay, status: error instanceof TeacherError ? error.status : null, reason: describeError(error) });
        // A 429's wait is this call's alone: it gives its worker up meanwhile (worker-pool.ts).
        await (isThrottle(error) ? worker.pause(() => this.sleep(retryDelay)) : this.sleep(retryDelay));
        const mayContinue = !this.retriesBlocked && !this.aborted && (await this.limiter.acquire(tokens, (ms) => this.sleep(ms), () => this.retriesBlocked));
        if (!mayContinue) return this.giveUp(call, new Error('the run stopped before the retry'), attempt, heldUSD, possiblyBilledUSD, 0);
        continue;
      }
      this.consecutiveConnectionFailures = 0;
      this.limiter.answered();
      worker.committing = this.commit(call, result, attempt, this.now() - startedAt, estimateUSD, heldUSD, possiblyBilledUSD);
      return;
    }
  }

  /** The delay before retrying after `error`, or null when it must not be retried. */
  retryDelay(error: unknown, attempt: number): number | null {
    if (error instanceof TeacherAuthError) {
      this.halt({ reason: 'auth', message: `The teacher at ${teacherLocation(this.options)} refused the API key (${describeError(error)}). Check the key in teacher.apiKeyEnv; nothing more was sent.` });
      return null;
    }
    if (error instanceof TeacherConnectionError) {
      this.consecutiveConnectionFailures++;
      const limit = this.options.maxConsecutiveConnectionFailures ?? 10;
      if (this.consecutiveConnectionFailures >= limit) {
        this.halt({
          reason: 'teacher-unreachable',
          message: `The teacher at ${teacherLocation(this.options)} could not be reached: ${this.consecutiveConnectionFailures} connection failures in a row ` +
            `(last: ${describeError(error)}). Check that it is running and that teacher.baseURL is right; answers so far are saved.`,
        });
      }
    }
    // A 429 slows the shared rate down (adaptive-rate.ts); only this call waits its retry-after.
    if (isThrottle(error)) this.limiter.throttled();
    if (!(error instanceof TeacherError) || !error.isRetryable || attempt > this.options.maxRetries || this.retriesBlocked) return null;
    return backoffDelayMs(attempt, this.random, error.retryAfterMs);
  }

  /**
   * Journals a possibly billed attempt before its retry; false (the run halted, the reservation left
   * journalled for the next run to count as orphaned) when the store failed.
   */
  async journalAttempt(call: PlannedCall, charge: Exclude<AttemptCharge, { kind: 'free' }>, error: unknown, heldUSD: number, journalledUSD: number): Promise<boolean> {
    try {
      await this.store.recordBilledAttempt(billedAttempt({ cacheKey: call.cacheKey, inputId: call.input.id }, charge, describeError(error), this.now()));
      return true;
    } catch (storeError) {
      this.budget.settle(heldUSD, heldUSD);
      this.spentUSD += journalledUSD + charge.usd;
      this.haltOnStoreFailure(storeError);
      return false;
    }
  }

  /**
   * Records a call that failed for good; the input is tried again by the next run. `journalledUSD`
   * is already in the journal (attempts before retries); `lastUSD` is what the last attempt may have cost.
   */
  async giveUp(call: PlannedCall, error: unknown, attempts: number, heldUSD: number, journalledUSD: number, lastUSD: number): Promise<void> {
    this.budget.settle(heldUSD, journalledUSD + lastUSD);
    this.spentUSD += journalledUSD + lastUSD;
    try {
      await this.store.releaseReservation(call.cacheKey, lastUSD);
    } catch (storeError) {
      this.haltOnStoreFailure(storeError);
    }
    const reason = describeError(error);
    this.failed++;
    this.failures.push({ inputId: call.input.id, reason });
    this.emit({ type: 'failure', inputId: call.input.id, attempts, reason, billedUSD: journalledUSD + lastUSD });
  }

  /** Records a billed answer that could not be used: charged, journalled as final, not sent again unless asked. */
  async giveUpBilled(call: PlannedCall, error: unknown, charge: Exclude<AttemptCharge, { kind: 'free' }>, attempts: number, reservedUSD: number, heldUSD: number, journalledUSD: number): Promise<void> {
    if (error instanceof TeacherResponseError && error.usage !== null) this.usageRatio.observe(call.inputTokens, error.usage.inputTokens);
    this.checkReservation(call, charge.usd, reservedUSD, error instanceof TeacherResponseError ? error.usage?.inputTokens ?? null : null);
    this.budget.settle(heldUSD, journalledUSD + charge.usd);
    this.spentUSD += journalledUSD + charge.usd;
    const reason = `${describeError(error)}; ${describeCharge(charge)}, not sent again unless you pass --retry-failed`;
    try {
      await this.store.recordBilledAttempt(billedAttempt({ cacheKey: call.cacheKey, inputId: call.input.id }, charge, reason, this.now()));
    } catch (storeError) {
      this.haltOnStoreFailure(storeError);
    }
    this.failed++;
    this.failedBilled++;
    this.failures.push({ inputId: call.input.id, reason });
    this.emit({ type: 'failure', inputId: call.input.id, attempts, reason, billedUSD: journalledUSD + charge.usd });
  }

  /** Stops the run when a call cost more than its reservation: the budget only holds while reservations do. */
  checkReservation(call: PlannedCall, costUSD: number, reservedUSD: number, reportedInputTokens: number | null): void {
    if (!(costUSD > reservedUSD * (1 + 1e-9))) return;
    this.overshoot.answers++;
    this.overshoot.usd += costUSD - reservedUSD;
    this.halt({ reason: 'budget', message: describeOvershoot({ costUSD, reservedUSD, estimatedInputTokens: call.inputTokens, reportedInputTokens, ratio: this.usageRatio }) });
  }

  /** Settles a paid answer (junk included) at its actual cost and starts committing it; resolves when committed (never rejects). */
  commit(call: PlannedCall, result: TeacherCompletion, attempts: number, latencyMs: number, reservedUSD: number, heldUSD: number, possiblyBilledUSD: number): Promise<void> {
    const costUSD = this.options.costUSD({ inputTokens: result.usage.inputTokens, outputTokens: result.usage.outputTokens });
    if (!result.usage.estimated) this.usageRatio.observe(call.inputTokens, result.usage.inputTokens);
    this.checkReservation(call, costUSD, reservedUSD, result.usage.estimated ? null : result.usage.inputTokens);
    // The kind reads the answer; the completion is stored too, so reading it differently later costs nothing.
    const answer = readSafely(this.options.readAnswer ?? ((completion) => readClassifyAnswer(completion, this.options.labels)), result);
    const response: ResponseRecord = {
      cacheKey: call.cacheKey, inputId: call.input.id, model: this.options.teacher.modelId, kind: answer.kind, label: answer.label,
      distribution: answer.distribution, tailMass: answer.tailMass, text: answer.text, inputTokens: result.usage.inputTokens,
      outputTokens: result.usage.outputTokens, costUSD, latencyMs, attempts, createdAt: this.now(), completion: result,
    };
    this.budget.settle(heldUSD, costUSD + possiblyBilledUSD);
    this.spentUSD += costUSD + possiblyBilledUSD;
    return this.save(response);
  }

  /**
   * Writes an answer; only once it is durable does it count (and get announced). A store failure stops
   * the run. Earlier attempts that may have been billed are in the journal already (journalAttempt).
   */
  async save(response: ResponseRecord): Promise<void> {
    try {
      await this.store.commitResponse(response);
    } catch (error) {
      this.haltOnStoreFailure(error);
      return;
    }
    this.called++;
    if (response.kind === 'junk') this.junk++;
    this.emit({
      type: 'answer', inputId: response.inputId, cacheKey: response.cacheKey, kind: response.kind, label: response.label, costUSD: response.costUSD,
      latencyMs: response.latencyMs, attempts: response.attempts, completed: this.called, toCall: this.toCall, spentUSD: this.spentUSD,
    });
  }
}


/** Collects teacher answers for every input not yet answered, within budget, rate limits and retries. */
export async function collect(options: CollectOptions): Promise<CollectSummary> {
  validate(options);
  const { store } = options;
  await store.addInputs(options.inputs);
  const orphanCalls = await store.abandonReservations();
  const orphans = { count: orphanCalls.length, usd: orphanCalls.reduce((sum, call) => sum + call.estimatedUSD, 0) };
  // Told now, not only in the summary: this run may be killed too.
  if (orphans.count > 0) options.onEvent?.({ type: 'orphans', ...orphans, calls: orphanCalls, message: describeOrphans(orphans) });
  const plan = await planCalls(options);
  const ledgerAtStart = await store.ledger();
  const usageRatio = options.usageRatio ?? (await UsageRatio.load(store, options.teacher.modelId));
  const run = new CollectionRun(options, new Budget(options.budgetUSD, ledgerAtStart), plan.calls.length, usageRatio);
  run.emit({
    type: 'start', total: options.inputs.length, cached: plan.cached, duplicates: plan.duplicates, failedBefore: plan.failedBefore, toCall: plan.calls.length,
    budgetUSD: options.budgetUSD, ledger: ledgerAtStart, orphansRecovered: { ...orphans, calls: orphanCalls },
  });
  const onAbort = (): void => run.halt({ reason: 'aborted', message: 'The run was cancelled; answers so far are saved.' });
  if (options.signal?.aborted === true) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await runPool(plan.calls, options.concurrency, (call, worker) => run.process(call, worker));
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  if (run.fatal !== undefined) throw run.fatal;
  await usageRatio.save(store);
  const summary: CollectSummary = {
    total: options.inputs.length, cached: plan.cached, duplicates: plan.duplicates, called: run.called, junk: run.junk,
    failed: run.failed, failedBilled: run.failedBilled, failedBefore: plan.failedBefore, notAttempted: run.notAttempted,
    inFlightAtStop: run.inFlightAtStop, spentUSD: run.spentUSD, budgetUSD: options.budgetUSD, ledger: await store.ledger(),
    orphanedRecovered: orphans, failures: run.failures, overshoot: { ...run.overshoot }, overBudgetUSD: Math.max(0, run.budget.spentUSD - run.budget.maxUSD),
    stopReason: run.stop?.reason ?? 'done', message: summarise(run, orphans, plan.cached, plan.failedBefore),
  };
  run.emit({ type: 'done', summary });
  return summary;
}
