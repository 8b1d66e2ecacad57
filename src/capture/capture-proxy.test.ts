import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { listen, type ListeningServer } from '../serve/listen.js';
import { SCRIPTED_ANSWER, startScriptedUpstream, type ScriptedUpstream } from './__fixtures__/scripted-upstream.js';
import { CaptureStore, type CaptureStoreOptions } from './capture-store.js';
import { startCaptureProxy } from './capture-proxy.js';
import { redactorFromNames } from './redact.js';

const messages = [{ role: 'user' as const, content: 'my mail is alice@example.com, card 5500 0000 0000 0004' }];
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const each of open.splice(0).reverse()) await each.close();
});

/** A scripted upstream, a store and the proxy in front of the upstream. */
async function setUp(storeOptions: CaptureStoreOptions = {}): Promise<{ upstream: ScriptedUpstream; proxy: ListeningServer; store: CaptureStore; directory: string }> {
  const directory = mkdtempSync(join(tmpdir(), 'capture-'));
  const upstream = await startScriptedUpstream();
  const store = new CaptureStore(join(directory, 'capture.sqlite'), storeOptions);
  const proxy = await startCaptureProxy({ upstream: upstream.url, store });
  open.push(upstream, store, proxy);
  return { upstream, proxy, store, directory };
}

const client = (baseURL: string, headers: Record<string, string> = {}) => new OpenAI({ baseURL, apiKey: 'sk-app-key', maxRetries: 0, defaultHeaders: headers });

/** The raw bytes of a plain and of a streamed call made with the official client. */
async function rawBodies(baseURL: string): Promise<{ plain: string; streamed: string }> {
  const openai = client(baseURL);
  const plain = await (await openai.chat.completions.create({ model: 'gpt-4o-mini', messages }).asResponse()).text();
  const streamed = await (await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true }).asResponse()).text();
  return { plain, streamed };
}

describe('the capture proxy in front of a scripted upstream', () => {
  it('passes plain and streamed answers through byte-identical to going direct, with the app\'s own key', async () => {
    const { upstream, proxy } = await setUp();
    const direct = await rawBodies(upstream.url);
    const proxied = await rawBodies(proxy.url);
    expect(proxied.plain).toBe(direct.plain);
    expect(proxied.streamed).toBe(direct.streamed);
    expect(proxied.streamed).toContain('data: [DONE]');
    expect(upstream.lastHeaders().authorization).toBe('Bearer sk-app-key');
  });

  it('streams chunk by chunk: the client reads the first chunk as its own event', async () => {
    const { proxy } = await setUp();
    const parts: string[] = [];
    for await (const chunk of await client(proxy.url).chat.completions.create({ model: 'm', messages, stream: true })) parts.push(chunk.choices[0]?.delta.content ?? '');
    expect(parts.join('')).toBe(SCRIPTED_ANSWER.join(''));
    expect(parts.filter((part) => part !== '')).toEqual(SCRIPTED_ANSWER);
  });

  it('records request, answer (a stream assembled), usage, status and tags from the header and from metadata; the tags header is not forwarded', async () => {
    const { upstream, proxy, store } = await setUp();
    const openai = client(proxy.url, { 'x-distillery-tags': 'checkout, beta' });
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, store: true, metadata: { team: 'payments' } });
    expect(upstream.lastHeaders()['x-distillery-tags']).toBeUndefined();
    const stream = await openai.chat.completions.create({ model: 'gpt-4o', messages, stream: true, stream_options: { include_usage: true } });
    for await (const chunk of stream) void chunk;
    await store.settle();
    const [plain, streamed] = store.query();
    expect(plain).toMatchObject({ model: 'gpt-4o-mini', status: 200, stream: false, usage: { promptTokens: 11, completionTokens: 7 }, metadata: { team: 'payments' } });
    expect(plain?.tags.sort()).toEqual(['beta', 'checkout', 'team=payments']);
    expect(plain?.request).toMatchObject({ messages });
    expect(plain?.latencyMs).toBeGreaterThan(0);
    expect(streamed).toMatchObject({ model: 'gpt-4o', stream: true, usage: { promptTokens: 11, completionTokens: 7 } });
    expect(streamed?.response).toMatchObject({ object: 'chat.completion', choices: [{ message: { role: 'assistant', content: SCRIPTED_ANSWER.join('') }, finish_reason: 'stop' }] });
    expect(store.query({ tag: 'team=payments' }).map((call) => call.model)).toEqual(['gpt-4o-mini']);
  });

  it('redacts e-mails and long numbers before anything reaches the SQLite files', async () => {
    const { proxy, store, directory } = await setUp({ redact: redactorFromNames('emails,numbers') });
    const openai = client(proxy.url, { 'x-distillery-tags': 'alice@example.com' });
    await openai.chat.completions.create({ model: 'm', messages, metadata: { owner: 'carol@example.net' } });
    for await (const chunk of await openai.chat.completions.create({ model: 'm', messages, stream: true })) void chunk;
    await store.settle();
    const [row] = store.query();
    expect(JSON.stringify(row?.request)).toContain('my mail is [email], card [number]');
    await store.close();
    const bytes = readdirSync(directory).map((name) => readFileSync(join(directory, name)).toString('latin1')).join('');
    expect(bytes).toContain('[email]');
    for (const secret of ['alice@example.com', 'bob@example.org', 'carol@example.net', '5500 0000 0000 0004', '4111 1111 1111 1111']) expect(bytes).not.toContain(secret);
  });

  it('a failing store (fault injection: a file capped at a few pages, then a throwing redactor) does not fail the call; drops are counted and logged once', async () => {
    const lines: string[] = [];
    const { proxy, store } = await setUp({ maxPageCount: 12, log: (line) => lines.push(line) });
    const big = [{ role: 'user' as const, content: 'x'.repeat(200_000) }];
    const openai = client(proxy.url);
    const first = await openai.chat.completions.create({ model: 'm', messages: big });
    const second = await openai.chat.completions.create({ model: 'm', messages: big });
    expect(first.choices[0]?.message.content).toBe(SCRIPTED_ANSWER.join(''));
    expect(second.choices[0]?.message.content).toBe(SCRIPTED_ANSWER.join(''));
    await store.settle();
    expect(store.dropped).toBe(2);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/not stored/);
  });

  it('a redactor that throws drops the row, not the call', async () => {
    const { proxy, store } = await setUp({ redact: () => { throw new Error('redactor bug'); }, log: () => undefined });
    const answer = await client(proxy.url).chat.completions.create({ model: 'm', messages });
    expect(answer.choices[0]?.message.content).toBe(SCRIPTED_ANSWER.join(''));
    await store.settle();
    expect(store.dropped).toBe(1);
    expect(store.query()).toHaveLength(0);
  });

  it('an unreachable upstream is an OpenAI-shaped 502 for the app, and nothing is recorded', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'capture-'));
    const store = new CaptureStore(join(directory, 'capture.sqlite'));
    const proxy = await startCaptureProxy({ upstream: 'http://127.0.0.1:1/v1', store });
    open.push(store, proxy);
    await expect(client(proxy.url).chat.completions.create({ model: 'm', messages })).rejects.toMatchObject({ status: 502 });
    await store.settle();
    expect(store.query()).toHaveLength(0);
  });

  // The guard relays SSE through a StringDecoder, so a character split across upstream chunks survives.
  it('a scripted upstream splitting a multi-byte character across two stream chunks: passed through byte-identical', async () => {
    const event = Buffer.from('data: {"choices":[{"index":0,"delta":{"content":"€"}}]}\n\ndata: [DONE]\n\n');
    const cut = event.indexOf(0xe2) + 1;
    const splitting = await listen((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(event.subarray(0, cut));
      setImmediate(() => response.end(event.subarray(cut)));
    });
    const store = new CaptureStore(join(mkdtempSync(join(tmpdir(), 'capture-')), 'capture.sqlite'));
    const proxy = await startCaptureProxy({ upstream: splitting.url, store });
    open.push(splitting, store, proxy);
    const answer = await fetch(`${proxy.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"stream":true}' });
    expect(Buffer.from(await answer.arrayBuffer()).equals(event)).toBe(true);
  });
});
