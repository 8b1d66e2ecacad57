/**
 * Reasoning gates with a scripted upstream (no offline server produces reasoning content): answers
 * carrying `reasoning_content` (vLLM / DeepSeek style) plain and streamed, two choices, and logprobs
 * even when not asked for (an upstream that ignores the request), through the real gateway and the
 * official openai client. The scripted server also records what it was sent. The model
 * `inline-thinker` puts its reasoning in the content instead, as `<think>…</think>` (DeepSeek-R1 or
 * Qwen3 served without a reasoning parser), streamed in 5-character pieces so both tags arrive split.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../src/guard/index.js';
import { issue, temporaryGuardStore } from './guard-helpers.js';

const REASONING = 'The user asks about a refund. Refunds concern billing, so the label is billing rather than bug. '.repeat(4);
const ANSWER = 'billing';
const received: Array<Record<string, unknown>> = [];

/** A scripted upstream: every chat completion thinks (reasoning_content) then answers, for two choices, logprobs always attached. */
async function startScriptedUpstream(): Promise<{ url: string; close: () => Promise<void> }> {
  const logprobs = { content: [{ token: ANSWER, logprob: -0.1, bytes: [], top_logprobs: [{ token: ANSWER, logprob: -0.1, bytes: [] }, { token: 'bug', logprob: -2.4, bytes: [] }] }], refusal: null };
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      received.push(parsed);
      const base = { id: 'chatcmpl-1', created: 1, model: 'thinker' };
      const usage = { prompt_tokens: 3, completion_tokens: 60, total_tokens: 63 };
      if (parsed.model === 'inline-thinker') {
        const content = `<think>\n${REASONING}\n</think>\n\n${ANSWER}`;
        if (parsed.stream !== true) {
          const choices = [{ index: 0, message: { role: 'assistant', content }, logprobs: null, finish_reason: 'stop' }];
          response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...base, object: 'chat.completion', choices, usage }));
          return;
        }
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        for (let at = 0; at < content.length; at += 5) {
          response.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: content.slice(at, at + 5) }, logprobs: null, finish_reason: null }] })}\n\n`);
        }
        response.end(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] })}\n\ndata: [DONE]\n\n`);
        return;
      }
      if (parsed.stream !== true) {
        const choices = [0, 1].map((index) => ({ index, message: { role: 'assistant', content: ANSWER, reasoning_content: REASONING }, logprobs, finish_reason: 'stop' }));
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...base, object: 'chat.completion', choices, usage }));
        return;
      }
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (choices: unknown[], extra = {}) => response.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices, ...extra })}\n\n`);
      for (const index of [0, 1]) {
        chunk([{ index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]);
        for (let at = 0; at < REASONING.length; at += 20) chunk([{ index, delta: { reasoning_content: REASONING.slice(at, at + 20) }, logprobs: null, finish_reason: null }]);
        chunk([{ index, delta: { content: ANSWER }, logprobs, finish_reason: null }]);
        chunk([{ index, delta: {}, logprobs: null, finish_reason: 'stop' }]);
      }
      chunk([], { usage });
      response.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

let upstream: Awaited<ReturnType<typeof startScriptedUpstream>>;
let gateway: Gateway;
let cleanup: () => Promise<void>;
const secrets: Record<string, string> = {};

beforeAll(async () => {
  upstream = await startScriptedUpstream();
  const temporary = temporaryGuardStore();
  cleanup = temporary.cleanup;
  const gates = { tiers: { stripped: { reasoning: 'strip' as const, logprobs: false, n: 1 }, summarised: { reasoning: 'summary' as const, summaryChars: 60 } } };
  gateway = await startGateway({ upstreamUrl: upstream.url, store: temporary.store, policy: { gates }, onError: () => undefined });
  for (const tier of ['open', 'stripped', 'summarised']) secrets[tier] = (await issue(temporary.store, tier, tier)).secret;
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
  await cleanup();
});

const client = (tier: string) => new OpenAI({ baseURL: gateway.url, apiKey: secrets[tier] ?? '', maxRetries: 0 });
const ask = { model: 'thinker', messages: [{ role: 'user' as const, content: 'refund please' }], n: 2, logprobs: true };
type WithReasoning = { reasoning_content?: string };

/** The streamed answer per choice: content, reasoning, and whether any chunk carried logprobs. */
async function streamed(tier: string, request: Omit<typeof ask, 'n' | 'logprobs'> & { n?: number; logprobs?: boolean } = ask) {
  const { data, response } = await client(tier).chat.completions.create({ ...request, stream: true }).withResponse();
  const byChoice = new Map<number, { content: string; reasoning: string }>();
  let sawLogprobs = false;
  for await (const chunk of data) {
    for (const choice of chunk.choices) {
      const entry = byChoice.get(choice.index) ?? { content: '', reasoning: '' };
      entry.content += choice.delta.content ?? '';
      entry.reasoning += (choice.delta as WithReasoning).reasoning_content ?? '';
      byChoice.set(choice.index, entry);
      sawLogprobs ||= (choice.logprobs ?? null) !== null;
    }
  }
  return { byChoice, sawLogprobs, header: response.headers.get('x-distillery-gated') };
}

describe('reasoning gates with a scripted upstream', () => {
  it('an open tier gets the reasoning, both choices and the logprobs', async () => {
    const { data, response } = await client('open').chat.completions.create(ask).withResponse();
    expect(response.headers.get('x-distillery-gated')).toBeNull();
    expect(data.choices).toHaveLength(2);
    expect((data.choices[0]?.message as WithReasoning).reasoning_content).toBe(REASONING);
    const stream = await streamed('open');
    expect(stream.byChoice.get(1)?.reasoning).toBe(REASONING);
  });

  it('strips reasoning, logprobs and extra choices from a plain answer, says so, and forwards the gated request', async () => {
    received.length = 0;
    const { data, response } = await client('stripped').chat.completions.create(ask).withResponse();
    expect(response.headers.get('x-distillery-gated')).toBe('logprobs=true->false, n=2->1, reasoning=strip');
    expect(received[0]).not.toHaveProperty('logprobs');
    expect(received[0]?.n).toBe(1);
    expect(data.choices).toHaveLength(1);
    expect(data.choices[0]?.message.content).toBe(ANSWER);
    expect(data.choices[0]?.message).not.toHaveProperty('reasoning_content');
    expect(data.choices[0]?.logprobs ?? null).toBeNull();
  });

  it('strips a streamed answer chunk by chunk', async () => {
    const { byChoice, sawLogprobs, header } = await streamed('stripped');
    expect(header).toContain('reasoning=strip');
    expect([...byChoice.keys()]).toEqual([0]);
    expect(byChoice.get(0)).toEqual({ content: ANSWER, reasoning: '' });
    expect(sawLogprobs).toBe(false);
  });

  it('replaces reasoning with the same short summary, plain and streamed', async () => {
    const { data, response } = await client('summarised').chat.completions.create(ask).withResponse();
    expect(response.headers.get('x-distillery-gated')).toBe('reasoning=summary');
    const summary = (data.choices[1]?.message as WithReasoning).reasoning_content ?? '';
    expect(summary).toMatch(/^The user asks about a refund\. Refunds concern billing, so… \[summary by the provider's gateway: \d+ of \d+ characters withheld\]$/);
    const stream = await streamed('summarised');
    expect(stream.byChoice.get(0)).toEqual({ content: ANSWER, reasoning: summary });
    expect(stream.byChoice.get(1)).toEqual({ content: ANSWER, reasoning: summary });
  });
});

describe('inline <think> blocks with a scripted upstream (the shape no offline server produces)', () => {
  const inline = { model: 'inline-thinker', messages: ask.messages };

  it('an open tier gets the block as the upstream sent it', async () => {
    const { data } = await client('open').chat.completions.create(inline).withResponse();
    expect(data.choices[0]?.message.content).toBe(`<think>\n${REASONING}\n</think>\n\n${ANSWER}`);
  });

  it('strips the block from a plain and a streamed answer (tags split across chunks), and says so', async () => {
    const { data, response } = await client('stripped').chat.completions.create(inline).withResponse();
    expect(response.headers.get('x-distillery-gated')).toBe('reasoning=strip');
    expect(data.choices[0]?.message.content).toBe(ANSWER);
    const stream = await streamed('stripped', inline);
    expect(stream.header).toBe('reasoning=strip');
    expect(stream.byChoice.get(0)).toEqual({ content: ANSWER, reasoning: '' });
  });

  it('replaces the block with the same summary as the reasoning field gets, plain and streamed', async () => {
    const { data, response } = await client('summarised').chat.completions.create(inline).withResponse();
    expect(response.headers.get('x-distillery-gated')).toBe('reasoning=summary');
    expect(data.choices[0]?.message.content).toBe(ANSWER);
    const summary = (data.choices[0]?.message as WithReasoning).reasoning_content ?? '';
    expect(summary).toMatch(/^The user asks about a refund\. Refunds concern billing, so… \[summary by the provider's gateway: \d+ of \d+ characters withheld\]$/);
    expect((await streamed('summarised', inline)).byChoice.get(0)).toEqual({ content: ANSWER, reasoning: summary });
  });
});
