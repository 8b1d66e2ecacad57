/**
 * Three ways to make the same N chat-completion calls with the same concurrency against the same
 * local OpenAI-compatible server, for the collection-overhead benchmark:
 *  - `bareUndiciCalls`: the ceiling — an undici Pool, one JSON body per input, each answer parsed;
 *  - `sdkCalls`: the official openai SDK alone (what Distillery's teacher is built on);
 *  - `collectorCalls`: the real collector (`collect()`), with the OpenAI teacher and a SQLite store,
 *    driven the way the pipeline's collect stage drives it (budget, journal, cache keys, token estimates).
 * Each returns its wall time and the CPU time this process spent, so overhead shows even on a busy machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { Pool } from 'undici';
import { collect } from '../../src/collect/index.js';
import { openSqliteStore, type InputRecord } from '../../src/store/index.js';
import { SYNTHETIC_LABELS, syntheticExamples } from '../../src/student/synthetic-task.js';
import { createOpenAITeacher } from '../../src/teacher/openai-teacher.js';
import { costUSD } from '../../src/teacher/prices.js';
import { estimateInputTokens, requestKey } from '../../src/teacher/tokens.js';
import type { ChatMessage } from '../../src/teacher/types.js';
import { sha256Hex } from '../../src/util/hash.js';

/** The model name sent; the constant server answers any. */
export const TEACHER_MODEL = 'constant';
const TOP_LOGPROBS = SYNTHETIC_LABELS.length;

/** What one client run measured. */
export interface CallRun {
  calls: number;
  seconds: number;
  /** CPU time of this process (user + system) per call, in microseconds. */
  cpuMicrosPerCall: number;
  /** Collector only: seconds before the first call (adding inputs, the cache look-ups, token estimates). */
  planSeconds?: number;
}

/** `count` distinct inputs of the synthetic task (ids as read-inputs makes them). */
export function collectionInputs(count: number, seed: number): InputRecord[] {
  return syntheticExamples(count, seed).map((example, index) => {
    const text = `${example.text} #${seed}-${index}`;
    return { id: sha256Hex(text).slice(0, 32), text, gold: null, source: `bench:${index}` };
  });
}

/** The messages every client sends for an input (exported for the rate-limit runs). */
export function messagesFor(input: InputRecord): ChatMessage[] {
  return [{ role: 'system', content: `Classify the text as one of: ${SYNTHETIC_LABELS.join(', ')}. Answer with the label only.` }, { role: 'user', content: input.text }];
}

/** The request body the SDK (and so the collector) sends: the bare loop sends the same. */
function requestBody(input: InputRecord): string {
  return JSON.stringify({ model: TEACHER_MODEL, messages: messagesFor(input), temperature: 0, max_tokens: 1, logprobs: true, top_logprobs: TOP_LOGPROBS });
}

/** Runs `work` over the inputs with `concurrency` workers, timing it in wall and CPU time. */
async function timed(inputs: readonly InputRecord[], concurrency: number, work: (input: InputRecord) => Promise<void>): Promise<CallRun> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < inputs.length) await work(inputs[next++] as InputRecord);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { calls: inputs.length, seconds, cpuMicrosPerCall: (used.user + used.system) / inputs.length };
}

/** The ceiling: undici's Pool with `concurrency` connections, parsing every answer. */
export async function bareUndiciCalls(baseURL: string, inputs: readonly InputRecord[], concurrency: number): Promise<CallRun> {
  const url = new URL(`${baseURL}/chat/completions`);
  const pool = new Pool(url.origin, { connections: concurrency });
  const headers = { 'content-type': 'application/json', authorization: 'Bearer sk-bench' };
  try {
    return await timed(inputs, concurrency, async (input) => {
      const response = await pool.request({ path: url.pathname, method: 'POST', headers, body: requestBody(input) });
      const body = (await response.body.json()) as { choices?: Array<{ message?: { content?: string } }> };
      if (response.statusCode !== 200 || typeof body.choices?.[0]?.message?.content !== 'string') throw new Error(`bare loop: unexpected answer (HTTP ${response.statusCode})`);
    });
  } finally {
    await pool.close();
  }
}

/** The openai SDK alone: `chat.completions.create` per input, no collector around it. */
export async function sdkCalls(baseURL: string, inputs: readonly InputRecord[], concurrency: number): Promise<CallRun> {
  const client = new OpenAI({ baseURL, apiKey: 'sk-bench', maxRetries: 0 });
  return timed(inputs, concurrency, async (input) => {
    const completion = await client.chat.completions.create({ model: TEACHER_MODEL, messages: messagesFor(input), temperature: 0, max_tokens: 1, logprobs: true, top_logprobs: TOP_LOGPROBS });
    if (typeof completion.choices[0]?.message.content !== 'string') throw new Error('SDK loop: unexpected answer');
  });
}

/** The real collector into a fresh SQLite store: every input is a cache miss, so every one is a call. */
export async function collectorCalls(baseURL: string, inputs: readonly InputRecord[], concurrency: number): Promise<CallRun> {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-bench-collect-'));
  const store = openSqliteStore(path.join(folder, 'store.db'));
  const teacher = createOpenAITeacher({ baseURL, model: TEACHER_MODEL, apiKey: 'sk-bench', logprobs: true, topLogprobs: TOP_LOGPROBS, temperature: 0, maxTokens: 1, timeoutMs: 30_000 });
  const prices = { inputPer1M: 0.15, outputPer1M: 0.6 };
  const cpu = process.cpuUsage();
  const started = performance.now();
  let firstCall = started;
  try {
    const summary = await collect({
      store, teacher, inputs, labels: SYNTHETIC_LABELS, buildMessages: messagesFor,
      requestKey: (messages) => requestKey(teacher, messages), estimateInputTokens, costUSD: (usage) => costUSD(usage, prices),
      maxOutputTokens: 1, budgetUSD: 1_000_000, concurrency, maxRetries: 0, teacherURL: baseURL,
      onEvent: (event) => {
        if (event.type === 'start') firstCall = performance.now();
      },
    });
    if (summary.called !== inputs.length) throw new Error(`collector: ${summary.called} of ${inputs.length} answered: ${summary.message}`);
  } finally {
    await store.close();
    rmSync(folder, { recursive: true, force: true });
  }
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { calls: inputs.length, seconds, cpuMicrosPerCall: (used.user + used.system) / inputs.length, planSeconds: (firstCall - started) / 1000 };
}
