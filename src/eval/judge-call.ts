/**
 * The default `JudgeCall`: the judge model behind the Teacher seam, its answers cached in the
 * project's store under `requestKey` (the same content-addressed key as the teacher's answers, so a
 * rerun pays nothing) and its spending inside the run's budget: the worst case is reserved in memory
 * and journalled in the store before the request leaves, exactly as the collector does, so the
 * judge's money is in the same ledger and a kill -9 mid-call is counted on the next run.
 *
 * The seam is Teacher v1 (`classify` with no labels: the answer is junk as a label, its text and
 * usage are what the judge needs). Build the judge's Teacher with logprobs off and an output limit
 * that fits an explanation plus verdict (e.g. 512 tokens): a classification teacher's few tokens
 * would cut the verdict off. When the completion seam (Teacher v2) lands, `complete` replaces it.
 */
import { DistilleryError, EXIT } from '../util/errors.js';
import { requestKey } from '../teacher/request-key.js';
import { estimateInputTokens } from '../teacher/tokens.js';
import type { ChatMessage, Teacher } from '../teacher/types.js';
import type { ResponseRecord, Store } from '../store/types.js';
import type { JudgeCall, JudgeCallContext, JudgeReply } from './judge.js';

/** The budget a judge call must fit in; the collector's `Budget` is one. */
export interface JudgeBudget {
  tryReserve(estimateUSD: number): { fits: true } | { fits: false; reason: string };
  settle(reservedUSD: number, actualUSD: number): void;
}

/** The store operations the judge needs. */
export type JudgeStore = Pick<Store, 'getResponse' | 'reserve' | 'commitResponse' | 'releaseReservation'>;

/** What the store-backed judge call needs. */
export interface StoreJudgeCallOptions {
  /** The judge model (by default the task's teacher model, with a judge's settings). */
  judge: Teacher;
  store: JudgeStore;
  budget: JudgeBudget;
  /** USD of a call's token usage at the judge's prices (teacher/prices.ts `costUSD` with them). */
  costUSD: (usage: { inputTokens: number; outputTokens: number }) => number;
  /** The judge's output limit, for the worst case reserved before each call. */
  maxOutputTokens: number;
  now?: () => number;
}

/** The judge's spending would pass the budget: nothing was sent (exit 3, as for the teacher). */
export class JudgeBudgetError extends DistilleryError {
  override readonly name: string = 'JudgeBudgetError';
  constructor(reason: string) {
    super(`judge stopped: ${reason}`, { exitCode: EXIT.budget });
  }
}

/** A JudgeCall over a Teacher, cached in the store by request key and reserved against the budget. */
export function createStoreJudgeCall(options: StoreJudgeCallOptions): JudgeCall {
  const now = options.now ?? Date.now;
  return async (messages: ChatMessage[], context: JudgeCallContext): Promise<JudgeReply> => {
    const cacheKey = requestKey(options.judge, messages);
    const cached = await options.store.getResponse(cacheKey);
    if (cached !== undefined) return { text: cached.text, costUSD: 0 };
    if (context.inputId === undefined) throw new DistilleryError('a judge call needs the input id it is about (the store journals calls per input)');
    const estimateUSD = options.costUSD({ inputTokens: estimateInputTokens(messages), outputTokens: options.maxOutputTokens });
    const decision = options.budget.tryReserve(estimateUSD);
    if (!decision.fits) throw new JudgeBudgetError(decision.reason);
    const startedAt = now();
    try {
      await options.store.reserve({ cacheKey, inputId: context.inputId, estimatedUSD: estimateUSD, startedAt });
    } catch (error) {
      options.budget.settle(estimateUSD, 0);
      throw error;
    }
    let result;
    try {
      result = await options.judge.complete({ messages });
    } catch (error) {
      // What a failed call cost is not known here: count its worst case, so the budget stays a bound.
      options.budget.settle(estimateUSD, estimateUSD);
      await options.store.releaseReservation(cacheKey, estimateUSD).catch(() => undefined);
      throw error;
    }
    const costUSD = options.costUSD(result.usage);
    options.budget.settle(estimateUSD, costUSD);
    const response: ResponseRecord = {
      cacheKey, inputId: context.inputId, model: options.judge.modelId, kind: 'junk', label: null, distribution: null, tailMass: null,
      text: result.text, inputTokens: result.usage.inputTokens, outputTokens: result.usage.outputTokens, costUSD, completion: result,
      latencyMs: now() - startedAt, attempts: 1, createdAt: now(),
    };
    await options.store.commitResponse(response);
    return { text: result.text, costUSD };
  };
}
