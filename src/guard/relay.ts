/**
 * Passing the upstream's answer to the client as it arrives: SSE event by event, anything else chunk
 * by chunk, honouring backpressure, and reading the usage on the way through.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { once } from 'node:events';
import { forwardedResponseHeaders } from './upstream-proxy.js';
import { SseUsageRelay, usageOfJson, type TokenUsage } from './usage-tap.js';

/** JSON answers larger than this are passed on but not parsed for usage: accounting must not cost unbounded memory. */
const MAX_USAGE_SCAN_BYTES = 8 * 1024 * 1024;

/** Writes `data`, waiting for the socket to drain when the client reads slower than the upstream writes. */
async function write(response: ServerResponse, data: string | Buffer): Promise<void> {
  if (data.length === 0) return;
  if (!response.write(data)) await once(response, 'drain');
}

/** Relays the upstream response to the client; resolves with the usage it reported, if any. */
export async function relayResponse(upstream: IncomingMessage, response: ServerResponse, injectedUsage: boolean): Promise<TokenUsage | null> {
  const contentType = String(upstream.headers['content-type'] ?? '');
  const isStream = contentType.includes('text/event-stream');
  response.writeHead(upstream.statusCode ?? 502, forwardedResponseHeaders(upstream.headers, isStream));
  if (isStream) {
    // The client should see the stream open before the first event, as it would from the upstream.
    response.flushHeaders();
    const events = new SseUsageRelay(injectedUsage);
    for await (const chunk of upstream as AsyncIterable<Buffer>) await write(response, events.push(chunk));
    response.end(events.flush());
    return events.usage;
  }
  const kept: Buffer[] = [];
  let size = 0;
  for await (const chunk of upstream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_USAGE_SCAN_BYTES) kept.push(chunk);
    await write(response, chunk);
  }
  response.end();
  return size <= MAX_USAGE_SCAN_BYTES && contentType.includes('json') ? usageOfJson(Buffer.concat(kept)) : null;
}
