/**
 * Issue 8, item 2: a billed 200 that cannot be used is paid for once. A scripted (fault-injection)
 * teacher answers about 5% of 600 prompts with a broken 200 the first time it sees them (missing
 * tokens, HTML, truncated, an error body, an event stream, empty choices), and bills every 200. Two
 * runs must not send any prompt twice; a third with retryFailed sends exactly the failed ones again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collect, type CollectOptions } from '../src/collect/index.js';
import { openSqliteStore } from '../src/store/sqlite-store.js';
import { createOpenAITeacher } from '../src/teacher/openai-teacher.js';
import { costUSD } from '../src/teacher/prices.js';
import { estimateInputTokens, requestKey } from '../src/teacher/tokens.js';
import { fnv1a32 } from '../src/util/hash.js';
import { BAD_SHAPES, startScriptedTeacher, type Behaviour, type ScriptedRequest } from './scripted-teacher-server.js';

const folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-billed-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const labels = ['positive', 'negative'];
const prices = { inputPer1M: 2.5, outputPer1M: 10 };
const inputs = Array.from({ length: 600 }, (_, index) => ({ id: `prompt-${index}`, text: `prompt ${index}: was it any good?`, gold: null, source: `p:${index + 1}` }));

/** About one prompt in twenty gets a broken (but billed) 200 the first time; every later request is answered. */
function script(user: string, attempt: number): Behaviour {
  const hash = fnv1a32(user);
  if (attempt > 1 || hash % 20 !== 0) return 'answer';
  return BAD_SHAPES[(hash >>> 8) % BAD_SHAPES.length] ?? 'answer';
}

/** Prompts the server billed more than once, in `log`. */
function billedTwice(log: readonly ScriptedRequest[]): string[] {
  const counts = new Map<string, number>();
  for (const request of log) if (request.billedUSD > 0) counts.set(request.user, (counts.get(request.user) ?? 0) + 1);
  return [...counts].filter(([, count]) => count > 1).map(([user]) => user);
}

describe('billed 200s that cannot be used, against a scripted (fault-injection) teacher with ~5% broken 200s', () => {
  it('are paid once over two runs, journalled with their cost, and sent again only with retryFailed', async () => {
    const server = await startScriptedTeacher({ labels, usageFactor: 1, prices, script });
    const store = openSqliteStore(path.join(folder, 'billed.sqlite'));
    try {
      const teacher = createOpenAITeacher({ baseURL: server.baseURL, model: 'scripted', apiKey: 'test', logprobs: true, topLogprobs: 2, temperature: 0, maxTokens: 4, timeoutMs: 5000 });
      const options: CollectOptions = {
        store, teacher, inputs, labels,
        buildMessages: (input) => [{ role: 'system', content: 'Answer positive or negative.' }, { role: 'user', content: input.text }],
        requestKey: (messages) => requestKey(teacher, messages),
        estimateInputTokens,
        costUSD: (usage) => costUSD(usage, prices),
        maxOutputTokens: 4, budgetUSD: 10, concurrency: 8, maxRetries: 2, teacherURL: server.baseURL,
      };
      const broken = inputs.filter((input) => script(input.text, 1) !== 'answer');
      const first = await collect(options);
      const second = await collect(options);
      const twiceOverTwoRuns = billedTwice(server.log);
      console.log(`billed-failure figures: ${JSON.stringify({
        prompts: inputs.length, broken200s: broken.length, billedTwiceOverTwoRuns: twiceOverTwoRuns.length, requests: server.log.length,
        run1: { called: first.called, failed: first.failed }, run2: { called: second.called, failedBefore: second.failedBefore },
      })}`);
      expect(broken.length).toBeGreaterThanOrEqual(20);
      expect(twiceOverTwoRuns).toEqual([]);
      expect(server.log).toHaveLength(inputs.length);

      // Missing tokens still give a usable answer (the hard label and what logprobs were well formed); the rest fail, billed.
      const unusable = broken.filter((input) => script(input.text, 1) !== 'missing-token');
      expect(first).toMatchObject({ called: inputs.length - unusable.length, failed: unusable.length, failedBilled: unusable.length });
      expect(second).toMatchObject({ called: 0, failed: 0, failedBefore: unusable.length, cached: inputs.length - unusable.length });
      expect(second.message).toMatch(/not sent again \(pass --retry-failed/);

      // Journalled with their cost: what the body reported where it said, else the reservation's worst case.
      const attempts = await store.listBilledAttempts();
      expect(attempts.filter((attempt) => attempt.final).map((attempt) => attempt.inputId).sort()).toEqual(unusable.map((input) => input.id).sort());
      for (const attempt of attempts) {
        const shape = script(inputs.find((input) => input.id === attempt.inputId)?.text ?? '', 1);
        expect(attempt.basis).toBe(shape === 'event-stream' || shape === 'empty-choices' ? 'reported-usage' : 'worst-case');
        expect(attempt.reason).toMatch(/recorded as spent/);
      }
      // The books never undercount what the server billed.
      expect((await store.ledger()).committedUSD).toBeGreaterThanOrEqual(server.billedUSD() - 1e-12);

      const retried = await collect({ ...options, retryFailed: true });
      expect(retried).toMatchObject({ called: unusable.length, failed: 0, failedBefore: 0 });
      expect(billedTwice(server.log).sort()).toEqual(unusable.map((input) => input.text).sort());
      expect(server.log).toHaveLength(inputs.length + unusable.length);
    } finally {
      await store.close();
      await server.close();
    }
  }, 60_000);
});
