/**
 * `distillery run` on a capture store: the app's production calls went through the real capture proxy
 * to the real demo teacher; the run recovers the inputs by inverting the task's prompt and reuses the
 * answers production already bought, so the teacher is asked only what production did not ask it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureStore } from '../src/capture/capture-store.js';
import { startCaptureProxy } from '../src/capture/capture-proxy.js';
import { buildCodeCorpus } from '../src/demo/corpus.js';
import { LANGUAGE_LABELS } from '../src/demo/language-labels.js';
import { startLanguageTeacherServer, type LanguageTeacherServer } from '../src/demo/language-teacher-server.js';
import { jsonLines, runCli } from './cli-helpers.js';

const MODEL = 'vscode-languagedetection';
const SYSTEM = `Name the programming language of the code. Answer with one of: ${LANGUAGE_LABELS.join(', ')}`;
let folder: string;
let teacher: LanguageTeacherServer;
/** Snippets production asked the teacher about through the proxy, and those only other rows mention. */
let asked: string[];
let others: string[];

function taskYaml(extra = ''): string {
  return [
    'name: from-capture',
    'teacher:',
    `  baseURL: ${teacher.url}`,
    `  model: ${MODEL}`,
    '  logprobs: true',
    '  topLogprobs: 20',
    'prompt:',
    '  messages:',
    '    - role: system',
    '      content: "Name the programming language of the code. Answer with one of: {{labels}}"',
    '    - role: user',
    '      content: "{{text}}"',
    `labels: [${LANGUAGE_LABELS.join(', ')}]`,
    'inputs:',
    '  path: capture.sqlite',
    extra,
    'budget:',
    '  maxUSD: 1',
    '',
  ].join('\n');
}

/** A call as the capture store keeps it, for the rows production's proxy would have written in other situations. */
function storedRow(text: string, overrides: { model?: string; status?: number; system?: string }) {
  const messages = [{ role: 'system', content: overrides.system ?? SYSTEM }, { role: 'user', content: text }];
  const status = overrides.status ?? 200;
  const response = status === 200 ? { id: 'x', object: 'chat.completion', model: overrides.model, choices: [{ index: 0, message: { role: 'assistant', content: 'python' }, finish_reason: 'stop' }] } : { error: { message: 'upstream failed' } };
  return { at: Date.now(), route: '/v1/chat/completions', model: overrides.model ?? MODEL, status, latencyMs: 12, stream: false, request: { model: overrides.model ?? MODEL, messages }, response, usage: null, tags: ['checkout'], metadata: null };
}

beforeAll(async () => {
  folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-capture-run-'));
  teacher = await startLanguageTeacherServer();
  const corpus = (await buildCodeCorpus({ limit: 140, perLabelCap: 30 })).map((item) => item.text);
  asked = corpus.slice(0, 120);
  others = corpus.slice(120, 130);
  const store = new CaptureStore(path.join(folder, 'capture.sqlite'));
  const proxy = await startCaptureProxy({ upstream: teacher.url, store });
  const app = new OpenAI({ baseURL: proxy.url, apiKey: 'sk-app', maxRetries: 0, defaultHeaders: { 'x-distillery-tags': 'checkout' } });
  for (const [index, text] of asked.entries()) {
    const request = { model: MODEL, messages: [{ role: 'system' as const, content: SYSTEM }, { role: 'user' as const, content: text }], logprobs: true, top_logprobs: 20 };
    if (index % 10 === 0) for await (const chunk of await app.chat.completions.create({ ...request, stream: true })) void chunk;
    else await app.chat.completions.create(request);
  }
  // The same input asked twice in production: one input, one answer.
  await app.chat.completions.create({ model: MODEL, messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: asked[1] ?? '' }] });
  // Rows of other kinds: another prompt (not this task's), another model, a failed call.
  for (const text of others.slice(0, 4)) store.record(storedRow(text, { system: 'Summarise this code in one line.' }));
  for (const text of others.slice(4, 7)) store.record(storedRow(text, { model: 'gpt-4o' }));
  for (const text of others.slice(7, 9)) store.record(storedRow(text, { status: 500 }));
  await proxy.close();
  await store.close();
}, 120_000);

afterAll(async () => {
  await teacher.close();
  rmSync(folder, { recursive: true, force: true });
});

describe('distillery run on captured calls', () => {
  it('estimates that only what production did not buy is left to pay for', async () => {
    writeFileSync(path.join(folder, 'task.yaml'), taskYaml());
    const estimate = await runCli(['run', path.join(folder, 'task.yaml'), '--estimate', '--json']);
    expect(estimate.code).toBe(0);
    const line = jsonLines(estimate.stdout).at(-1) as { inputs: number; cached: number; toCall: number };
    // 120 asked through the proxy + 3 asked of another model + 2 failed; the other prompt's 4 are not inputs.
    expect(line).toMatchObject({ inputs: 125, cached: 120, toCall: 5 });
  });

  it('reuses every answer production bought, asks the teacher only the rest, and on a second run asks nothing', async () => {
    writeFileSync(path.join(folder, 'task.yaml'), taskYaml());
    const before = teacher.calls();
    const first = await runCli(['run', path.join(folder, 'task.yaml'), '--json']);
    expect(first.stderr).not.toMatch(/Error:/);
    expect(first.code).toBe(0);
    expect(teacher.calls() - before).toBe(5);
    const lines = jsonLines(first.stdout);
    const imported = lines.find((line) => line['type'] === 'stage-done' && line['stage'] === 'import') as { data: { inputs: number; capturedAnswers: { reused: number; notReusable: number } } } | undefined;
    expect(imported?.data).toMatchObject({ inputs: 125, capturedAnswers: { reused: 120, notReusable: 3 } });
    // Collection found production's 120 answers in the cache and asked the teacher only the other 5.
    const collected = lines.find((line) => line['type'] === 'stage-done' && line['stage'] === 'collect') as { data: { cached: number; called: number } } | undefined;
    expect(collected?.data).toMatchObject({ cached: 120, called: 5 });
    // And the run went on to train and evaluate a student on them.
    const report = (lines.find((line) => line['type'] === 'result')?.['report'] ?? {}) as { testExamples?: number };
    expect(report.testExamples).toBeGreaterThan(0);

    const again = teacher.calls();
    const second = await runCli(['run', path.join(folder, 'task.yaml'), '--json']);
    expect(second.code).toBe(0);
    expect(teacher.calls()).toBe(again);
  }, 240_000);

  it('filters captured calls by tag and time, and says why when none carries the prompt', async () => {
    writeFileSync(path.join(folder, 'task.yaml'), taskYaml('  capture:\n    tag: no-such-tag'));
    const none = await runCli(['run', path.join(folder, 'task.yaml'), '--until', 'collect']);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toMatch(/no inputs found in capture\.sqlite \(0 captured calls/);
    expect(none.stderr).not.toMatch(/\n\s+at /);
    writeFileSync(path.join(folder, 'task.yaml'), taskYaml('  capture:\n    since: 2999-01-01'));
    expect((await runCli(['run', path.join(folder, 'task.yaml'), '--until', 'collect'])).stderr).toMatch(/0 captured calls/);
    writeFileSync(path.join(folder, 'task.yaml'), taskYaml('  capture:\n    since: yesterday-ish'));
    const bad = await runCli(['run', path.join(folder, 'task.yaml')]);
    expect(bad.stderr).toMatch(/task\.yaml:\d+.*inputs\.capture\.since.*ISO date/);
  });
});
