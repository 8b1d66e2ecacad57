/**
 * Passing the upstream's answer to the client as it arrives: SSE event by event, a small JSON answer
 * in one piece, anything larger chunk by chunk, honouring backpressure, and reading the usage on the way through.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { forwardedResponseHeaders } from './upstream-proxy.js';
import { SseUsageRelay, usageOfJson, type TokenUsage } from './usage-tap.js';

/** JSON answers larger than this are passed on but not parsed for usage: accounting must not cost unbounded memory. */
const MAX_USAGE_SCAN_BYTES = 8 * 1024 * 1024;

/** Reads usage on the way through: SSE events for a stream, the kept bytes of a JSON body otherwise. */
class UsageReader {
  readonly #events: SseUsageRelay | null;
  readonly #kept: Buffer[] = [];
  #size = 0;

  constructor(isStream: boolean, injectedUsage: boolean, readonly contentType: string) {
    this.#events = isStream ? new SseUsageRelay(injectedUsage) : null;
  }

  /** Takes one upstream chunk; returns what to pass on (a stream may hold back a partial or injected event). */
  push(chunk: Buffer): string | Buffer {
    if (this.#events !== null) return this.#events.push(chunk);
    this.#size += chunk.length;
    if (this.#size <= MAX_USAGE_SCAN_BYTES) this.#kept.push(chunk);
    return chunk;
  }

  /** What is left to pass on at the end. */
  flush(): string {
    return this.#events === null ? '' : this.#events.flush();
  }

  /** The usage the upstream reported, if any. */
  usage(): TokenUsage | null {
    if (this.#events !== null) return this.#events.usage;
    if (this.#size > MAX_USAGE_SCAN_BYTES || !this.contentType.includes('json')) return null;
    return usageOfJson(this.#kept.length === 1 ? (this.#kept[0] as Buffer) : Buffer.concat(this.#kept));
  }
}

/**
 * A JSON answer up to this size is held and passed on in one write when complete: a chat completion
 * is a few hundred bytes, and writing it chunk by chunk as it arrives costs more than everything else
 * the relay does. A larger answer streams chunk by chunk.
 */
const HOLD_BYTES = 64 * 1024;

/** Rewrites an SSE stream's complete events on the way through (see ResponseRewriter). */
export interface StreamRewriter {
  /** Takes complete events; returns what to pass on. */
  push(events: string): string;
  /** What is still held at the end of the stream. */
  flush(): string;
}

/**
 * Rewrites a successful answer on the way through (the guard's watermark): a JSON answer whole, a
 * stream event by event; announced to the client in `x-distillery-watermark`, never silently.
 */
export interface ResponseRewriter {
  /** The value of the `x-distillery-watermark` header, when this rewriter is a watermark. */
  readonly header?: string;
  rewriteBody(body: Buffer): Buffer;
  stream(): StreamRewriter;
}

/** Joins held chunks without copying the usual single one. */
const joined = (chunks: readonly Buffer[]): Buffer => (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));

/**
 * Relays the upstream response to the client; resolves with the usage it reported, if any, and
 * rejects when the upstream breaks off mid-answer. Listeners rather than `for await`: this runs on
 * every proxied request, and the async iterator costs several times more.
 */
export function relayResponse(upstream: IncomingMessage, response: ServerResponse, injectedUsage: boolean, rewriter?: ResponseRewriter, extraHeaders: OutgoingHttpHeaders = {}): Promise<TokenUsage | null> {
  const contentType = String(upstream.headers['content-type'] ?? '');
  const isStream = contentType.includes('text/event-stream');
  const status = upstream.statusCode ?? 502;
  // Only a successful answer is rewritten: an error body is the upstream's own words.
  const rewrite = rewriter !== undefined && status >= 200 && status < 300 && (isStream || contentType.includes('json')) ? rewriter : undefined;
  const headers = { ...forwardedResponseHeaders(upstream.headers, isStream || rewrite !== undefined), ...extraHeaders };
  response.writeHead(status, rewrite?.header === undefined ? headers : { ...headers, 'x-distillery-watermark': rewrite.header });
  // The client should see a stream open before the first event, as it would from the upstream.
  if (isStream) response.flushHeaders();
  const reader = new UsageReader(isStream, injectedUsage, contentType);
  const events = isStream ? rewrite?.stream() : undefined;
  // A rewritten JSON answer is held whole (up to the usage scan limit; beyond it, passed on unchanged).
  const holdLimit = rewrite === undefined ? HOLD_BYTES : MAX_USAGE_SCAN_BYTES;
  let rewriteHeld = rewrite !== undefined;
  let held: Buffer[] | null = isStream ? null : [];
  let heldBytes = 0;
  return new Promise((resolve, reject) => {
    const resume = (): void => void upstream.resume();
    const send = (data: string | Buffer): void => {
      // Backpressure: a client reading slower than the upstream writes pauses the upstream.
      if (data.length > 0 && !response.write(data)) {
        upstream.pause();
        response.once('drain', resume);
      }
    };
    const finish = (error: Error | null): void => {
      upstream.off('data', onData).off('end', onEnd).off('close', onClose);
      response.off('drain', resume);
      if (error !== null) return reject(error);
      if (held === null) response.end(events === undefined ? reader.flush() : events.push(reader.flush()) + events.flush());
      else response.end(rewriteHeld && rewrite !== undefined ? rewrite.rewriteBody(joined(held)) : joined(held));
      resolve(reader.usage());
    };
    const onData = (chunk: Buffer): void => {
      const data = reader.push(chunk);
      if (held === null) return send(events === undefined ? data : events.push(String(data)));
      held.push(chunk);
      heldBytes += chunk.length;
      if (heldBytes <= holdLimit) return;
      const all = joined(held);
      held = null;
      rewriteHeld = false;
      send(all);
    };
    const onEnd = (): void => finish(null);
    const onClose = (): void => finish(new Error('the upstream closed the connection mid-answer'));
    upstream.on('data', onData).once('end', onEnd).once('close', onClose);
  });
}
