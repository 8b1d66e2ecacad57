import OpenAI from 'openai';
import type { Student } from '../student/types.js';
import type { ChatMessage } from '../teacher/types.js';

/** Milliseconds per student prediction, one sample per text, after a short warm-up. */
export function timeStudent(student: Student, texts: readonly string[]): number[] {
  for (const text of texts.slice(0, 20)) student.predict(text);
  return texts.map((text) => {
    const start = performance.now();
    student.predict(text);
    return performance.now() - start;
  });
}

/** Milliseconds per call to an OpenAI-compatible server, one call at a time (no queueing in the figure). */
export async function timeChatCalls(
  options: { baseURL: string; model: string; apiKey?: string; logprobs?: boolean; shouldStop?: () => boolean },
  conversations: readonly ChatMessage[][],
): Promise<number[]> {
  const client = new OpenAI({ baseURL: options.baseURL, apiKey: options.apiKey ?? 'not-needed', maxRetries: 0 });
  const samples: number[] = [];
  for (const messages of conversations) {
    // Checked between calls rather than passed as a signal: the client adds an abort listener per request.
    if (options.shouldStop?.() === true) break;
    const start = performance.now();
    await client.chat.completions.create({
      model: options.model,
      messages,
      ...(options.logprobs === false ? {} : { logprobs: true, top_logprobs: 20 }),
    });
    samples.push(performance.now() - start);
  }
  return samples;
}

/** Arithmetic mean (0 for an empty list). */
export function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}
