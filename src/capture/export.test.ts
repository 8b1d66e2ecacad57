import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CaptureStore, type CapturedCall } from './capture-store.js';
import { exportLine } from './export.js';

const DAY = 86_400_000;
const now = Date.now();

/** A captured call with an answer; `overrides` change what a test filters on. */
function call(overrides: Partial<CapturedCall>): CapturedCall {
  return {
    at: now, route: '/v1/chat/completions', model: 'gpt-4o-mini', status: 200, latencyMs: 12, stream: false,
    request: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
    response: { object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'hello' }, finish_reason: 'stop' }] },
    usage: { promptTokens: 3, completionTokens: 1 }, tags: [], metadata: null, ...overrides,
  };
}

/** A store holding four calls that differ by tag, model, time and status. */
async function filledStore(): Promise<CaptureStore> {
  const store = new CaptureStore(join(mkdtempSync(join(tmpdir(), 'capture-export-')), 'capture.sqlite'));
  store.record(call({ tags: ['checkout'], at: now - 10 * DAY }));
  store.record(call({ tags: ['checkout'], model: 'gpt-4o', at: now - DAY }));
  store.record(call({ tags: ['search'], at: now - 2 * DAY }));
  store.record(call({ tags: ['checkout'], status: 429, response: { error: { message: 'slow down' } }, at: now - 3 * DAY }));
  await store.settle();
  return store;
}

describe('capture export', () => {
  it('filters by tag, model and time', async () => {
    const store = await filledStore();
    expect(store.query({ tag: 'checkout' })).toHaveLength(3);
    expect(store.query({ tag: 'checkout', model: 'gpt-4o' })).toHaveLength(1);
    expect(store.query({ since: now - 7 * DAY }).map((row) => row.tags[0])).toEqual(['checkout', 'search', 'checkout']);
    expect(store.query({ since: now - 7 * DAY, until: now - 2 * DAY })).toHaveLength(1);
    await store.close();
  });

  it('writes Distillery rows, and OpenAI fine-tuning lines only for complete answers', async () => {
    const store = await filledStore();
    const rows = store.query({ tag: 'checkout' });
    const first = rows[0];
    if (first === undefined) throw new Error('no rows');
    expect(JSON.parse(exportLine(first, 'jsonl') ?? '')).toMatchObject({ messages: [{ role: 'user', content: 'hi' }], answer: 'hello', usage: { promptTokens: 3 }, tags: ['checkout'], model: 'gpt-4o-mini' });
    expect(JSON.parse(exportLine(first, 'openai') ?? '')).toEqual({ messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }] });
    // The 429 has no answer to learn from: left out of the fine-tuning file, kept (with its status) in the rows.
    expect(rows.map((row) => exportLine(row, 'openai')).filter((line) => line === null)).toHaveLength(1);
    expect(rows.map((row) => JSON.parse(exportLine(row, 'jsonl') ?? '{}').status as number).sort()).toEqual([200, 200, 429]);
    await store.close();
  });

  it('the command writes the filtered calls to --out', async () => {
    const store = await filledStore();
    await store.close();
    const out = join(mkdtempSync(join(tmpdir(), 'capture-out-')), 'train.jsonl');
    const main = new URL('../cli/main.ts', import.meta.url).pathname;
    await promisify(execFile)(process.execPath, ['--import', 'tsx', main, 'capture', 'export', '--store', store.file, '--tag', 'checkout', '--since', '7d', '--format', 'openai', '--out', out]);
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { messages: unknown[] });
    // Of the three checkout calls: one is older than 7 days, one was a 429; one remains.
    expect(lines).toHaveLength(1);
    expect(lines[0]?.messages).toHaveLength(2);
  });

  it('a bad --since is one line naming the flag and exit code 2', async () => {
    const main = new URL('../cli/main.ts', import.meta.url).pathname;
    const result = await promisify(execFile)(process.execPath, ['--import', 'tsx', main, 'capture', 'export', '--store', join(tmpdir(), 'never.sqlite'), '--since', 'yesterday']).catch((error: { code: number; stderr: string }) => error);
    expect(result).toMatchObject({ code: 2 });
    expect((result as { stderr: string }).stderr.trim().split('\n')).toEqual([expect.stringContaining('--since must be')]);
  });
});
