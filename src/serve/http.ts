/**
 * Shared node:http plumbing for the OpenAI-compatible servers: JSON bodies with a size limit, JSON
 * and SSE answers, a small route table, and the single error boundary that turns every thrown error
 * into OpenAI's error shape ({error: {message, type, param, code}}), the way Hono's errors carry
 * their own response.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DistilleryError, EXIT } from '../util/errors.js';

/** The body of an OpenAI error answer. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** An error that knows its HTTP status and its OpenAI-shaped body. */
export class HttpError extends DistilleryError {
  override readonly name: string = 'HttpError';
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  readonly code: string | null;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, message: string, details: { type?: string; param?: string | null; code?: string | null; headers?: Record<string, string> } = {}) {
    super(message, { exitCode: status >= 500 ? EXIT.failure : EXIT.invalidInput, httpStatus: status, retryable: status === 408 || status === 429 || status >= 500 });
    this.status = status;
    this.type = details.type ?? (status >= 500 ? 'server_error' : 'invalid_request_error');
    this.param = details.param ?? null;
    this.code = details.code ?? null;
    this.headers = details.headers ?? {};
  }

  /** The OpenAI-shaped JSON body of this error. */
  toBody(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** A 400 for one request field, named in `param` so clients can point at it. */
export function invalidParameter(param: string, message: string, code: string | null = 'invalid_value'): HttpError {
  return new HttpError(400, message, { param, code });
}

/** Default body limit: generous for chat inputs, small enough that one request cannot exhaust memory. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** A 413 naming the limit, so the client knows what to shrink to. */
function tooLarge(maxBytes: number): HttpError {
  // Closing the connection stops a client that is still uploading; the rest of its body is not read.
  return new HttpError(413, `request body exceeds the limit of ${maxBytes} bytes`, { code: 'request_too_large', headers: { connection: 'close' } });
}

/** A 408 naming the deadline; closing the connection frees a socket whose client is still (slowly) sending. */
function tooSlow(timeoutMs: number): HttpError {
  return new HttpError(408, `the request body did not arrive within ${timeoutMs} ms`, { code: 'request_timeout', headers: { connection: 'close' } });
}

/**
 * Reads the whole body as bytes, failing with 413 as soon as it passes `maxBytes` and, when
 * `timeoutMs` is given, with 408 when it has not all arrived by then (so a client trickling bytes
 * cannot hold a connection forever). Event listeners rather than `for await`: this runs on every
 * request of the servers and the gateway, and the async iterator costs several times more.
 * After a 413 or 408 the rest of the body is left unread; the error's `connection: close` ends it.
 */
export function readBody(request: IncomingMessage, maxBytes: number, timeoutMs?: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(tooLarge(maxBytes));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const finish = (error: unknown): void => {
      clearTimeout(timer);
      request.off('data', onData).off('end', onEnd).off('error', finish).off('close', onClose);
      if (error === null) resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total));
      else reject(error);
    };
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total > maxBytes) {
        request.pause();
        finish(tooLarge(maxBytes));
      } else chunks.push(chunk);
    };
    const onEnd = (): void => finish(null);
    const onClose = (): void => finish(new Error('the client closed the connection before sending the whole body'));
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
      request.pause();
      finish(tooSlow(timeoutMs));
    }, timeoutMs);
    request.on('data', onData).once('end', onEnd).once('error', finish).once('close', onClose);
  });
}

/** Parses a JSON object body; 400 in OpenAI's shape, saying what is wrong, for anything else. */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  const text = body.toString('utf8');
  if (text.trim() === '') throw new HttpError(400, 'the request body is empty; send a JSON object', { code: 'invalid_json' });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `the request body is not valid JSON: ${(error as Error).message}`, { code: 'invalid_json' });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new HttpError(400, 'the request body must be a JSON object', { code: 'invalid_json' });
  }
  return value as Record<string, unknown>;
}

/** Reads and parses a JSON object body; 413 when too big, 400 saying what is wrong otherwise. */
export async function readJsonBody(request: IncomingMessage, maxBytes = DEFAULT_MAX_BODY_BYTES): Promise<Record<string, unknown>> {
  return parseJsonObject(await readBody(request, maxBytes));
}

/** Sends a JSON answer with an exact content-length. */
export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

/** Writes server-sent events the way OpenAI streams: `data: <json>` frames, then `data: [DONE]`. */
export class SseWriter {
  private readonly response: ServerResponse;

  constructor(response: ServerResponse, headers: Readonly<Record<string, string>> = {}) {
    this.response = response;
    response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', ...headers });
    // Send the headers now so a client sees the stream open before the first event.
    response.flushHeaders();
  }

  /** Writes one `data:` event holding `value` as JSON. */
  send(value: unknown): void {
    this.response.write(`data: ${JSON.stringify(value)}\n\n`);
  }

  /** Writes the `[DONE]` sentinel and ends the response. */
  done(): void {
    this.response.end('data: [DONE]\n\n');
  }
}

/** A route handler: validates, calls one function, serialises; throws HttpError for client mistakes. */
export type RouteHandler = (request: IncomingMessage, response: ServerResponse, path: string) => Promise<void> | void;

/** One route: an exact path, or a prefix (ending in '/') that matches anything below it. */
export interface Route {
  method: string;
  path: string;
  handler: RouteHandler;
}

/** The path of a request without its query string. */
function pathOf(request: IncomingMessage): string {
  const url = request.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** Whether `route` covers `path` (exact, or below a prefix route). */
function covers(route: Route, path: string): boolean {
  return route.path.endsWith('/') ? path.startsWith(route.path) && path.length > route.path.length : route.path === path;
}

/** Picks the handler for a request: 404 for an unknown path, 405 (with `allow`) for a wrong method. */
export function selectRoute(routes: readonly Route[], method: string, path: string): RouteHandler {
  // The common case, the first route matching both path and method, without building the list.
  for (const route of routes) if (route.method === method && covers(route, path)) return route.handler;
  const matching = routes.filter((route) => covers(route, path));
  if (matching.length === 0) {
    throw new HttpError(404, `no route for ${method} ${path}; this server answers ${routes.map((route) => `${route.method} ${route.path}`).join(', ')}`, { code: 'not_found' });
  }
  const route = matching.find((candidate) => candidate.method === method);
  if (route === undefined) {
    const allowed = [...new Set(matching.map((candidate) => candidate.method))].join(', ');
    throw new HttpError(405, `method ${method} is not allowed on ${path}; use ${allowed}`, { code: 'method_not_allowed', headers: { allow: allowed } });
  }
  return route.handler;
}

/** Hears about an unexpected error (a bug, not a refusal) with the request id its client was given. */
export type InternalErrorLog = (error: unknown, requestId: string) => void;

/** Unexpected errors go to stderr, stack included, under the id the client sees. */
const logToStderr: InternalErrorLog = (error, requestId) => {
  process.stderr.write(`distillery: internal error in request ${requestId}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
};

/**
 * Turns any error into an OpenAI-shaped JSON answer. An unexpected error becomes a generic 500 that
 * names only a request id (its message may hold paths, addresses or upstream details meant for the
 * operator); the details go to `log` under the same id.
 */
export function sendError(response: ServerResponse, error: unknown, log: InternalErrorLog = logToStderr): void {
  const requestId = error instanceof HttpError ? null : `req_${randomBytes(8).toString('hex')}`;
  if (requestId !== null) log(error, requestId);
  if (response.headersSent) {
    // A stream already started cannot change its status; cutting it tells the client it failed.
    response.destroy(error instanceof Error ? error : undefined);
    return;
  }
  const httpError = error instanceof HttpError
    ? error
    : new HttpError(500, `internal server error (request id ${requestId}); the operator's log has the details`, { code: 'internal_error', headers: { 'x-request-id': requestId ?? '' } });
  sendJson(response, httpError.status, httpError.toBody(), httpError.headers);
}

/** The node:http request listener for a route table, wrapped in the single error boundary. */
export function createRequestListener(routes: readonly Route[], log: InternalErrorLog = logToStderr): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    let handled: Promise<void> | void;
    try {
      const path = pathOf(request);
      handled = selectRoute(routes, request.method ?? 'GET', path)(request, response, path);
    } catch (error) {
      sendError(response, error, log);
      return;
    }
    handled?.catch((error: unknown) => sendError(response, error, log));
  };
}
