/**
 * Forwarding one request to the upstream: which headers may cross, where the request goes, and how
 * network failures become OpenAI-shaped 502/504 answers.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import { urlToHttpOptions } from 'node:url';
import { HttpError } from '../serve/http.js';

/** Headers that describe one connection, not the message (RFC 9110 §7.6.1): never forwarded either way. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/**
 * Request headers the gateway sets itself or must not pass on: the client's credentials (the upstream
 * gets the gateway's own key), cookies, the host and length (recomputed), and accept-encoding (so the
 * upstream answers uncompressed and usage can be read on the way through).
 */
const NOT_FORWARDED_REQUEST = new Set(['authorization', 'cookie', 'host', 'content-length', 'accept-encoding', 'expect', 'forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-real-ip']);

/** Names listed in a Connection header, which are hop-by-hop for this message too. */
function connectionTokens(headers: IncomingHttpHeaders): Set<string> {
  const value = headers.connection;
  const text = Array.isArray(value) ? value.join(',') : value ?? '';
  return new Set(text.split(',').map((token) => token.trim().toLowerCase()).filter((token) => token !== ''));
}

/** The client's headers that may reach the upstream. */
export function forwardedRequestHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const listed = connectionTokens(headers);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || NOT_FORWARDED_REQUEST.has(name) || listed.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/** The upstream's headers that may reach the client; `dropLength` when the gateway changes the body. */
export function forwardedResponseHeaders(headers: IncomingHttpHeaders, dropLength: boolean): OutgoingHttpHeaders {
  const listed = connectionTokens(headers);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || listed.has(name) || (dropLength && name === 'content-length')) continue;
    out[name] = value;
  }
  return out;
}

/** The upstream URL for a gateway route: `/v1/chat/completions` under base `http://host/v1` is `http://host/v1/chat/completions`. */
export function upstreamUrlFor(baseUrl: string, route: string): URL {
  const base = new URL(baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  base.pathname = `${basePath}${route.replace(/^\/v1(?=\/)/, '')}`;
  return base;
}

/** Where and how to reach the upstream. */
export interface UpstreamTarget {
  /** Base URL ending in /v1 (or the upstream's equivalent). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …`; null sends no credentials. */
  apiKey: string | null;
  /** Idle limit in ms: no response headers, or no bytes of a stream, for this long means 504 / a cut stream. */
  timeoutMs: number;
  agent?: { http: http.Agent; https: https.Agent };
}

/** One outgoing request to the upstream. */
export interface UpstreamCall {
  method: string;
  route: string;
  headers: OutgoingHttpHeaders;
  body: Buffer | null;
}

/** A network error as the client sees it: 504 for a timeout, 502 for anything else. */
function upstreamFailure(error: unknown, timedOut: boolean, timeoutMs: number): HttpError {
  if (timedOut) return new HttpError(504, `the upstream model server did not answer within ${timeoutMs} ms`, { type: 'server_error', code: 'upstream_timeout' });
  const code = (error as NodeJS.ErrnoException | null)?.code;
  // The detail names the failure kind only: the upstream's address is the owner's business, not the client's.
  return new HttpError(502, `the upstream model server is unavailable${code === undefined ? '' : ` (${code})`}`, { type: 'server_error', code: 'upstream_unavailable' });
}

/** The node:http options that address one upstream URL (host, port, path, credentials in the URL). */
interface RouteAddress { secure: boolean; options: http.RequestOptions }

/** Routes whose address is remembered per target; `/v1/models/<id>` makes the set open-ended, so it is capped. */
const MAX_REMEMBERED_ROUTES = 64;
const addresses = new WeakMap<UpstreamTarget, Map<string, RouteAddress>>();

/** Where `route` goes upstream, parsed once per route rather than on every request. */
function routeAddress(target: UpstreamTarget, route: string): RouteAddress {
  let byRoute = addresses.get(target);
  if (byRoute === undefined) addresses.set(target, (byRoute = new Map()));
  const known = byRoute.get(route);
  if (known !== undefined) return known;
  const url = upstreamUrlFor(target.baseUrl, route);
  const address = { secure: url.protocol === 'https:', options: urlToHttpOptions(url) };
  if (byRoute.size < MAX_REMEMBERED_ROUTES) byRoute.set(route, address);
  return address;
}

/** A request on its way upstream: its response (once the headers arrive), and a way to give up on it. */
export interface UpstreamRequest {
  /** Resolves at the response headers; rejects with a 502/504 HttpError. */
  response: Promise<IncomingMessage>;
  /** Tears the request down (the client went away): a pending response rejects, a started one is cut. */
  cancel(): void;
}

/** Sends `call` to the upstream. */
export function sendUpstream(target: UpstreamTarget, call: UpstreamCall): UpstreamRequest {
  const address = routeAddress(target, call.route);
  const headers: OutgoingHttpHeaders = { ...call.headers };
  if (target.apiKey !== null) headers.authorization = `Bearer ${target.apiKey}`;
  if (call.body !== null) headers['content-length'] = call.body.length;
  let request: http.ClientRequest | undefined;
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    let timedOut = false;
    const options = { ...address.options, method: call.method, headers, ...(target.agent === undefined ? {} : { agent: address.secure ? target.agent.https : target.agent.http }) };
    request = (address.secure ? https : http).request(options, (upstream) => {
      // The same idle limit covers a stream that stalls after it started: the cut reaches the client.
      upstream.on('error', () => undefined);
      resolve(upstream);
    });
    request.setTimeout(target.timeoutMs, () => {
      timedOut = true;
      request?.destroy(new Error('upstream timeout'));
    });
    request.on('error', (error) => reject(upstreamFailure(error, timedOut, target.timeoutMs)));
    request.end(call.body ?? undefined);
  });
  return { response, cancel: () => request?.destroy() };
}
