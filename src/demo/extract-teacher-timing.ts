/**
 * How fast the extract demo's teacher answers over HTTP, through the official openai client: latency
 * one call at a time (no queueing in the figure), throughput with several calls in flight, the
 * model's own time inside compromise, and what the same calls would cost at gpt-4o-mini's listed
 * price (the tokens are the teacher's honest o200k counts). Feeds the `extract-student-vs-teacher`
 * benchmark and the demo's teacher figures.
 */
import OpenAI from 'openai';
import { summariseLatency, type LatencySummary } from '../eval/metrics.js';
import { timeChatCalls } from '../pipeline/measure-latency.js';
import { costUSD, lookupPrices } from '../teacher/prices.js';
import { EXTRACT_PROMPT } from './extract-task.js';
import { startExtractTeacherServer } from './extract-teacher-server.js';

/** The figures of one timing run. */
export interface ExtractTeacherTiming {
  /** Sentences timed (each called once one at a time, and once in the throughput pass). */
  calls: number;
  /** Wall milliseconds per call through HTTP and the openai client, one call at a time. */
  latency: LatencySummary;
  /** Calls per second with `concurrency` calls in flight. */
  throughputPerSecond: number;
  concurrency: number;
  /** Mean milliseconds inside compromise per call (the model without HTTP). */
  modelMsPerCall: number;
  /** Mean prompt and completion tokens per call, as the teacher's usage reports them. */
  promptTokensPerCall: number;
  completionTokensPerCall: number;
  /** USD per 1M calls of the same prompts and answers at gpt-4o-mini's listed price. */
  gpt4oMiniPer1MCallsUSD: number;
  /** USD per 1M calls of the local teacher: mean model CPU time priced per vCPU-hour. */
  teacherPer1MCallsUSD: number;
  cpuHourUSD: number;
}

/** How to time the teacher. */
export interface ExtractTeacherTimingOptions {
  /** Calls in flight in the throughput pass (default 4, the demo's collection concurrency). */
  concurrency?: number;
  /** Calls made before timing, so the first figures are not compromise's lazy start (default 20). */
  warmUp?: number;
  /** Price of one vCPU-hour (default 0.05, the task file's default). */
  cpuHourUSD?: number;
}

/** The demo task's messages for one sentence. */
export function extractMessages(sentence: string): Array<{ role: 'system' | 'user'; content: string }> {
  return EXTRACT_PROMPT.map((message) => ({ role: message.role, content: message.content.replace('{{text}}', sentence) }));
}

/** Runs every conversation through `client` with `concurrency` in flight; returns the usage of each. */
async function callConcurrently(client: OpenAI, model: string, conversations: ReadonlyArray<ReturnType<typeof extractMessages>>, concurrency: number): Promise<OpenAI.CompletionUsage[]> {
  const usages: OpenAI.CompletionUsage[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < conversations.length) {
      const messages = conversations[next++] ?? [];
      const completion = await client.chat.completions.create({ model, messages });
      if (completion.usage) usages.push(completion.usage);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  return usages;
}

/** Mean of a list (0 for none). */
function average(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Starts a teacher, times it on `sentences`, stops it. */
export async function timeExtractTeacher(sentences: readonly string[], options: ExtractTeacherTimingOptions = {}): Promise<ExtractTeacherTiming> {
  const { concurrency = 4, warmUp = 20, cpuHourUSD = 0.05 } = options;
  const server = await startExtractTeacherServer();
  try {
    const client = new OpenAI({ baseURL: server.url, apiKey: 'not-needed', maxRetries: 0 });
    const conversations = sentences.map((sentence) => extractMessages(sentence));
    await callConcurrently(client, server.modelName, conversations.slice(0, warmUp), 1);
    const modelBefore = server.modelMilliseconds();
    const callsBefore = server.calls();
    const samples = await timeChatCalls({ baseURL: server.url, model: server.modelName, logprobs: false }, conversations);
    const modelMsPerCall = (server.modelMilliseconds() - modelBefore) / Math.max(1, server.calls() - callsBefore);
    const started = performance.now();
    const usages = await callConcurrently(client, server.modelName, conversations, concurrency);
    const throughputPerSecond = conversations.length / ((performance.now() - started) / 1000);
    const promptTokensPerCall = average(usages.map((usage) => usage.prompt_tokens));
    const completionTokensPerCall = average(usages.map((usage) => usage.completion_tokens));
    const prices = lookupPrices('gpt-4o-mini');
    if (prices === undefined) throw new Error('gpt-4o-mini is missing from the price table');
    return {
      calls: conversations.length,
      latency: summariseLatency(samples),
      throughputPerSecond,
      concurrency,
      modelMsPerCall,
      promptTokensPerCall,
      completionTokensPerCall,
      gpt4oMiniPer1MCallsUSD: costUSD({ inputTokens: promptTokensPerCall, outputTokens: completionTokensPerCall }, prices) * 1_000_000,
      teacherPer1MCallsUSD: (modelMsPerCall / 3_600_000) * cpuHourUSD * 1_000_000,
      cpuHourUSD,
    };
  } finally {
    await server.close();
  }
}
