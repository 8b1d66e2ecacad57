import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../store/sqlite-store.js';
import type { BilledAttempt, Store } from '../store/types.js';
import { TeacherConnectionError, TeacherError, TeacherResponseError, TeacherTimeoutError } from '../teacher/errors.js';
import { chargeFor } from './billed-attempts.js';
import { collect, type CollectOptions } from './collector.js';
import { answer, createFakeTeacher, type FakeBehaviour } from './fake-teacher.js';
import { UsageRatio } from './usage-ratio.js';

let store: Store;
beforeEach(() => {
  store = openSqliteStore(':memory:');
});
afterEach(async () => {
  await store.close();
});

const price = (usage: { inputTokens: number; outputTokens: number }): number => usage.inputTokens * 0.1 + usage.outputTokens * 0.5;

/** Collect options around a fake teacher; worst case 10 × 0.1 + 2 × 0.5 = $2 per call. */
function options(behave: FakeBehaviour, overrides: Partial<CollectOptions> = {}): CollectOptions {
  return {
    store, teacher: createFakeTeacher(behave), labels: ['positive', 'negative'],
    inputs: Array.from({ length: 3 }, (_, index) => ({ id: `id-${index}`, text: `text ${index}`, gold: null, source: `t:${index}` })),
    buildMessages: (input) => [{ role: 'user', content: input.text }],
    requestKey: (messages) => `key:${messages.map((message) => message.content).join('|')}`,
    estimateInputTokens: () => 10, costUSD: price, maxOutputTokens: 2, budgetUSD: 1000, concurrency: 1, maxRetries: 3,
    usageRatio: new UsageRatio('fake-model', 1, { margin: 0 }), sleep: async () => {}, ...overrides,
  };
}

describe('chargeFor', () => {
  it('charges billed answers at their reported usage, else the worst case; possibly billed attempts at the worst case', () => {
    expect(chargeFor(new TeacherResponseError('bad', { isRetryable: false, usage: { inputTokens: 20, outputTokens: 1 } }), 2, price)).toEqual({ kind: 'billed', usd: 2.5, basis: 'reported-usage' });
    expect(chargeFor(new TeacherResponseError('bad', { isRetryable: false }), 2, price)).toEqual({ kind: 'billed', usd: 2, basis: 'worst-case' });
    expect(chargeFor(new TypeError('x.toLowerCase is not a function'), 2, price)).toEqual({ kind: 'billed', usd: 2, basis: 'worst-case' });
    expect(chargeFor(new TeacherTimeoutError('slow', { isRetryable: true }), 2, price)).toEqual({ kind: 'possibly-billed', usd: 2, basis: 'worst-case' });
    expect(chargeFor(new TeacherConnectionError('reset', { isRetryable: true, mayHaveBeenSent: true }), 2, price).kind).toBe('possibly-billed');
    expect(chargeFor(new TeacherConnectionError('refused', { isRetryable: true }), 2, price).kind).toBe('free');
    expect(chargeFor(new TeacherError('429', { status: 429, isRetryable: true }), 2, price).kind).toBe('free');
  });
});

describe('collect: billed attempts', () => {
  it('journals a timed-out attempt durably before its retry is sent', async () => {
    const seenBeforeRetry: BilledAttempt[][] = [];
    const behave: FakeBehaviour = async (call) => {
      if (call.index === 0) throw new TeacherTimeoutError('no answer within 1000 ms', { isRetryable: true });
      if (call.index === 1) seenBeforeRetry.push(await store.listBilledAttempts());
      return answer('positive');
    };
    const summary = await collect(options(behave, { inputs: options(behave).inputs.slice(0, 1) }));
    expect(seenBeforeRetry[0]).toEqual([{ cacheKey: 'key:text 0', inputId: 'id-0', billedUSD: 2, basis: 'worst-case', final: false, reason: 'no answer within 1000 ms', recordedAt: expect.any(Number) }]);
    expect(summary).toMatchObject({ called: 1, failed: 0 });
    // The answer ($1.50) and the journalled attempt ($2): counted once each.
    expect(summary.spentUSD).toBeCloseTo(3.5, 10);
    expect((await store.ledger()).committedUSD).toBeCloseTo(3.5, 10);
  });

  it('records a billed answer that cannot be used once, does not retry it, and skips it next run unless retryFailed', async () => {
    const broken: FakeBehaviour = (call) => {
      if (call.user === 'text 1') throw new TeacherResponseError("the teacher's answer is not JSON", { status: 200, isRetryable: false, usage: { inputTokens: 12, outputTokens: 1 } });
      return answer('positive');
    };
    const first = await collect(options(broken));
    expect(first).toMatchObject({ called: 2, failed: 1, failedBilled: 1 });
    expect(first.failures[0]?.reason).toMatch(/not JSON; \$1\.70 recorded as spent \(the usage the answer reported\), not sent again unless you pass --retry-failed/);
    expect(await store.listReservations()).toEqual([]);
    expect((await store.ledger()).committedUSD).toBeCloseTo(1.5 * 2 + 1.7, 10);

    const again = options(broken);
    const second = await collect(again);
    expect(second).toMatchObject({ called: 0, failedBefore: 1, cached: 2 });
    expect((again.teacher as ReturnType<typeof createFakeTeacher>).calls).toHaveLength(0);

    const retry = options(() => answer('negative'), { retryFailed: true });
    expect(await collect(retry)).toMatchObject({ called: 1, failedBefore: 0 });
  });
});
