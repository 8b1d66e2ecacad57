/**
 * `withCapture(client, options)`: recording for openai-node apps without a proxy. It wraps
 * `client.chat.completions.create` so that every call, plain or streamed, is recorded in the capture
 * store as the proxy would record it, after the answer (or the stream's last chunk) reached the app.
 */
import { assembleChatStream, metadataOf, modelOf, tagsOf } from './assemble.js';
import type { CaptureStore } from './capture-store.js';
import type { TokenUsage } from '../guard/usage-tap.js';

/** The part of an OpenAI client this wraps (openai-node's shape, typed loosely so any version fits). */
export interface ChatClient {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  chat: { completions: { create: (body: any, options?: any) => any } };
}

/** Where and how to record. */
export interface WithCaptureOptions {
  store: CaptureStore;
  /** Tags added to every call recorded through this client. */
  tags?: readonly string[];
}

/** The usage block of an answer or chunk in Distillery's shape, or null. */
function usageOf(value: unknown): TokenUsage | null {
  const usage = (value as { usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } | null } | null)?.usage;
  if (usage === null || usage === undefined) return null;
  const count = (field: unknown) => (typeof field === 'number' ? field : 0);
  return { promptTokens: count(usage.prompt_tokens), completionTokens: count(usage.completion_tokens) };
}

/** Replaces a stream's iterator by one that passes every chunk on and records the call after the last. */
function recordStream(stream: AsyncIterable<unknown>, done: (chunks: unknown[]) => void): void {
  const iterate = stream[Symbol.asyncIterator].bind(stream);
  (stream as { [Symbol.asyncIterator]: () => AsyncIterator<unknown> })[Symbol.asyncIterator] = async function* recorded() {
    const chunks: unknown[] = [];
    try {
      for await (const chunk of { [Symbol.asyncIterator]: iterate }) {
        chunks.push(chunk);
        yield chunk;
      }
    } finally {
      // A stream the app stopped reading early is recorded too, with what it received.
      done(chunks);
    }
  };
}

/**
 * Wraps `client.chat.completions.create` in place (and returns the client) so that every call is
 * recorded in `options.store`; answers and errors reach the caller unchanged, and a failing store
 * never fails a call. Streams are recorded when iterated with `for await`.
 */
export function withCapture<Client extends ChatClient>(client: Client, options: WithCaptureOptions): Client {
  const completions = client.chat.completions;
  const create = completions.create.bind(completions);
  const extraTags = options.tags ?? [];
  completions.create = async (body: unknown, requestOptions?: unknown) => {
    const at = Date.now();
    const started = performance.now();
    const answer: unknown = await create(body, requestOptions);
    const metadata = metadataOf(body);
    const row = (response: unknown, stream: boolean, latencyMs: number) => ({
      at, route: '/v1/chat/completions', model: modelOf(body), status: 200, latencyMs, stream,
      request: body, response, usage: usageOf(response), tags: tagsOf(undefined, metadata, extraTags), metadata,
    });
    const isStream = (body as { stream?: unknown } | null)?.stream === true && answer !== null && typeof answer === 'object' && Symbol.asyncIterator in answer;
    try {
      if (isStream) {
        recordStream(answer as AsyncIterable<unknown>, (chunks) => {
          const latencyMs = performance.now() - started;
          options.store.recordLater(() => row(assembleChatStream(chunks), true, latencyMs));
        });
      } else {
        const latencyMs = performance.now() - started;
        options.store.recordLater(() => row(answer, false, latencyMs));
      }
    } catch {
      // Recording is best effort by design: the app's call has succeeded and must not fail here.
    }
    return answer;
  };
  return client;
}
