/**
 * Issue 8, item 1: the budget holds against a teacher whose tokenizer counts differently from o200k.
 * A scripted (fault-injection) teacher reports usage of 2×, 1.5×, 1× and 0.5× our estimate and bills
 * by it; the real OpenAI client and SQLite store collect until the budget stops them. What the server
 * billed must never pass budget.maxUSD.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collect, type CollectSummary } from '../src/collect/index.js';
import { openSqliteStore } from '../src/store/sqlite-store.js';
import { createOpenAITeacher } from '../src/teacher/openai-teacher.js';
import { costUSD } from '../src/teacher/prices.js';
import { estimateInputTokens, requestKey } from '../src/teacher/tokens.js';
import { fnv1a32 } from '../src/util/hash.js';
import { startScriptedTeacher } from './scripted-teacher-server.js';

const folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-usage-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const labels = ['positive', 'negative'];
/** A budget.prices override (ten times gpt-4o's), so that $0.15 buys about a hundred calls. */
const prices = { inputPer1M: 25, outputPer1M: 100 };
const BUDGET_USD = 0.15;
const MAX_OUTPUT_TOKENS = 4;
const CONCURRENCY = 8;

/** Reviews of varied length, so the ratio is learned over prompts that differ. */
const inputs = Array.from({ length: 400 }, (_, index) => {
  const text = `review ${index}: ${'the plot was thin but the acting '.repeat(1 + (index % 5))}${index % 2 === 0 ? 'saved it' : 'did not'}`;
  return { id: `review-${index}`, text, gold: null, source: `reviews:${index + 1}` };
});

/** One run of the collector against a scripted teacher reporting `usageFactor` × the estimate. */
async function collectAgainst(name: string, usageFactor: number | ((user: string) => number)): Promise<{ summary: CollectSummary; billedUSD: number; requests: number }> {
  const server = await startScriptedTeacher({ labels, usageFactor, prices });
  const store = openSqliteStore(path.join(folder, `usage-${name}.sqlite`));
  try {
    const teacher = createOpenAITeacher({ baseURL: server.baseURL, model: `scripted-${name}`, apiKey: 'test', logprobs: true, topLogprobs: 2, temperature: 0, maxTokens: MAX_OUTPUT_TOKENS, timeoutMs: 5000 });
    const summary = await collect({
      store, teacher, inputs, labels,
      buildMessages: (input) => [{ role: 'system', content: 'Answer positive or negative.' }, { role: 'user', content: input.text }],
      requestKey: (messages) => requestKey(teacher, messages),
      estimateInputTokens,
      costUSD: (usage) => costUSD(usage, prices),
      maxOutputTokens: MAX_OUTPUT_TOKENS, budgetUSD: BUDGET_USD, concurrency: CONCURRENCY, maxRetries: 1, teacherURL: server.baseURL,
    });
    return { summary, billedUSD: server.billedUSD(), requests: server.log.length };
  } finally {
    await store.close();
    await server.close();
  }
}

describe('the budget against a scripted teacher (fault-injection) whose reported usage differs from the o200k estimate', () => {
  const figures: Record<string, unknown> = {};
  afterAll(() => console.log(`usage-budget figures (budget $${BUDGET_USD}): ${JSON.stringify(figures)}`));

  const cases: Array<[string, number | ((user: string) => number)]> = [
    ['2x', 2], ['1.5x', 1.5], ['1x', 1], ['0.5x', 0.5],
    // Prompts that differ: from 1x to 2x, by a hash of the prompt (a mix of languages, say).
    ['1x-2x by prompt', (user) => 1 + (fnv1a32(user) % 11) / 10],
  ];
  for (const [name, usageFactor] of cases) {
    it(`bills no more than budget.maxUSD when the teacher reports ${name} the estimate`, async () => {
      const { summary, billedUSD, requests } = await collectAgainst(name, usageFactor);
      figures[name] = { billedUSD: Number(billedUSD.toFixed(6)), answers: summary.called, requests, stop: summary.stopReason, overshoot: summary.overshoot };
      expect(summary.stopReason).toBe('budget');
      expect(billedUSD).toBeLessThanOrEqual(BUDGET_USD);
      // The store's books agree with the server's.
      expect(summary.ledger.committedUSD).toBeCloseTo(billedUSD, 12);
      expect(summary.overBudgetUSD).toBe(0);
      expect(summary.overshoot.answers).toBe(0);
      // Not timid either: what is left unspent is less than the worst case of one call per worker, plus one.
      const worstCall = costUSD({ inputTokens: Math.ceil(estimateInputTokens([{ role: 'user', content: inputs[4]?.text ?? '' }]) * 2.5 + 20), outputTokens: MAX_OUTPUT_TOKENS }, prices);
      expect(BUDGET_USD - billedUSD).toBeLessThan((CONCURRENCY + 1) * worstCall);
    }, 60_000);
  }
});
