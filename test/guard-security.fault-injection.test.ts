/**
 * The gateway against hostile clients and a misbehaving upstream. The upstream here is a
 * fault-injection server: it records the headers it receives and answers slowly, wrongly or not at all on demand.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway, type GuardStore } from '../src/guard/index.js';
import { issue, temporaryGuardStore } from './guard-helpers.js';

/** A fault-injection upstream: records request headers; `/v1/slow` paths never answer. */
interface FaultInjectionUpstream {
  url: string;
  seen: IncomingHttpHeaders[];
  close(): Promise<void>;
}

/** Starts the fault-injection upstream; the model name picks the fault. */
async function startFaultInjectionUpstream(): Promise<FaultInjectionUpstream> {
  const seen: IncomingHttpHeaders[] = [];
  const server: Server = createServer((request, response) => {
    seen.push(request.headers);
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const model = body === '' ? '' : String((JSON.parse(body) as { model?: unknown }).model);
      if (model === 'hang') return; // never answers: the gateway's upstream timeout must fire
      if (model === 'overloaded') {
        response.writeHead(529, { 'content-type': 'application/json', 'x-upstream-detail': 'busy' });
        return response.end(JSON.stringify({ error: { message: 'upstream is overloaded', type: 'server_error', param: null, code: 'overloaded' } }));
      }
      response.writeHead(200, { 'content-type': 'application/json', connection: 'keep-alive, x-hop', 'x-hop': 'secret', 'keep-alive': 'timeout=77' });
      response.end(JSON.stringify({ object: 'embedding-list', data: [], model, usage: { prompt_tokens: 3, total_tokens: 3 } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1`, seen, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

let upstream: FaultInjectionUpstream;
let gateway: Gateway;
let store: GuardStore;
let cleanup: () => Promise<void>;
let secret: string;

beforeAll(async () => {
  upstream = await startFaultInjectionUpstream();
  ({ store, cleanup } = temporaryGuardStore());
  // Short limits are configuration, not assertions: the tests wait for events, never compare durations.
  gateway = await startGateway({ upstreamUrl: upstream.url, upstreamApiKeyEnv: 'GUARD_TEST_UPSTREAM_KEY', env: { GUARD_TEST_UPSTREAM_KEY: 'sk-gateway-own' }, store, maxBodyBytes: 4096, bodyTimeoutMs: 300, upstreamTimeoutMs: 300, onError: () => undefined });
  ({ secret } = await issue(store, 'security'));
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
  await cleanup();
});

/** A raw POST through the gateway with extra headers; resolves with status, headers and body. */
function rawPost(path: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const url = new URL(`${gateway.url}${path}`);
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}`, ...headers } }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

describe('guard gateway security', () => {
  it('never forwards the client Authorization, cookies or hop-by-hop headers; sends its own upstream key', async () => {
    upstream.seen.length = 0;
    const answer = await rawPost('/embeddings', JSON.stringify({ model: 'm', input: 'x' }), {
      cookie: 'session=1', connection: 'x-custom-hop', 'x-custom-hop': 'drop-me', 'proxy-authorization': 'Basic abc', te: 'trailers', 'x-request-id': 'keep-me',
    });
    expect(answer.status).toBe(200);
    const headers = upstream.seen[0] ?? {};
    expect(headers.authorization).toBe('Bearer sk-gateway-own');
    expect(JSON.stringify(headers)).not.toContain(secret);
    for (const name of ['cookie', 'x-custom-hop', 'proxy-authorization', 'te']) expect(headers[name]).toBeUndefined();
    expect(headers['x-request-id']).toBe('keep-me');
    // Hop-by-hop headers of the upstream's answer stop at the gateway too.
    expect(answer.headers['x-hop']).toBeUndefined();
    expect(answer.headers['keep-alive']).not.toBe('timeout=77');
  });

  it('rejects CR/LF header injection before anything is sent', () => {
    expect(() => httpRequest(gateway.url, { headers: { 'x-evil': 'a\r\nauthorization: Bearer stolen' } })).toThrow(/Invalid character/);
  });

  it('answers 413 for an oversized body and 400 for malformed JSON, in OpenAI shape', async () => {
    const large = await rawPost('/chat/completions', JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(10_000) }] }));
    expect(large.status).toBe(413);
    expect((JSON.parse(large.body) as { error: { code: string } }).error.code).toBe('request_too_large');
    const malformed = await rawPost('/chat/completions', '{"model": "m", ');
    expect(malformed.status).toBe(400);
    expect((JSON.parse(malformed.body) as { error: { code: string } }).error.code).toBe('invalid_json');
  });

  it('answers 408 to a body that stalls, and keeps serving other clients meanwhile', async () => {
    const { port } = new URL(gateway.url);
    const socket = connect(Number(port), '127.0.0.1');
    const reply = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      socket.on('close', () => resolve(text));
    });
    socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${secret}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"mod`);
    const other = await rawPost('/embeddings', JSON.stringify({ model: 'm', input: 'x' }));
    expect(other.status).toBe(200);
    const text = await reply;
    expect(text).toMatch(/^HTTP\/1\.1 408/);
    expect(text).toContain('request_timeout');
  });

  it('answers 504 when the upstream hangs and 502 when it is down', async () => {
    const client = new OpenAI({ baseURL: gateway.url, apiKey: secret, maxRetries: 0 });
    const hung = await client.embeddings.create({ model: 'hang', input: 'x' }).catch((error: unknown) => error);
    expect((hung as InstanceType<typeof OpenAI.APIError>).status).toBe(504);
    expect((hung as InstanceType<typeof OpenAI.APIError>).code).toBe('upstream_timeout');

    const { store: downStore, cleanup: cleanDown } = temporaryGuardStore();
    const down = await startGateway({ upstreamUrl: 'http://127.0.0.1:1/v1', store: downStore, onError: () => undefined });
    try {
      const { secret: downSecret } = await issue(downStore);
      const error = await new OpenAI({ baseURL: down.url, apiKey: downSecret, maxRetries: 0 }).models.list().catch((caught: unknown) => caught);
      expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
      expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('upstream_unavailable');
    } finally {
      await down.close();
      await cleanDown();
    }
  });

  it('passes an upstream error through with its status and body', async () => {
    const answer = await rawPost('/completions', JSON.stringify({ model: 'overloaded', prompt: 'x' }));
    expect(answer.status).toBe(529);
    expect(answer.headers['x-upstream-detail']).toBe('busy');
    expect((JSON.parse(answer.body) as { error: { code: string } }).error.code).toBe('overloaded');
  });

  it('answers 404 and 405 for routes it does not proxy', async () => {
    expect((await rawPost('/fine_tuning/jobs', '{}')).status).toBe(404);
    const wrongMethod = await fetch(`${gateway.url}/chat/completions`, { headers: { authorization: `Bearer ${secret}` } });
    expect(wrongMethod.status).toBe(405);
  });
});
