/**
 * The collector against scripted rate-limiting teachers (bench/load/servers/scripted-rate-limit.ts):
 * one run collects every input into a fresh SQLite store, with the pipeline's default retries, and
 * reports answers per second and how many 429s it was given on the way.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { collect } from '../../src/collect/index.js';
import { openSqliteStore, type InputRecord } from '../../src/store/index.js';
import { SYNTHETIC_LABELS } from '../../src/student/synthetic-task.js';
import { createOpenAITeacher } from '../../src/teacher/openai-teacher.js';
import { costUSD } from '../../src/teacher/prices.js';
import { estimateInputTokens, requestKey } from '../../src/teacher/tokens.js';
import { messagesFor, TEACHER_MODEL } from './teacher-clients.js';

/** What one run against a rate-limiting server measured. */
export interface RateLimitRun {
  answered: number;
  failed: number;
  seconds: number;
  /** 429 answers the collector was given (one per retry it scheduled after a 429). */
  throttled: number;
  /** CPU time of this process (user + system) per answer, in microseconds, from the first call. */
  cpuMicrosPerAnswer: number;
  /** Seconds from the first call until 95 % of the answers were in: the rate before the run drains (the last refused calls waiting out their Retry-After). */
  secondsTo95: number;
}

/** The task file's default `teacher.maxRetries`. */
const DEFAULT_MAX_RETRIES = 5;

/**
 * Where the runs keep their stores: memory-backed /dev/shm when there is one. The journal still
 * fdatasyncs before every call, but on a disk shared with other jobs a flush takes 3 ms at the median
 * and 20-90 ms at the tail, which would drown what these runs compare (how 429s are handled); the
 * flush's own cost is measured by the collection-overhead entries.
 */
export function defaultStoreParent(): string {
  return existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
}

/** Collects `inputs` from the server at `baseURL` with `concurrency` workers, the store in a fresh folder under `storeParent`. */
export async function collectUnderRateLimits(baseURL: string, inputs: readonly InputRecord[], concurrency: number, storeParent: string = defaultStoreParent()): Promise<RateLimitRun> {
  const folder = mkdtempSync(path.join(storeParent, 'distillery-bench-ratelimit-'));
  const store = openSqliteStore(path.join(folder, 'store.db'));
  const teacher = createOpenAITeacher({ baseURL, model: TEACHER_MODEL, apiKey: 'sk-bench', logprobs: true, topLogprobs: SYNTHETIC_LABELS.length, temperature: 0, maxTokens: 1, timeoutMs: 30_000 });
  const prices = { inputPer1M: 0.15, outputPer1M: 0.6 };
  let throttled = 0;
  const answeredAt: number[] = [];
  let firstCall = performance.now();
  let cpuAtFirstCall = process.cpuUsage();
  try {
    const summary = await collect({
      store, teacher, inputs, labels: SYNTHETIC_LABELS, buildMessages: messagesFor,
      requestKey: (messages) => requestKey(teacher, messages), estimateInputTokens, costUSD: (usage) => costUSD(usage, prices),
      maxOutputTokens: 1, budgetUSD: 1_000_000, concurrency, maxRetries: DEFAULT_MAX_RETRIES, teacherURL: baseURL,
      onEvent: (event) => {
        if (event.type === 'start') {
          firstCall = performance.now();
          cpuAtFirstCall = process.cpuUsage();
        }
        if (event.type === 'retry' && event.status === 429) throttled++;
        if (event.type === 'answer') answeredAt.push(performance.now());
      },
    });
    // Timed from the first call: the rate is the server's, not the planning's.
    const cpu = process.cpuUsage(cpuAtFirstCall);
    const at95 = answeredAt[Math.max(0, Math.ceil(0.95 * answeredAt.length) - 1)] ?? performance.now();
    return {
      answered: summary.called, failed: summary.failed, seconds: (performance.now() - firstCall) / 1000, throttled,
      cpuMicrosPerAnswer: (cpu.user + cpu.system) / Math.max(1, summary.called), secondsTo95: (at95 - firstCall) / 1000,
    };
  } finally {
    await store.close();
    rmSync(folder, { recursive: true, force: true });
  }
}
