/**
 * `guard serve --watermark`: the real gateway in front of a scripted upstream (a fixed prose answer,
 * streamed in 5-character pieces that cut words), with the official openai client, plain and streamed.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectLexicalWatermark } from '../src/evidence/lexical/lexical-detect.js';
import { parseLexicalKey, type LexicalKey } from '../src/evidence/lexical/lexical-key.js';
import { lexicalResponseRewriter } from '../src/evidence/lexical/lexical-relay.js';
import { watermarkText } from '../src/evidence/lexical/lexical-watermark.js';
import { defaultSynonymTable } from '../src/evidence/lexical/synonyms.js';
import { startGateway, type Gateway, type GuardStore } from '../src/guard/index.js';
import { runCli } from './cli-helpers.js';
import { issue, temporaryGuardStore } from './guard-helpers.js';

const key: LexicalKey = parseLexicalKey({ scheme: 'lexical', version: 1, secret: Buffer.alloc(32, 42).toString('base64') }, 'test');
/** Prose using members of 40 WordNet sets in distinct contexts, plus regions the mark must not touch. */
const ANSWER = `${defaultSynonymTable().sets.slice(0, 40).map((set, index) => `item${index} is ${set[set.length - 1] as string}.`).join(' ')}\n\`\`\`\nabode = 1\n\`\`\`\nSee "abode" at https://example.com/abode.`;

/** A scripted upstream: answers every chat completion with ANSWER, streamed in 5-character deltas when asked. */
async function startScriptedUpstream(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const parsed = JSON.parse(body) as { stream?: boolean; stream_options?: { include_usage?: boolean } };
      const base = { id: 'chatcmpl-1', created: 1, model: 'scripted' };
      const usage = { prompt_tokens: 3, completion_tokens: 50, total_tokens: 53 };
      if (parsed.stream !== true) {
        const text = JSON.stringify({ ...base, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: ANSWER }, finish_reason: 'stop' }], usage });
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
        return;
      }
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (choices: unknown[], extra = {}) => response.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices, ...extra })}\n\n`);
      chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
      for (let at = 0; at < ANSWER.length; at += 5) chunk([{ index: 0, delta: { content: ANSWER.slice(at, at + 5) }, finish_reason: null }]);
      chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]);
      if (parsed.stream_options?.include_usage === true) chunk([], { usage });
      response.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

let upstream: Awaited<ReturnType<typeof startScriptedUpstream>>;
let marked: Gateway;
let plain: Gateway;
let store: GuardStore;
let cleanup: () => Promise<void>;
let secret: string;

beforeAll(async () => {
  upstream = await startScriptedUpstream();
  ({ store, cleanup } = temporaryGuardStore());
  marked = await startGateway({ upstreamUrl: upstream.url, store, onError: () => undefined, watermark: lexicalResponseRewriter(key) });
  plain = await startGateway({ upstreamUrl: upstream.url, store, onError: () => undefined });
  ({ secret } = await issue(store, 'lexical'));
});

afterAll(async () => {
  await marked.close();
  await plain.close();
  await upstream.close();
  await cleanup();
});

const client = (gateway: Gateway) => new OpenAI({ baseURL: gateway.url, apiKey: secret, maxRetries: 0 });
const messages = [{ role: 'user' as const, content: 'tell me' }];

/** The streamed answer's text and the response's watermark header. */
async function streamed(gateway: Gateway): Promise<{ text: string; header: string | null }> {
  const { data, response } = await client(gateway).chat.completions.create({ model: 'scripted', messages, stream: true }).withResponse();
  let text = '';
  for await (const chunk of data) text += chunk.choices[0]?.delta.content ?? '';
  return { text, header: response.headers.get('x-distillery-watermark') };
}

describe('guard serve --watermark with a scripted upstream', () => {
  it('marks a plain answer, announces it, and the mark is detected', async () => {
    const { data, response } = await client(marked).chat.completions.create({ model: 'scripted', messages }).withResponse();
    const content = data.choices[0]?.message.content ?? '';
    expect(response.headers.get('x-distillery-watermark')).toBe('lexical');
    expect(content).not.toBe(ANSWER);
    expect(content).toBe(watermarkText(ANSWER, key));
    expect(content.endsWith('```\nabode = 1\n```\nSee "abode" at https://example.com/abode.')).toBe(true);
    expect(data.usage?.completion_tokens).toBe(50);
    expect(detectLexicalWatermark(content, key).pValue).toBeLessThan(1e-3);
    expect(detectLexicalWatermark(ANSWER, key).pValue).toBeGreaterThan(1e-3);
  });

  it('marks a streamed answer exactly as the plain one, words cut across chunks included', async () => {
    const { text, header } = await streamed(marked);
    expect(header).toBe('lexical');
    expect(text).toBe(watermarkText(ANSWER, key));
  });

  it('without --watermark passes the answer unchanged and announces nothing', async () => {
    const { data, response } = await client(plain).chat.completions.create({ model: 'scripted', messages }).withResponse();
    expect(data.choices[0]?.message.content).toBe(ANSWER);
    expect(response.headers.get('x-distillery-watermark')).toBeNull();
    expect((await streamed(plain)).text).toBe(ANSWER);
  });

  it('guard serve refuses a missing or other-scheme key file with one line and exit 2', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'lexical-cli-'));
    const missing = await runCli(['guard', 'serve', '--upstream', upstream.url, '--port', '0', '--watermark', path.join(folder, 'absent.json'), '--state', path.join(folder, 'g.db')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/watermark key file not found/);
    await writeFile(path.join(folder, 'kgw.json'), JSON.stringify({ scheme: 'kgw', version: 1, secret: 'AAAAAAAAAAAAAAAAAAAAAA==' }));
    const other = await runCli(['guard', 'serve', '--upstream', upstream.url, '--port', '0', '--watermark', path.join(folder, 'kgw.json'), '--state', path.join(folder, 'g.db')]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/"kgw" watermark scheme/);
  });
});
