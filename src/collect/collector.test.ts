import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../store/errors.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import type { InputRecord, Store } from '../store/types.js';
import { TeacherAuthError, TeacherConnectionError, TeacherError, TeacherTimeoutError } from '../teacher/errors.js';
import type { ChatMessage } from '../teacher/types.js';
import { seededRandom } from '../util/random.js';
import { collect, type CollectOptions } from './collector.js';
import type { CollectEvent } from './events.js';
import { UsageRatio } from './usage-ratio.js';
import { answer, createFakeTeacher, type FakeBehaviour, type FakeTeacher } from './fake-teacher.js';

const inputs = (count: number): InputRecord[] =>
  Array.from({ length: count }, (_, index) => ({ id: `id-${index}`, text: `text ${index}`, gold: null, source: `test:${index}` }));

/** Lets other workers run between steps of a fake call. */
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

let store: Store;
let time: number;
let sleeps: number[];
let events: CollectEvent[];

beforeEach(() => {
  store = openSqliteStore(':memory:');
  time = 0;
  sleeps = [];
  events = [];
});
afterEach(async () => {
  await store.close();
});

/** Collect options around a fake teacher, on an injected clock and sleep. */
function options(teacher: FakeTeacher, overrides: Partial<CollectOptions> = {}): CollectOptions {
  return {
    store, teacher, inputs: inputs(10), labels: ['positive', 'negative'],
    buildMessages: (input): ChatMessage[] => [{ role: 'system', content: 'classify' }, { role: 'user', content: input.text }],
    requestKey: (messages) => `key:${messages.map((message) => message.content).join('|')}`,
    estimateInputTokens: () => 10,
    // $0.1 per input token, $0.5 per output token: worst case 10 × 0.1 + 2 × 0.5 = $2 per call.
    costUSD: (usage) => usage.inputTokens * 0.1 + usage.outputTokens * 0.5,
    maxOutputTokens: 2, budgetUSD: 1000, concurrency: 3, maxRetries: 3,
    // The fake teacher reports exactly the estimate: reserve it bare, so the budget arithmetic below holds
    // (learning the ratio is pinned in collector-usage.test.ts).
    usageRatio: new UsageRatio('fake-model', 1, { margin: 0 }),
    onEvent: (event) => events.push(event),
    sleep: async (ms) => { sleeps.push(ms); time += ms; },
    now: () => time,
    random: seededRandom(1),
    ...overrides,
  };
}

const positive: FakeBehaviour = async () => {
  await tick();
  return answer('positive');
};

describe('collect', () => {
  it('collects every input once, then serves a second run from the cache without paying again', async () => {
    const teacher = createFakeTeacher(positive);
    const first = await collect(options(teacher));
    expect(first).toMatchObject({ total: 10, cached: 0, called: 10, failed: 0, stopReason: 'done' });
    expect(first.spentUSD).toBeCloseTo(15, 10); // 10 × (10 × 0.1 + 1 × 0.5)
    expect(first.ledger).toEqual({ committedUSD: first.spentUSD, orphanedUSD: 0, reservedUSD: 0 });
    expect((await store.listResponses()).map((response) => response.inputId).sort()).toEqual(inputs(10).map((input) => input.id).sort());
    expect(await store.listReservations()).toEqual([]);
    expect(events[0]).toMatchObject({ type: 'start', total: 10, cached: 0, toCall: 10 });
    expect(events.at(-1)).toMatchObject({ type: 'done' });

    const again = createFakeTeacher(positive);
    const second = await collect(options(again));
    expect(again.calls).toHaveLength(0);
    expect(second).toMatchObject({ cached: 10, called: 0, spentUSD: 0, stopReason: 'done' });
  });

  it('makes one call for inputs whose requests are identical', async () => {
    const teacher = createFakeTeacher(positive);
    const same = inputs(4).map((input, index) => ({ ...input, text: index < 3 ? 'same text' : input.text }));
    const summary = await collect(options(teacher, { inputs: same }));
    expect(teacher.calls).toHaveLength(2);
    expect(summary).toMatchObject({ duplicates: 2, called: 2 });
  });

  it('never exceeds the budget: stops before a call whose worst case would not fit', async () => {
    // Worst case $2 per call, actual $1.5; $9 admits calls while spent + in flight + 2 <= 9.
    const teacher = createFakeTeacher(positive);
    const summary = await collect(options(teacher, { budgetUSD: 9, concurrency: 3 }));
    expect(summary.stopReason).toBe('budget');
    expect(summary.ledger.committedUSD + summary.ledger.orphanedUSD + summary.ledger.reservedUSD).toBeLessThanOrEqual(9);
    expect(summary.spentUSD).toBeLessThanOrEqual(9);
    expect(teacher.calls.length).toBe(summary.called);
    expect(summary.called).toBe(5); // 5 × 1.5 = 7.5; a sixth would risk 7.5 + 2 > 9
    expect(summary.notAttempted).toBe(5);
    expect(summary.message).toMatch(/budget of \$9\.00 reached/);
    expect(events.filter((event) => event.type === 'budget-stop')).toHaveLength(1);
  });

  it('counts earlier spending, orphans included, against the budget', async () => {
    await store.addInputs(inputs(1));
    await store.reserve({ cacheKey: 'leftover', inputId: 'id-0', estimatedUSD: 7, startedAt: 0 });
    const teacher = createFakeTeacher(positive);
    const summary = await collect(options(teacher, { budgetUSD: 9, concurrency: 1 }));
    expect(summary.orphanedRecovered).toEqual({ count: 1, usd: 7 });
    expect(summary.called).toBe(1);
    expect(summary.ledger.committedUSD + summary.ledger.orphanedUSD).toBeLessThanOrEqual(9);
    expect(summary.message).toMatch(/1 call\(s\) were in flight when an earlier run stopped.*\$7\.00 is counted as spent/);
    // Told at once (item 4 of issue 8), then again in the start event and the summary.
    expect(events[0]).toMatchObject({ type: 'orphans', count: 1, usd: 7 });
    expect(events[1]).toMatchObject({ type: 'start', orphansRecovered: { count: 1, usd: 7 } });
  });

  it('retries a rate-limited call after the retry-after it was given, keeping its reservation', async () => {
    const reservedDuringRetry: number[] = [];
    const teacher = createFakeTeacher(async (call) => {
      reservedDuringRetry.push((await store.listReservations()).length);
      if (call.index < 2) throw new TeacherError('rate limited', { status: 429, isRetryable: true, retryAfterMs: 1234 });
      return answer('negative');
    });
    const summary = await collect(options(teacher, { inputs: inputs(1) }));
    expect(summary).toMatchObject({ called: 1, failed: 0 });
    expect(sleeps).toEqual([1234, 1234]);
    expect(reservedDuringRetry).toEqual([1, 1, 1]);
    expect((await store.listResponses())[0]?.attempts).toBe(3);
    expect(events.filter((event) => event.type === 'retry').map((event) => event.type === 'retry' && event.status)).toEqual([429, 429]);
  });

  it('gives up after maxRetries, releases the reservation, and the next run tries again', async () => {
    const failing = createFakeTeacher(() => {
      throw new TeacherError('server error', { status: 503, isRetryable: true });
    });
    const summary = await collect(options(failing, { inputs: inputs(2), maxRetries: 2, concurrency: 1 }));
    expect(failing.calls).toHaveLength(6);
    expect(summary).toMatchObject({ failed: 2, called: 0, stopReason: 'done', spentUSD: 0 });
    expect(sleeps).toHaveLength(4);
    expect(sleeps.every((ms) => ms >= 0 && ms < 1000)).toBe(true);
    expect(await store.listReservations()).toEqual([]);
    expect(await store.ledger()).toEqual({ committedUSD: 0, orphanedUSD: 0, reservedUSD: 0 });
    expect(summary.message).toMatch(/2 input\(s\) failed and will be tried again/);

    const working = createFakeTeacher(positive);
    expect(await collect(options(working, { inputs: inputs(2) }))).toMatchObject({ called: 2, failed: 0 });
  });

  it('finishes the retries of a call already under way after a budget stop, within its reservation', async () => {
    const teacher = createFakeTeacher(async (call) => {
      await tick();
      if (call.user === 'text 0' && call.index === 0) {
        // Fail only after the other call has finished and the run has hit the budget.
        for (let step = 0; step < 5; step++) await tick();
        throw new TeacherError('overloaded', { status: 529, isRetryable: true });
      }
      return answer('positive');
    });
    // $5 admits two $2 worst cases; the third call does not fit and stops the run.
    const summary = await collect(options(teacher, { inputs: inputs(5), budgetUSD: 5, concurrency: 2 }));
    expect(summary.stopReason).toBe('budget');
    expect(events.findIndex((event) => event.type === 'budget-stop')).toBeLessThan(events.findIndex((event) => event.type === 'retry'));
    expect(summary).toMatchObject({ called: 2, failed: 0 });
    expect(teacher.calls.map((call) => call.user).sort()).toEqual(['text 0', 'text 0', 'text 1']);
    expect(summary.ledger.committedUSD).toBeLessThanOrEqual(5);
  });

  it('does not retry a non-retryable error', async () => {
    const teacher = createFakeTeacher(() => {
      throw new TeacherError('bad request', { status: 400, isRetryable: false });
    });
    const summary = await collect(options(teacher, { inputs: inputs(1) }));
    expect(teacher.calls).toHaveLength(1);
    expect(summary.failures).toEqual([{ inputId: 'id-0', reason: '400: bad request' }]);
  });

  it('counts a timed-out attempt as possibly billed, on the ledger and against the budget', async () => {
    const teacher = createFakeTeacher((call) => {
      if (call.index === 0) throw new TeacherTimeoutError('timed out', { isRetryable: true });
      return answer('positive');
    });
    const summary = await collect(options(teacher, { inputs: inputs(1) }));
    expect(summary.called).toBe(1);
    expect(summary.spentUSD).toBeCloseTo(1.5 + 2, 10);
    expect((await store.ledger()).committedUSD).toBeCloseTo(3.5, 10);
  });

  it('stops the whole run on an authentication error and sends nothing more', async () => {
    const teacher = createFakeTeacher(async () => {
      await tick();
      throw new TeacherAuthError('invalid api key', { status: 401, isRetryable: false });
    });
    const summary = await collect(options(teacher, { inputs: inputs(20), concurrency: 4, teacherURL: 'http://127.0.0.1:9/v1' }));
    expect(summary.stopReason).toBe('auth');
    expect(teacher.calls.length).toBeLessThanOrEqual(4);
    expect(summary.message).toMatch(/http:\/\/127\.0\.0\.1:9\/v1 refused the API key/);
    expect(summary.notAttempted).toBe(20 - teacher.calls.length);
    expect(await store.listReservations()).toEqual([]);
  });

  it('stops as unreachable after many connection failures in a row, naming the URL', async () => {
    const teacher = createFakeTeacher(async () => {
      await tick();
      throw new TeacherConnectionError('connect ECONNREFUSED 127.0.0.1:9', { isRetryable: true });
    });
    const summary = await collect(options(teacher, { inputs: inputs(50), concurrency: 4, maxRetries: 5, maxConsecutiveConnectionFailures: 6, teacherURL: 'http://127.0.0.1:9/v1' }));
    expect(summary.stopReason).toBe('teacher-unreachable');
    expect(summary.message).toContain('http://127.0.0.1:9/v1 could not be reached');
    expect(teacher.calls.length).toBeLessThan(6 + 4);
    expect(summary.failed + summary.notAttempted).toBe(50);
    expect(await store.listReservations()).toEqual([]);
  });

  it('on abort, stops sending, and leaves calls cut off in flight journalled for the next run to report', async () => {
    const controller = new AbortController();
    const teacher = createFakeTeacher((call) => new Promise((resolve, reject) => {
      if (call.index < 4) {
        setImmediate(() => resolve(answer('positive')));
        return;
      }
      if (call.index === 6) setImmediate(() => controller.abort());
      call.signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
    }));
    const summary = await collect(options(teacher, { inputs: inputs(20), concurrency: 3, signal: controller.signal }));
    expect(summary.stopReason).toBe('aborted');
    expect(summary.called).toBe(4);
    expect(teacher.calls).toHaveLength(7);
    expect(summary.inFlightAtStop).toBe(3);
    expect(await store.listReservations()).toHaveLength(3);

    const next = await collect(options(createFakeTeacher(positive), { inputs: inputs(20) }));
    expect(next.orphanedRecovered.count).toBe(3);
    expect(next).toMatchObject({ cached: 4, called: 16 });
  });

  it('never has more calls in flight than the concurrency', async () => {
    const teacher = createFakeTeacher(async (call) => {
      for (let step = 0; step < 1 + (call.index % 4); step++) await tick();
      return answer('positive');
    });
    await collect(options(teacher, { inputs: inputs(40), concurrency: 5 }));
    expect(teacher.calls).toHaveLength(40);
    expect(teacher.maxInFlight).toBe(5);
  });

  it('keeps to the requests-per-minute limit on the injected clock', async () => {
    const starts: number[] = [];
    const teacher = createFakeTeacher(() => {
      starts.push(time);
      return answer('positive');
    });
    await collect(options(teacher, { inputs: inputs(5), concurrency: 1, rpm: 2 }));
    expect(starts).toEqual([0, 0, 30_000, 60_000, 90_000]);
  });

  it('commits junk answers as junk, with their cost', async () => {
    const teacher = createFakeTeacher(() => answer('no idea'));
    const summary = await collect(options(teacher, { inputs: inputs(2) }));
    expect(summary).toMatchObject({ called: 2, junk: 2 });
    const stored = await store.listResponses();
    expect(stored.map((response) => [response.kind, response.label, response.costUSD])).toEqual([['junk', null, 1.5], ['junk', null, 1.5]]);
  });

  it('stops loudly when an answer cannot be saved, leaving its reservation journalled', async () => {
    const failingStore: Store = {
      kind: 'failing', addInputs: (list) => store.addInputs(list), countInputs: () => store.countInputs(), listInputs: () => store.listInputs(),
      getResponse: (key) => store.getResponse(key), listResponses: () => store.listResponses(), reserve: (call) => store.reserve(call),
      releaseReservation: (key, billed) => store.releaseReservation(key, billed), listReservations: () => store.listReservations(),
      recordBilledAttempt: (attempt) => store.recordBilledAttempt(attempt), listBilledAttempts: () => store.listBilledAttempts(),
      abandonReservations: () => store.abandonReservations(), ledger: () => store.ledger(), saveSplits: (splits) => store.saveSplits(splits),
      listSplits: () => store.listSplits(), getState: (key) => store.getState(key), setState: (key, value) => store.setState(key, value),
      saveBatchJob: (job) => store.saveBatchJob(job), listBatchJobs: () => store.listBatchJobs(),
      close: async () => {},
      commitResponse: async () => {
        throw new StoreError('The disk is full while saving in /tmp/x.sqlite. Answers committed before this point are intact.', { reason: 'disk-full', file: '/tmp/x.sqlite' });
      },
    };
    const teacher = createFakeTeacher(positive);
    await expect(collect(options(teacher, { store: failingStore, inputs: inputs(10), concurrency: 2 }))).rejects.toThrow(/disk is full/);
    expect(teacher.calls.length).toBeLessThanOrEqual(2);
    expect((await store.listReservations()).length).toBe(teacher.calls.length);
  });

  it('rejects nonsensical options before spending anything', async () => {
    const teacher = createFakeTeacher(positive);
    await expect(collect(options(teacher, { concurrency: 0 }))).rejects.toThrow(/concurrency must be an integer >= 1/);
    expect(teacher.calls).toHaveLength(0);
  });
});
