import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { SCRIPTED_ANSWER, startScriptedUpstream } from './__fixtures__/scripted-upstream.js';
import { CaptureStore } from './capture-store.js';
import { withCapture } from './with-capture.js';

const messages = [{ role: 'user' as const, content: 'hello' }];
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const each of open.splice(0).reverse()) await each.close();
});

async function setUp(): Promise<{ openai: OpenAI; store: CaptureStore }> {
  const upstream = await startScriptedUpstream();
  const store = new CaptureStore(join(mkdtempSync(join(tmpdir(), 'with-capture-')), 'capture.sqlite'), { log: () => undefined });
  open.push(upstream, store);
  const openai = withCapture(new OpenAI({ baseURL: upstream.url, apiKey: 'sk-test', maxRetries: 0 }), { store, tags: ['in-process'] });
  return { openai, store };
}

describe('withCapture around the official client, against a scripted upstream', () => {
  it('records a plain call with its tags, metadata and usage, and returns the answer unchanged', async () => {
    const { openai, store } = await setUp();
    const answer = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, metadata: { feature: 'search' } });
    expect(answer.choices[0]?.message.content).toBe(SCRIPTED_ANSWER.join(''));
    await store.settle();
    const [row] = store.query();
    expect(row).toMatchObject({ model: 'gpt-4o-mini', stream: false, status: 200, usage: { promptTokens: 11, completionTokens: 7 }, request: { messages } });
    expect(row?.tags.sort()).toEqual(['feature=search', 'in-process']);
    expect(row?.response).toMatchObject({ choices: [{ message: { content: SCRIPTED_ANSWER.join('') } }] });
  });

  it('records a streamed call, assembled, once the app has read it; every chunk still reaches the app', async () => {
    const { openai, store } = await setUp();
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
    const parts: string[] = [];
    for await (const chunk of stream) parts.push(chunk.choices[0]?.delta.content ?? '');
    expect(parts.join('')).toBe(SCRIPTED_ANSWER.join(''));
    await store.settle();
    const [row] = store.query();
    expect(row).toMatchObject({ stream: true, usage: { promptTokens: 11, completionTokens: 7 } });
    expect(row?.response).toMatchObject({ object: 'chat.completion', choices: [{ message: { role: 'assistant', content: SCRIPTED_ANSWER.join('') }, finish_reason: 'stop' }] });
  });

  it('a closed store (fault injection) does not fail the call', async () => {
    const { openai, store } = await setUp();
    await store.close();
    open.splice(open.indexOf(store), 1);
    const answer = await openai.chat.completions.create({ model: 'm', messages });
    expect(answer.choices[0]?.message.content).toBe(SCRIPTED_ANSWER.join(''));
    await store.settle();
    expect(store.dropped).toBe(1);
  });
});
