import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../store/sqlite-store.js';
import type { InputRecord, Store } from '../store/types.js';
import { TeacherError } from '../teacher/errors.js';
import { seededRandom } from '../util/random.js';
import { collect, type CollectOptions } from './collector.js';
import type { CollectEvent } from './events.js';
import { answer, createFakeTeacher, type FakeTeacher } from './fake-teacher.js';

const inputs = (count: number): InputRecord[] =>
  Array.from({ length: count }, (_, index) => ({ id: `id-${index}`, text: `text ${index}`, gold: null, source: `test:${index}` }));
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const rateLimited = (retryAfterMs: number): TeacherError => new TeacherError('rate limited', { status: 429, isRetryable: true, retryAfterMs });

let store: Store;
let time: number;
let events: CollectEvent[];

beforeEach(() => {
  store = openSqliteStore(':memory:');
  time = 0;
  events = [];
});
afterEach(async () => {
  await store.close();
});

/** Collect options around a fake teacher on an injected clock; `sleep` decides how waits end. */
function options(teacher: FakeTeacher, sleep: (ms: number) => Promise<void>, overrides: Partial<CollectOptions> = {}): CollectOptions {
  return {
    store, teacher, inputs: inputs(10), labels: ['positive', 'negative'],
    buildMessages: (input) => [{ role: 'user', content: input.text }], requestKey: (messages) => `key:${messages[0]?.content}`,
    estimateInputTokens: () => 10, costUSD: () => 0.01, maxOutputTokens: 2, budgetUSD: 1000, concurrency: 2, maxRetries: 3,
    onEvent: (event) => events.push(event), sleep, now: () => time, random: seededRandom(1), ...overrides,
  };
}

describe('collect under 429s', () => {
  it('delays only the call that got a 429: the other inputs are sent and answered while it waits', async () => {
    const teacher = createFakeTeacher(async (call) => {
      await tick();
      if (call.index === 0) throw rateLimited(5000);
      return answer('positive');
    });
    let answeredBeforeTheWaitEnded: number | null = null;
    let endWait: (() => void) | null = null;
    const answered = (): number => events.filter((event) => event.type === 'answer').length;
    const sleep = (ms: number): Promise<void> => {
      if (ms !== 5000 || endWait !== null) {
        // Any other wait (the old shared pause made every worker sleep too) ends the retry-after early, so the test cannot hang.
        endWait?.();
        time += ms;
        return Promise.resolve();
      }
      return new Promise((resolve) => {
        endWait = () => {
          endWait = null;
          answeredBeforeTheWaitEnded = answered();
          time += ms;
          resolve();
        };
      });
    };
    const onEvent = (event: CollectEvent): void => {
      events.push(event);
      // Once the other nine inputs are answered, only the waiting call is left.
      if (answered() === 9) endWait?.();
    };
    const summary = await collect(options(teacher, sleep, { concurrency: 2, onEvent }));
    expect(answeredBeforeTheWaitEnded).toBe(9);
    expect(summary).toMatchObject({ called: 10, failed: 0 });
    // The refused call was retried after its own retry-after, once.
    expect(events.filter((event) => event.type === 'retry').map((event) => event.type === 'retry' && event.delayMs)).toEqual([5000]);
    expect(teacher.calls).toHaveLength(11);
  });

  it('keeps at most `concurrency` calls in flight while refused calls wait', async () => {
    const teacher = createFakeTeacher(async (call) => {
      for (let step = 0; step < 1 + (call.index % 3); step++) await tick();
      if (call.index % 4 === 1) throw rateLimited(1000);
      return answer('positive');
    });
    // Waits end after a few turns of the event loop, so refused calls come back while others are in flight.
    const sleep = async (ms: number): Promise<void> => {
      for (let step = 0; step < 5; step++) await tick();
      time += ms;
    };
    const summary = await collect(options(teacher, sleep, { inputs: inputs(60), concurrency: 4, maxRetries: 10 }));
    expect(summary).toMatchObject({ called: 60, failed: 0 });
    expect(teacher.maxInFlight).toBeLessThanOrEqual(4);
    expect(teacher.maxInFlight).toBe(4);
  });
});
