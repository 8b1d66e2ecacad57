import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../store/sqlite-store.js';
import type { Store } from '../store/types.js';
import { collect } from './collector.js';
import type { CollectEvent } from './events.js';
import { answer, createFakeTeacher } from './fake-teacher.js';
import { COLD_START_RATIO, RATIO_MARGIN, UsageRatio } from './usage-ratio.js';

let store: Store;
beforeEach(() => {
  store = openSqliteStore(':memory:');
});
afterEach(async () => {
  await store.close();
});

describe('UsageRatio', () => {
  it('reserves the cold-start multiple until an answer is seen, then the largest ratio seen plus the margin', () => {
    const ratio = new UsageRatio('m');
    expect(ratio.reserveInputTokens(100)).toBe(100 * COLD_START_RATIO);
    ratio.observe(100, 150);
    ratio.observe(100, 120);
    expect(ratio.largest).toBe(1.5);
    expect(ratio.reserveInputTokens(100)).toBe(Math.ceil(150 * (1 + RATIO_MARGIN)));
    ratio.observe(0, 10);
    ratio.observe(10, Number.NaN);
    expect(ratio.largest).toBe(1.5);
  });

  it('shrinks reservations for a teacher that counts fewer tokens than o200k', () => {
    const ratio = new UsageRatio('m');
    ratio.observe(200, 100);
    expect(ratio.reserveInputTokens(200)).toBe(Math.ceil(100 * (1 + RATIO_MARGIN)));
  });

  it('bounds a prompt shorter than any seen by the fewest tokens a longer prompt cost (a fixed template overhead)', () => {
    const ratio = new UsageRatio('m');
    // A teacher that wraps every prompt in a 30-token template: 50 estimated → 80 reported.
    ratio.observe(50, 80);
    expect(ratio.reserveInputTokens(20)).toBe(80);
    expect(ratio.reserveInputTokens(100)).toBe(Math.ceil(100 * 1.6 * (1 + RATIO_MARGIN)));
  });

  it('keeps what was learned per model between runs', async () => {
    const first = await UsageRatio.load(store, 'model-a');
    expect(first.largest).toBeNull();
    first.observe(10, 20);
    first.observe(100, 110);
    await first.save(store);
    const again = await UsageRatio.load(store, 'model-a');
    expect(again.largest).toBe(2);
    expect(again.reserveInputTokens(50)).toBe(first.reserveInputTokens(50));
    expect(again.reserveInputTokens(50)).toBe(125);
    expect((await UsageRatio.load(store, 'model-b')).largest).toBeNull();
  });
});

describe('collect with a teacher that reports more than was reserved', () => {
  it('stops at the first answer that costs more than its reservation and says so plainly', async () => {
    const events: CollectEvent[] = [];
    // Estimates of 10 tokens, reported 30: three times what a bare reservation assumes.
    const teacher = createFakeTeacher(() => answer('positive', { inputTokens: 30, outputTokens: 1 }));
    const inputs = Array.from({ length: 6 }, (_, index) => ({ id: `id-${index}`, text: `text ${index}`, gold: null, source: `t:${index}` }));
    const summary = await collect({
      store, teacher, inputs, labels: ['positive', 'negative'],
      buildMessages: (input) => [{ role: 'user', content: input.text }],
      requestKey: (messages) => messages.map((message) => message.content).join('|'),
      estimateInputTokens: () => 10,
      costUSD: (usage) => usage.inputTokens * 0.1 + usage.outputTokens * 0.5,
      maxOutputTokens: 2, budgetUSD: 1000, concurrency: 1, maxRetries: 0,
      usageRatio: new UsageRatio('fake-model', null, { coldStart: 1 }),
      onEvent: (event) => events.push(event),
    });
    // Reserved 10 × 0.1 + 2 × 0.5 = $2; the answer cost 30 × 0.1 + 0.5 = $3.50.
    expect(summary).toMatchObject({ stopReason: 'budget', called: 1, notAttempted: 5, overshoot: { answers: 1 } });
    expect(summary.overshoot.usd).toBeCloseTo(1.5, 10);
    const stop = events.find((event) => event.type === 'budget-stop');
    expect(stop?.type === 'budget-stop' && stop.reason).toMatch(/An answer cost \$3\.50, more than the \$2\.00 reserved for it \(the teacher counted 30 input tokens where o200k estimated 10/);
    expect(summary.message).toMatch(/1 answer\(s\) cost more than reserved, by \$1\.50/);
    // The next run reserves with what was learned: 3 × 1.25 × 10 tokens.
    expect((await UsageRatio.load(store, 'fake-model')).reserveInputTokens(10)).toBe(38);
  });
});
