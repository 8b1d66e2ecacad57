/**
 * The recording proxy (`distillery capture`): an OpenAI-compatible endpoint the app points its
 * baseURL at. Every request goes to the upstream with the app's own credentials and the answer comes
 * back unchanged, chunk by chunk (the guard's forwarding and relay code); chat and text completions
 * are recorded in the capture store once the answer has left.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import http from 'node:http';
import https from 'node:https';
import { relayResponse } from '../guard/relay.js';
import { forwardedRequestHeaders, sendUpstream, type UpstreamTarget } from '../guard/upstream-proxy.js';
import type { TokenUsage } from '../guard/usage-tap.js';
import { DEFAULT_MAX_BODY_BYTES, readBody, sendError } from '../serve/http.js';
import { listen, type ListeningServer } from '../serve/listen.js';
import { assembleChatStream, metadataOf, modelOf, sseChunks, tagsOf } from './assemble.js';
import type { CaptureStore, CapturedCall } from './capture-store.js';

/** The request header carrying the call's tags, comma-separated; not forwarded upstream. */
export const TAGS_HEADER = 'x-distillery-tags';

/** Answers larger than this pass through but are not kept for the row: capture must not cost unbounded memory. */
const MAX_RECORDED_BYTES = 8 * 1024 * 1024;

/** Routes whose calls are recorded; everything else (models, embeddings…) is only forwarded. */
const RECORDED_ROUTES = /\/(chat\/)?completions$/;

/** How to run the recording proxy. */
export interface CaptureProxyOptions {
  /** Upstream base URL ending in /v1. */
  upstream: string;
  store: CaptureStore;
  host?: string;
  port?: number;
  /** Idle limit in ms before 504 or a cut stream. */
  upstreamTimeoutMs?: number;
  maxBodyBytes?: number;
  /** Tags added to every recorded call. */
  tags?: readonly string[];
}

/** What one recorded exchange left behind, turned into a row after the answer has gone. */
interface Exchange { at: number; route: string; body: Buffer; answer: Buffer[] | null; status: number; isStream: boolean; latencyMs: number; usage: TokenUsage | null; tagHeader: string | string[] | undefined }

/** The body as JSON, or its text when it is not JSON. */
function parsed(body: Buffer): unknown {
  const text = body.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The row for one exchange: bodies parsed, a stream's answer assembled. */
function callOf(exchange: Exchange, extraTags: readonly string[]): CapturedCall {
  const request = parsed(exchange.body);
  const metadata = metadataOf(request);
  const text = exchange.answer === null ? null : Buffer.concat(exchange.answer);
  const response = text === null ? null : exchange.isStream ? assembleChatStream(sseChunks(text.toString('utf8'))) : parsed(text);
  return {
    at: exchange.at, route: exchange.route, model: modelOf(request), status: exchange.status, latencyMs: exchange.latencyMs, stream: exchange.isStream,
    request, response, usage: exchange.usage, tags: tagsOf(exchange.tagHeader, metadata, extraTags), metadata,
  };
}

/** Handles one request: forward, relay, then queue its row. */
async function handle(options: CaptureProxyOptions, target: UpstreamTarget, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const at = Date.now();
  const started = performance.now();
  const method = request.method ?? 'GET';
  const route = request.url ?? '/';
  const body = method === 'GET' || method === 'HEAD' ? null : await readBody(request, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, 10_000);
  const headers = forwardedRequestHeaders(request.headers);
  delete headers[TAGS_HEADER];
  // The app's own key goes upstream: the proxy records, it does not stand in for the app.
  if (request.headers.authorization !== undefined) headers.authorization = request.headers.authorization;
  const upstream = sendUpstream(target, { method, route, headers, body });
  response.once('close', () => {
    if (!response.writableFinished) upstream.cancel();
  });
  const answer = await upstream.response;
  const recorded = body !== null && method === 'POST' && RECORDED_ROUTES.test(route);
  const parts: Buffer[] = [];
  let size = 0;
  // A second listener keeps a copy as the answer passes; the relay's flow control still governs the upstream.
  if (recorded) {
    answer.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_RECORDED_BYTES) parts.push(chunk);
    });
  }
  const isStream = String(answer.headers['content-type'] ?? '').includes('text/event-stream');
  const usage = await relayResponse(answer, response, false);
  if (!recorded) return;
  const exchange: Exchange = {
    at, route, body, answer: size <= MAX_RECORDED_BYTES ? parts : null, status: answer.statusCode ?? 0, isStream,
    latencyMs: performance.now() - started, usage, tagHeader: request.headers[TAGS_HEADER],
  };
  options.store.recordLater(() => callOf(exchange, options.tags ?? []));
}

/** Starts the recording proxy; resolves once it accepts connections. */
export async function startCaptureProxy(options: CaptureProxyOptions): Promise<ListeningServer> {
  const agent = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  const target: UpstreamTarget = { baseUrl: options.upstream, apiKey: null, timeoutMs: options.upstreamTimeoutMs ?? 120_000, agent };
  const server = await listen((request, response) => {
    handle(options, target, request, response).catch((error: unknown) => {
      // Before the answer started: an OpenAI-shaped error (502/504 from the upstream, 413/408 for the body). After: cut, as the upstream did.
      if (!response.headersSent) sendError(response, error);
      else response.destroy();
    });
  }, options.host ?? '127.0.0.1', options.port ?? 0);
  return {
    ...server,
    close: async () => {
      await server.close();
      agent.http.destroy();
      agent.https.destroy();
    },
  };
}
