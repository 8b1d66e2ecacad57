/**
 * The collector with the real openai-SDK teacher and the real SQLite store, against a
 * fault-injection server that throws 429 (with Retry-After), 500s, garbage and truncated bodies at
 * it: every input still ends with one answer, the waits honour the server, and a second run sends nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collect, type CollectEvent } from '../src/collect/index.js';
import { openSqliteStore } from '../src/store/sqlite-store.js';
import { createOpenAITeacher } from '../src/teacher/openai-teacher.js';
import { costUSD } from '../src/teacher/prices.js';
import { requestKey } from '../src/teacher/tokens.js';
import { fixture, sendJSON, startFaultInjectionServer, type Script } from '../src/teacher/__fixtures__/fault-injection-server.js';

const folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-faults-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const labels = ['Positive', 'Neutral', 'Negative'];
const ok: Script = (_request, response) => sendJSON(response, 200, fixture('openai-chat-logprobs-sentiment.json'));
const rateLimited: Script = (_request, response) => sendJSON(response, 429, { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } }, { 'retry-after-ms': '120' });
const serverError: Script = (_request, response) => sendJSON(response, 500, { error: { message: 'The server had an error', type: 'server_error' } });
const garbage: Script = (_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end('{"id": "chatcmpl-1", "choices": [{"mess');
};

describe('collect against a fault-injection server', () => {
  // A truncated 200 is billed: since issue 8 (item 2) it is recorded as spent and not sent again, not retried.
  it('retries 429 / 500, honours Retry-After, stores every answer once; a truncated 200 is billed once and not re-sent', async () => {
    const server = await startFaultInjectionServer([rateLimited, ok, serverError, garbage, ok]);
    const store = openSqliteStore(path.join(folder, 'faults.sqlite'));
    try {
      const teacher = createOpenAITeacher({ baseURL: server.baseURL, model: 'gpt-4o-mini', apiKey: 'test', logprobs: true, topLogprobs: 5, temperature: 0, maxTokens: 4, timeoutMs: 5000 });
      const inputs = ['loved it', 'it was fine', 'awful', 'great cast'].map((text, index) => ({ id: `input-${index}`, text, gold: null, source: `x:${index + 1}` }));
      const events: CollectEvent[] = [];
      const options = {
        store, teacher, inputs, labels,
        buildMessages: (input: { text: string }) => [{ role: 'user' as const, content: input.text }],
        requestKey: (messages: Parameters<typeof requestKey>[1]) => requestKey(teacher, messages),
        // The recorded fixture reports 42 prompt tokens whatever the prompt: estimate that, so no answer overshoots its reservation.
        estimateInputTokens: () => 42,
        costUSD: (usage: { inputTokens: number; outputTokens: number }) => costUSD(usage, { inputPer1M: 0.15, outputPer1M: 0.6 }),
        maxOutputTokens: 4, budgetUSD: 1, concurrency: 1, maxRetries: 3, teacherURL: server.baseURL,
        onEvent: (event: CollectEvent) => events.push(event),
      };
      const summary = await collect(options);
      expect(summary.stopReason).toBe('done');
      expect(summary.called).toBe(3);
      expect(summary).toMatchObject({ failed: 1, failedBilled: 1 });
      const retries = events.filter((event): event is Extract<CollectEvent, { type: 'retry' }> => event.type === 'retry');
      expect(retries.map((event) => event.status)).toEqual([429, 500]);
      expect(retries[0]?.delayMs).toBeGreaterThanOrEqual(120);
      expect(server.requests).toHaveLength(4 + 2);
      const responses = await store.listResponses();
      expect(responses).toHaveLength(3);
      expect(responses.every((response) => response.label === 'Positive' && response.distribution !== null)).toBe(true);

      const again = await collect({ ...options, onEvent: () => {} });
      expect(again.called).toBe(0);
      expect(again).toMatchObject({ cached: 3, failedBefore: 1 });
      expect(server.requests).toHaveLength(6);
    } finally {
      await store.close();
      await server.close();
    }
  });
});
