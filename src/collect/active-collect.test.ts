import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../store/sqlite-store.js';
import type { InputRecord, Store } from '../store/types.js';
import { taskSpecSchema } from '../task/schema.js';
import type { ChatMessage } from '../teacher/types.js';
import { seededRandom } from '../util/random.js';
import { batchSizeFor, collectActively, drawSamples, type ActiveCollectOptions, type LabelledInput, type Scorer } from './active-collect.js';
import { chooseBatch, unsureness } from './active-selection.js';
import { createFakeTeacher, softAnswer, type FakeTeacher } from './fake-teacher.js';
import { UsageRatio } from './usage-ratio.js';

const LABELS = ['positive', 'negative'];
const settings = (overrides: Record<string, unknown> = {}) => taskSpecSchema.shape.collect.parse({ selection: 'active', active: { seedSize: 20, heldOutSize: 40, batchSize: 10, batchGrowth: 0, targetAgreement: 1, ...overrides } }).active;

/** 300 inputs; every third is "hard" (the stub student is unsure of it), each with its own words so none are near-duplicates. */
const inputs: InputRecord[] = Array.from({ length: 300 }, (_, index) => {
  const text = `${index % 3 === 0 ? 'hard' : 'easy'} item ${index} word${index} other${index * 7} ${index % 2 === 0 ? 'good' : 'bad'}`;
  return { id: `id-${index}`, text, gold: null, source: `test:${index}` };
});
const isHard = (text: string) => text.startsWith('hard');

/** A student stub: sure of easy inputs, unsure (margin 0.02) of hard ones; records what it was trained on. */
function stubScorer(trainedOn: string[][]): ActiveCollectOptions['fitScorer'] {
  return (train) => {
    trainedOn.push(train.map((example) => example.input.id));
    const scorer: Scorer = (text) => (isHard(text) ? [0.51, 0.49] : text.endsWith('good') ? [0.99, 0.01] : [0.01, 0.99]);
    return scorer;
  };
}

/** The fake teacher: positive for "good", negative for "bad", with a soft distribution. */
function teacher(): FakeTeacher {
  return createFakeTeacher((call) => (call.user.endsWith('good') ? softAnswer('positive', LABELS, [0.9, 0.1]) : softAnswer('negative', LABELS, [0.1, 0.9])));
}

let store: Store;
beforeEach(() => {
  store = openSqliteStore(':memory:');
});
afterEach(async () => {
  await store.close();
});

function options(fake: FakeTeacher, overrides: Partial<ActiveCollectOptions> = {}): ActiveCollectOptions {
  return {
    store, teacher: fake, inputs, labels: LABELS, settings: settings(), fitScorer: stubScorer([]),
    buildMessages: (input): ChatMessage[] => [{ role: 'system', content: 'classify' }, { role: 'user', content: input.text }],
    requestKey: (messages) => `key:${messages.map((message) => message.content).join('|')}`,
    estimateInputTokens: () => 10,
    // $1 per call exactly (10 × 0.09 + 1 × 0.1), and reserved at $1.1 (2 output tokens).
    costUSD: (usage) => usage.inputTokens * 0.09 + usage.outputTokens * 0.1,
    maxOutputTokens: 2, budgetUSD: 1000, concurrency: 4, maxRetries: 0,
    usageRatio: new UsageRatio('fake-model', 1, { margin: 0 }), random: seededRandom(1),
    ...overrides,
  };
}

describe('active selection', () => {
  it('ranks by margin or entropy, least sure first', () => {
    expect(unsureness([0.5, 0.5], 'margin')).toBeGreaterThan(unsureness([0.9, 0.1], 'margin'));
    expect(unsureness([0.4, 0.3, 0.3], 'entropy')).toBeGreaterThan(unsureness([0.8, 0.1, 0.1], 'entropy'));
    const candidates = [
      { id: 'a', text: 'alpha one', probabilities: [0.95, 0.05] },
      { id: 'b', text: 'beta two', probabilities: [0.55, 0.45] },
      { id: 'c', text: 'gamma three', probabilities: [0.7, 0.3] },
      { id: 'd', text: 'delta four', probabilities: [0.5, 0.5] },
    ];
    expect(chooseBatch(candidates, { batchSize: 2, uncertainty: 'margin', maxSimilarity: 0.5 })).toEqual(['d', 'b']);
  });

  it('keeps near-duplicates out of one batch, and fills the batch with them only when nothing else is left', () => {
    const same = 'the quick brown fox jumps over the lazy dog';
    const candidates = [
      { id: 'a', text: same, probabilities: [0.5, 0.5] },
      { id: 'b', text: `${same}!`, probabilities: [0.5, 0.5] },
      { id: 'c', text: 'completely different words here', probabilities: [0.6, 0.4] },
    ];
    expect(chooseBatch(candidates, { batchSize: 2, uncertainty: 'margin', maxSimilarity: 0.5 })).toEqual(['a', 'c']);
    expect(chooseBatch(candidates, { batchSize: 3, uncertainty: 'margin', maxSimilarity: 0.5 })).toEqual(['a', 'c', 'b']);
    expect(chooseBatch(candidates, { batchSize: 2, uncertainty: 'margin', maxSimilarity: 1 })).toEqual(['a', 'b']);
  });

  it('asks about the inputs the student is least sure of, never the held-out ones, and never trains on the held-out sample', async () => {
    const fake = teacher();
    const trainedOn: string[][] = [];
    const rounds: number[] = [];
    const summary = await collectActively(options(fake, { fitScorer: stubScorer(trainedOn), budgetUSD: 20 + 40 + 30 + 0.5, onEvent: (event) => { if (event.type === 'round') rounds.push(event.round.round); } }));
    // Held-out and seed first (60 calls), then three batches of 10 before the budget stops it.
    expect(summary.stopReason).toBe('budget');
    expect(fake.calls).toHaveLength(90);
    expect(summary.batches).toHaveLength(4);
    // Every chosen input is a hard one (a random choice would pick about a third of them).
    for (const batch of summary.batches) expect(batch.every((id) => isHard(inputs[Number(id.slice(3))]?.text ?? ''))).toBe(true);
    const heldOut = new Set(summary.heldOutIds);
    expect(summary.batches.flat().some((id) => heldOut.has(id))).toBe(false);
    expect(summary.seedIds.some((id) => heldOut.has(id))).toBe(false);
    for (const train of trainedOn) expect(train.some((id) => heldOut.has(id))).toBe(false);
    expect(rounds).toEqual([0, 1, 2, 3, 4]);
  });

  it('draws the held-out sample at random, whatever the student says, disjoint from the pool', async () => {
    const first = drawSamples(inputs, settings());
    const again = drawSamples(inputs, settings());
    expect(again.heldOut.map((input) => input.id)).toEqual(first.heldOut.map((input) => input.id));
    const heldOut = new Set(first.heldOut.map((input) => input.id));
    expect(first.pool.some((input) => heldOut.has(input.id))).toBe(false);
    expect(first.pool.length + first.heldOut.length).toBe(inputs.length);
    // A random 40 of 300 with a third hard: between 4 and 24 hard ones (beyond ±4 standard deviations otherwise).
    const hard = first.heldOut.filter((input) => isHard(input.text)).length;
    expect(hard).toBeGreaterThan(4);
    expect(hard).toBeLessThan(24);
    // Not simply the first inputs, and another seed draws another sample.
    expect(first.heldOut.map((input) => input.id)).not.toEqual(inputs.slice(0, 40).map((input) => input.id));
    const other = drawSamples(inputs, settings({ seed: 'other' }));
    expect(other.heldOut.map((input) => input.id)).not.toEqual(first.heldOut.map((input) => input.id));
    // With a candidate filter, the held-out sample comes from it and the pool from the rest.
    const even = drawSamples(inputs, settings(), (input) => Number(input.id.slice(3)) % 2 === 0);
    expect(even.heldOut.every((input) => Number(input.id.slice(3)) % 2 === 0)).toBe(true);
    expect(even.pool.every((input) => Number(input.id.slice(3)) % 2 === 1)).toBe(true);
    // The held-out sample is the same whatever the student: it is chosen before any training.
    const summary = await collectActively(options(teacher(), { budgetUSD: 70.5, fitScorer: () => () => [0.5, 0.5] }));
    expect(summary.heldOutIds).toEqual(first.heldOut.map((input) => input.id));
  });

  it('resumes with the journalled batches and pays for no prompt twice; the whole run stays within the budget', async () => {
    const first = teacher();
    const stopped = await collectActively(options(first, { budgetUSD: 75.5 }));
    expect(stopped.stopReason).toBe('budget');
    // The last batch was cut short by the budget: 60 + 10 + 5.
    expect(first.calls).toHaveLength(75);
    expect((await store.ledger()).committedUSD).toBeLessThanOrEqual(75.5);

    const second = teacher();
    const resumed = await collectActively(options(second, { budgetUSD: 100.5 }));
    expect(resumed.batches.slice(0, stopped.batches.length)).toEqual(stopped.batches);
    const asked = [...first.calls, ...second.calls].map((call) => call.user);
    expect(new Set(asked).size).toBe(asked.length);
    // The rest of the cut batch first, then new batches until the budget: 100 calls in all.
    expect(asked).toHaveLength(100);
    expect((await store.ledger()).committedUSD).toBeCloseTo(100, 6);
    expect(resumed.stopReason).toBe('budget');
  });

  it('stops at the budget before any training when the seed cannot be bought', async () => {
    const fake = teacher();
    const trainedOn: string[][] = [];
    const summary = await collectActively(options(fake, { budgetUSD: 1.5, fitScorer: stubScorer(trainedOn) }));
    expect(summary.stopReason).toBe('budget');
    expect(fake.calls).toHaveLength(1);
    expect(trainedOn).toHaveLength(0);
    expect(summary.rounds).toHaveLength(0);
    expect(summary.collection.stopReason).toBe('budget');
  });

  it('grows the batches with the answers trained on (batchGrowth), never below batchSize; a resumed run replays them and pays nothing twice', async () => {
    expect(batchSizeFor({ batchSize: 10, batchGrowth: 0 }, 500)).toBe(10);
    expect(batchSizeFor({ batchSize: 10, batchGrowth: 0.5 }, 12)).toBe(10);
    expect(batchSizeFor({ batchSize: 10, batchGrowth: 0.5 }, 41)).toBe(21);
    const growing = settings({ batchGrowth: 0.5 });
    const first = teacher();
    const trained: number[] = [];
    const stopped = await collectActively(options(first, { settings: growing, budgetUSD: 120.5, onEvent: (event) => { if (event.type === 'round') trained.push(event.round.trainExamples); } }));
    // Seed 20: batches of 10 (half of 20), 15 (half of 30), 23 (half of 45, rounded), 34 (journalled whole, 12 bought before the budget).
    expect(stopped.batches.map((batch) => batch.length)).toEqual([10, 15, 23, 34]);
    expect(trained).toEqual([20, 30, 45, 68, 80]);
    expect(first.calls).toHaveLength(120);
    const second = teacher();
    const resumed = await collectActively(options(second, { settings: growing, budgetUSD: 200.5 }));
    expect(resumed.batches.slice(0, 4)).toEqual(stopped.batches);
    const asked = [...first.calls, ...second.calls].map((call) => call.user);
    expect(new Set(asked).size).toBe(asked.length);
    expect(asked).toHaveLength(200);
    expect((await store.ledger()).committedUSD).toBeLessThanOrEqual(200.5);
  });

  it('stops once the held-out agreement reaches the target', async () => {
    const fake = teacher();
    // A student that always agrees with the teacher (reads the same rule).
    const perfect: ActiveCollectOptions['fitScorer'] = (_train: readonly LabelledInput[]) => (text) => (text.endsWith('good') ? [0.9, 0.1] : [0.1, 0.9]);
    const summary = await collectActively(options(fake, { settings: settings({ targetAgreement: 0.95 }), fitScorer: perfect }));
    expect(summary.stopReason).toBe('target');
    expect(fake.calls).toHaveLength(60);
    expect(summary.rounds).toHaveLength(1);
    expect(summary.rounds[0]).toMatchObject({ heldOutAgreed: 40, heldOutAnswered: 40, agreement: 1, nextBatch: 0 });
  });

  it('with a target of 1 (off), spends the budget even when the held-out sample is agreed on in full', async () => {
    const fake = teacher();
    const perfect: ActiveCollectOptions['fitScorer'] = (_train: readonly LabelledInput[]) => (text) => (text.endsWith('good') ? [0.9, 0.1] : [0.1, 0.9]);
    const summary = await collectActively(options(fake, { settings: settings({ targetAgreement: 1 }), fitScorer: perfect, budgetUSD: 80.5 }));
    expect(summary.stopReason).toBe('budget');
    expect(summary.rounds[0]?.agreement).toBe(1);
    expect(fake.calls).toHaveLength(80);
  });
});
