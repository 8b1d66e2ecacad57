/**
 * The store keeps each answer's completion, so a changed reader reads stored answers again without
 * a single teacher call.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../store/sqlite-store.js';
import type { Store } from '../store/types.js';
import { readClassifyAnswer } from '../task/kinds/classify.js';
import type { AnswerReader } from '../task/kinds/types.js';
import { collect, type CollectOptions } from './collector.js';
import { createFakeTeacher, softAnswer, answer, type FakeTeacher } from './fake-teacher.js';
import { rereadResponse } from './reread.js';
import { UsageRatio } from './usage-ratio.js';

const labels = ['positive', 'negative'];
const texts = ['great', 'awful', 'fine'];

let store: Store;
beforeEach(() => {
  store = openSqliteStore(':memory:');
});
afterEach(async () => {
  await store.close();
});

/** A teacher that says "positive" (soft) for great, "negative" for awful, and "meh" (no label) for fine. */
function teacher(): FakeTeacher {
  return createFakeTeacher((call) => {
    if (call.user === 'great') return softAnswer('positive', labels, [0.8, 0.2]);
    return answer(call.user === 'awful' ? 'negative' : 'meh');
  });
}

/** Collect options for the three texts, read by `readAnswer`. */
function options(fake: FakeTeacher, readAnswer?: AnswerReader): CollectOptions {
  return {
    store, teacher: fake, labels, inputs: texts.map((text) => ({ id: text, text, gold: null, source: `test:${text}` })),
    buildMessages: (input) => [{ role: 'user', content: input.text }], requestKey: (messages) => `key:${messages[0]?.content ?? ''}`,
    estimateInputTokens: () => 10, costUSD: () => 0.001, maxOutputTokens: 2, budgetUSD: 10, concurrency: 1, maxRetries: 0,
    usageRatio: new UsageRatio('fake-model', 1, { margin: 0 }), ...(readAnswer === undefined ? {} : { readAnswer }),
  };
}

describe('re-reading stored completions', () => {
  it('a changed reader (a synonym mapping) reads stored answers again with no teacher call', async () => {
    const first = teacher();
    await collect(options(first));
    expect(first.calls).toHaveLength(3);
    const stored = await store.listResponses();
    expect(stored.find((response) => response.inputId === 'fine')).toMatchObject({ kind: 'junk', label: null });
    expect(stored.find((response) => response.inputId === 'great')?.completion?.tokens).toHaveLength(1);

    // The new reading: "meh" now means neutral, and the label set gains it.
    const newLabels = ['positive', 'negative', 'neutral'];
    const synonyms: Record<string, string> = { meh: 'neutral' };
    const reader: AnswerReader = (completion) => readClassifyAnswer({ ...completion, text: synonyms[completion.text] ?? completion.text }, newLabels);
    const reread = new Map(stored.map((response) => [response.inputId, rereadResponse(response, reader)]));
    expect(reread.get('fine')).toMatchObject({ kind: 'label', label: 'neutral', costUSD: 0.001 });
    expect(reread.get('awful')).toMatchObject({ kind: 'label', label: 'negative', distribution: null });
    // The soft label is derived again from the stored logprobs, over the new label set.
    expect(reread.get('great')?.distribution?.map((p) => Number(p.toFixed(6)))).toEqual([0.8, 0.2, 0]);

    // And a second run with the new reader pays for nothing: every request is cached.
    const second = teacher();
    const summary = await collect(options(second, reader));
    expect(second.calls).toHaveLength(0);
    expect(summary.cached).toBe(3);
  });

  it('an answer stored without a completion (before schema 3) stays as it was read', async () => {
    await store.addInputs([{ id: 'old', text: 'old', gold: null, source: 'test' }]);
    const old = { cacheKey: 'k', inputId: 'old', model: 'm', kind: 'label' as const, label: 'positive', distribution: null, tailMass: null, text: 'positive', inputTokens: 1, outputTokens: 1, costUSD: 0, latencyMs: 1, attempts: 1, createdAt: 1 };
    await store.commitResponse(old);
    const response = await store.getResponse('k');
    if (response === undefined) throw new Error('not stored');
    expect(rereadResponse(response, () => { throw new Error('must not be called'); })).toEqual(old);
  });
});

describe('a reader that throws', () => {
  it('makes the paid answer junk with the reason, stored with its completion, instead of losing it', async () => {
    const fake = teacher();
    const summary = await collect(options(fake, () => { throw new Error('reader bug'); }));
    expect(summary).toMatchObject({ called: 3, junk: 3 });
    const stored = await store.listResponses();
    expect(stored).toHaveLength(3);
    expect(stored.every((response) => response.kind === 'junk' && response.completion !== undefined)).toBe(true);
  });
});
