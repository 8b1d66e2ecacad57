/**
 * `distillery run` end to end against the real demo teacher (VS Code's language detector behind an
 * OpenAI-compatible server on loopback), plus the failures a user meets: bad task files, bad
 * inputs, a missing key, an unreachable teacher, a budget that runs out.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCodeCorpus } from '../src/demo/corpus.js';
import { LANGUAGE_LABELS } from '../src/demo/language-labels.js';
import { startLanguageTeacherServer, type LanguageTeacherServer } from '../src/demo/language-teacher-server.js';
import { jsonLines, runCli, spawnCli } from './cli-helpers.js';

let folder: string;
let teacher: LanguageTeacherServer;

function taskYaml(options: { baseURL: string; name?: string; extra?: string; inputs?: string; apiKeyEnv?: string }): string {
  return [
    `name: ${options.name ?? 'code'}`,
    'teacher:',
    `  baseURL: ${options.baseURL}`,
    '  model: vscode-languagedetection',
    ...(options.apiKeyEnv ? [`  apiKeyEnv: ${options.apiKeyEnv}`] : []),
    '  maxRetries: 1',
    '  timeoutMs: 5000',
    'prompt:',
    '  messages:',
    '    - role: user',
    '      content: "{{text}}"',
    `labels: [${LANGUAGE_LABELS.join(', ')}]`,
    'inputs:',
    `  path: ${options.inputs ?? 'inputs.jsonl'}`,
    '  goldField: gold',
    options.extra ?? 'budget:\n  maxUSD: 1',
    '',
  ].join('\n');
}

beforeAll(async () => {
  folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-cli-'));
  teacher = await startLanguageTeacherServer();
  const corpus = await buildCodeCorpus({ limit: 160, perLabelCap: 40 });
  writeFileSync(path.join(folder, 'inputs.jsonl'), corpus.map((item) => JSON.stringify({ text: item.text, gold: item.gold })).join('\n'));
  writeFileSync(path.join(folder, 'task.yaml'), taskYaml({ baseURL: teacher.url }));
});

afterAll(async () => {
  await teacher.close();
  rmSync(folder, { recursive: true, force: true });
});

describe('distillery run', () => {
  it('collects, trains, evaluates, and on a second run pays for no call', async () => {
    const first = await runCli(['run', path.join(folder, 'task.yaml'), '--json']);
    expect(first.stderr).not.toMatch(/Error:/);
    expect(first.code).toBe(0);
    const result = jsonLines(first.stdout).find((line) => line['type'] === 'result');
    const report = result?.['report'] as { agreement: number; testExamples: number; studentVsGold?: { accuracy: number } };
    expect(report.testExamples).toBeGreaterThan(0);
    expect(report.agreement).toBeGreaterThan(0.3);
    const project = path.join(folder, '.distillery', 'code');
    for (const file of ['report.html', 'report.md', 'report.json', 'student.dstl', 'exports/openai-finetune-train.jsonl', 'exports/labelled.jsonl']) {
      expect(existsSync(path.join(project, file)), file).toBe(true);
    }
    const fineTuneLine = JSON.parse(readFileSync(path.join(project, 'exports/openai-finetune-train.jsonl'), 'utf8').split('\n')[0] ?? '{}') as { messages: Array<{ role: string }> };
    expect(fineTuneLine.messages.map((message) => message.role)).toEqual(['user', 'assistant']);
    const callsAfterFirst = teacher.calls();
    expect(callsAfterFirst).toBeGreaterThanOrEqual(150);

    const second = await runCli(['run', path.join(folder, 'task.yaml'), '--json']);
    expect(second.code).toBe(0);
    expect(teacher.calls()).toBe(callsAfterFirst);
    const collectDone = jsonLines(second.stdout).find((line) => line['type'] === 'stage-done' && line['stage'] === 'collect');
    expect((collectDone?.['data'] as { called: number }).called).toBe(0);

    const estimate = await runCli(['run', path.join(folder, 'task.yaml'), '--estimate', '--json']);
    expect(estimate.code).toBe(0);
    expect(jsonLines(estimate.stdout).find((line) => line['type'] === 'estimate')).toMatchObject({ type: 'estimate', toCall: 0, worstCaseUSD: 0 });
    expect(teacher.calls()).toBe(callsAfterFirst);
  }, 120_000);

  it('points at the line of a malformed task file and exits 2', async () => {
    const file = path.join(folder, 'broken.yaml');
    writeFileSync(file, taskYaml({ baseURL: teacher.url }).replace('labels: [', 'labels: [js, js, '));
    const result = await runCli(['run', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/broken\.yaml:\d+:\d+: labels\[\d+\]: duplicate label "js"/);
  });

  it('names the missing key variable and exits 6 (missing key) before any call', async () => {
    const file = path.join(folder, 'nokey.yaml');
    writeFileSync(file, taskYaml({ baseURL: teacher.url, apiKeyEnv: 'DISTILLERY_TEST_MISSING_KEY', name: 'nokey' }));
    const before = teacher.calls();
    const result = await runCli(['run', file], { env: { DISTILLERY_TEST_MISSING_KEY: '' } });
    expect(result.code).toBe(6);
    expect(result.stderr).toContain('DISTILLERY_TEST_MISSING_KEY');
    expect(teacher.calls()).toBe(before);
  });

  it('reports a malformed JSONL line and exits 2', async () => {
    writeFileSync(path.join(folder, 'bad.jsonl'), '{"text": "fine"}\n{"text": oops}\n');
    const file = path.join(folder, 'badinputs.yaml');
    writeFileSync(file, taskYaml({ baseURL: teacher.url, inputs: 'bad.jsonl', name: 'badinputs' }));
    const result = await runCli(['run', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/bad\.jsonl.*2/);
  });

  it('stops at an unreachable teacher with exit 4, naming the URL', async () => {
    const file = path.join(folder, 'down.yaml');
    writeFileSync(file, taskYaml({ baseURL: 'http://127.0.0.1:9/v1', name: 'down' }));
    const result = await runCli(['run', file]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('127.0.0.1:9');
  }, 60_000);

  it('never exceeds the budget: stops cleanly with exit 3 and trains on what was bought', async () => {
    const file = path.join(folder, 'budget.yaml');
    // ~200–400 tokens per call at $100 per 1M tokens: $0.02–0.04 a call, so $1 buys a few dozen of 160.
    writeFileSync(file, taskYaml({ baseURL: teacher.url, name: 'budget', extra: 'budget:\n  maxUSD: 1\n  prices: { inputPer1M: 100, outputPer1M: 100 }\nlimits:\n  concurrency: 4' }));
    const estimate = jsonLines((await runCli(['run', file, '--estimate', '--json'])).stdout).find((line) => line['type'] === 'estimate') as { toCall: number; inputTokens: number; worstCaseUSD: number };
    expect(estimate.toCall).toBeGreaterThan(100);
    expect(estimate.worstCaseUSD).toBeGreaterThan(1);
    const result = await runCli(['run', file, '--json']);
    expect(result.code).toBe(3);
    const lines = jsonLines(result.stdout);
    const collectDone = lines.find((line) => line['type'] === 'stage-done' && line['stage'] === 'collect');
    const data = collectDone?.['data'] as { spentUSD: number; called: number; stopReason: string };
    expect(data.stopReason).toBe('budget');
    expect(data.called).toBeGreaterThan(0);
    expect(data.called).toBeLessThan(160);
    expect(data.spentUSD).toBeLessThanOrEqual(1);
    expect(result.stderr).toContain('Raise budget.maxUSD');
  }, 60_000);

  it('resumes after kill -9 mid-collection, re-sending only the calls that were in flight', async () => {
    const file = path.join(folder, 'killed.yaml');
    writeFileSync(file, taskYaml({ baseURL: teacher.url, name: 'killed', extra: 'budget:\n  maxUSD: 1\nlimits:\n  concurrency: 4' }));
    const before = teacher.calls();
    const child = spawnCli(['run', file, '--json']);
    await new Promise<void>((resolve) => {
      let answered = 0;
      child.stdout?.on('data', () => {});
      const poll = setInterval(() => {
        answered = teacher.calls() - before;
        if (answered >= 40) {
          clearInterval(poll);
          child.kill('SIGKILL');
          resolve();
        }
      }, 5);
    });
    await new Promise((resolve) => child.on('close', resolve));
    const callsAtKill = teacher.calls() - before;
    expect(callsAtKill).toBeLessThan(150);

    const resumed = await runCli(['run', file, '--json']);
    expect(resumed.code).toBe(0);
    const start = jsonLines(resumed.stdout).find((line) => line['type'] === 'collect' && (line['event'] as { type: string }).type === 'start');
    const orphans = (start?.['event'] as { orphansRecovered: { count: number } }).orphansRecovered.count;
    expect(orphans).toBeLessThanOrEqual(4);
    // Every input answered exactly once, except the calls in flight at the kill, which are reported.
    const inputCount = readFileSync(path.join(folder, 'inputs.jsonl'), 'utf8').trim().split('\n').length;
    expect(teacher.calls() - before).toBeGreaterThanOrEqual(inputCount);
    expect(teacher.calls() - before).toBeLessThanOrEqual(inputCount + orphans);
  }, 60_000);
});
