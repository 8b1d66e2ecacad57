/**
 * The suspect model, called like a teacher: through the project's OpenAI-compatible client, priced
 * with the teacher price table and held to a budget with the collector's `Budget` (each call
 * reserves its worst case before it starts, so the total never passes the maximum). Failures become
 * one `SuspectError` line: unreachable, refusing the key or the request, or answering nothing.
 */
import { Budget } from '../collect/index.js';
import { costUSD, createOpenAITeacher, estimateInputTokens, resolvePrices, TeacherError, TeacherResponseError, type ChatMessage, type Prices, type Teacher } from '../teacher/index.js';
import { DistilleryError, EXIT, UsageError } from '../util/errors.js';

/** The suspect could not be used: unreachable, refusing, or answering nothing (exit 4, like a teacher). */
export class SuspectError extends DistilleryError {
  override readonly name: string = 'SuspectError';
  constructor(message: string, cause?: unknown) {
    super(message, { exitCode: EXIT.teacher, httpStatus: 502, cause });
  }
}

/** How to reach and pay for a suspect. */
export interface SuspectOptions {
  baseURL: string;
  model: string;
  apiKey: string;
  /** Longest answer asked for (the worst case the budget reserves). */
  maxTokens: number;
  temperature: number;
  /** Dollars the run may spend on the suspect. */
  budgetUSD: number;
  /** USD per 1M tokens; default the teacher price table (free for an unknown model on this machine). */
  prices?: Prices;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** One answer of the suspect. */
export interface SuspectAnswer {
  text: string;
  costUSD: number;
}

/** A budgeted suspect: `ask` answers, or undefined when the next call would not fit the budget. */
export interface Suspect {
  readonly model: string;
  readonly baseURL: string;
  readonly prices: Prices;
  ask(messages: ChatMessage[]): Promise<SuspectAnswer | undefined>;
  /** Runs one call of worst-case cost `estimateUSD` within the budget (undefined when it does not fit); `run` says what it cost. */
  budgeted<T>(estimateUSD: number, run: () => Promise<{ value: T; costUSD: number }>): Promise<T | undefined>;
  /** The client options, for calls other than chat (reading mode). */
  readonly options: Readonly<SuspectOptions>;
  spentUSD(): number;
  /** Why the last `ask` returned undefined. */
  budgetReason(): string | undefined;
}

const RETRIES = 2;

/** The price of the suspect's tokens, or a usage error naming the flags that give it. */
export function suspectPrices(model: string, baseURL: string, override?: Prices): Prices {
  try {
    return resolvePrices(model, override, baseURL).prices;
  } catch {
    throw new UsageError(`no built-in prices for the suspect model "${model}": give --price-input and --price-output (USD per 1M tokens) so its calls can be budgeted`);
  }
}

/** Turns a teacher failure into one line about the suspect. */
export function suspectFailure(error: unknown, baseURL: string): SuspectError {
  if (error instanceof TeacherResponseError) return new SuspectError(`the suspect at ${baseURL} answered with something that is not a chat completion: ${error.message}`, error);
  if (error instanceof TeacherError) {
    const status = error.status === null ? '' : ` (HTTP ${error.status})`;
    const what = error.status === 401 || error.status === 403 ? 'refused the API key' : error.status === null ? 'could not be reached' : 'refused the request';
    return new SuspectError(`the suspect at ${baseURL} ${what}${status}: ${error.message}`, error);
  }
  return new SuspectError(`the suspect at ${baseURL} failed: ${(error as Error).message}`, error);
}

/** Waits `milliseconds` (between retries of a throttled or failing call). */
const pause = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/** Calls `teacher`, retrying a retryable failure twice with backoff. */
async function completeWithRetries(teacher: Teacher, messages: ChatMessage[], baseURL: string): Promise<Awaited<ReturnType<Teacher['complete']>>> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await teacher.complete({ messages });
    } catch (error) {
      const retryable = error instanceof TeacherError && error.isRetryable;
      if (!retryable || attempt >= RETRIES) throw suspectFailure(error, baseURL);
      await pause(error.retryAfterMs ?? 250 * 2 ** attempt);
    }
  }
}

/** Creates the budgeted suspect client. */
export function createSuspect(options: SuspectOptions): Suspect {
  const prices = suspectPrices(options.model, options.baseURL, options.prices);
  const teacher = createOpenAITeacher({
    baseURL: options.baseURL, model: options.model, apiKey: options.apiKey, logprobs: false, topLogprobs: 0,
    temperature: options.temperature, maxTokens: options.maxTokens, timeoutMs: options.timeoutMs ?? 60_000,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  const budget = new Budget(options.budgetUSD, { committedUSD: 0, orphanedUSD: 0, reservedUSD: 0 });
  let lastReason: string | undefined;
  async function budgeted<T>(estimateUSD: number, run: () => Promise<{ value: T; costUSD: number }>): Promise<T | undefined> {
    const decision = budget.tryReserve(estimateUSD);
    if (!decision.fits) {
      lastReason = decision.reason.replace('Raise budget.maxUSD to continue.', 'Raise --budget-usd to continue.');
      return undefined;
    }
    let spent = estimateUSD;
    try {
      const { value, costUSD: actual } = await run();
      spent = actual;
      return value;
    } finally {
      budget.settle(estimateUSD, spent);
    }
  }
  return {
    model: options.model, baseURL: options.baseURL, prices, options, budgeted,
    ask: (messages) => budgeted(costUSD({ inputTokens: estimateInputTokens(messages), outputTokens: options.maxTokens }, prices), async () => {
      const completion = await completeWithRetries(teacher, messages, options.baseURL);
      const spent = costUSD(completion.usage, prices);
      return { value: { text: completion.text, costUSD: spent }, costUSD: spent };
    }),
    spentUSD: () => budget.spentUSD,
    budgetReason: () => lastReason,
  };
}
