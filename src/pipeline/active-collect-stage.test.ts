/**
 * `collect.selection: active` through `distillery run`'s pipeline, with a scripted in-process teacher:
 * only part of the inputs is paid for, the held-out sample is the random sample of the test split
 * that evaluate then scores, and a rerun pays for nothing already answered.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeTeacher, softAnswer, type FakeTeacher } from '../collect/fake-teacher.js';
import { splitOf } from '../data/split.js';
import { SYNTHETIC_LABELS, syntheticExamples } from '../student/synthetic-task.js';
import { loadTaskFile } from '../task/load.js';
import { SpecError } from '../task/load.js';
import { readTaskInputs } from './import-stage.js';
import type { PipelineEvent } from './events.js';
import type { ResolvedTeacher } from './make-teacher.js';
import { runTask } from './run-task.js';

let folder: string;
const examples = syntheticExamples(400, 11);
const labelOf = new Map(examples.map((example) => [example.text, example.label]));

function scriptedTeacher(): FakeTeacher {
  return createFakeTeacher((call) => {
    const label = labelOf.get(call.user) ?? 0;
    return softAnswer(SYNTHETIC_LABELS[label] ?? 'sports', SYNTHETIC_LABELS, SYNTHETIC_LABELS.map((_, index) => (index === label ? 0.7 : 0.3 / (SYNTHETIC_LABELS.length - 1))));
  });
}

const resolved = (teacher: FakeTeacher): ResolvedTeacher => ({ teacher, prices: { inputPer1M: 0, outputPer1M: 0 }, priceSource: 'local-free', maxOutputTokens: 4 });

function taskFile(name: string, collect: string): string {
  const file = path.join(folder, `${name}.yaml`);
  writeFileSync(file, [
    `name: ${name}`,
    'teacher: { baseURL: "http://127.0.0.1:9/v1", model: fake-model }',
    'prompt: { messages: [{ role: user, content: "{{text}}" }] }',
    `labels: [${SYNTHETIC_LABELS.join(', ')}]`,
    'inputs: { path: inputs.jsonl }',
    'budget: { maxUSD: 1 }',
    'student: { buckets: 4096, dim: 8, epochs: 4, patience: 2 }',
    collect,
    '',
  ].join('\n'));
  return file;
}

beforeAll(() => {
  folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-active-'));
  writeFileSync(path.join(folder, 'inputs.jsonl'), `${examples.map((example) => JSON.stringify({ text: example.text })).join('\n')}\n`);
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('collect.selection: active in a run', () => {
  it('asks about the held-out sample alone of the test split, which evaluate then scores; a rerun pays nothing', async () => {
    const loaded = await loadTaskFile(taskFile('active', 'collect: { selection: active, active: { heldOutSize: 40, seedSize: 40, batchSize: 50, targetAgreement: 1 } }'));
    const teacher = scriptedTeacher();
    const events: PipelineEvent[] = [];
    const ids = new Map((await readTaskInputs(loaded)).records.map((input) => [input.text, input.id]));
    const result = await runTask({ task: loaded, teacher: resolved(teacher), emit: (event) => events.push(event) });
    const done = events.find((event): event is Extract<PipelineEvent, { type: 'stage-done' }> => event.type === 'stage-done' && event.stage === 'collect');
    expect(done?.summary).toMatch(/Active selection: held-out agreement .*95% interval/);
    const active = done?.data?.['active'] as { stopReason: string; rounds: unknown[]; heldOut: number };
    expect(active.heldOut).toBe(40);
    // Every training and validation input is asked about in the end (target out of reach), but only 40 of the test split.
    const split = loaded.spec.split;
    const asked = new Set(teacher.calls.map((call) => call.user));
    const testAsked = examples.filter((example) => asked.has(example.text) && splitOf(ids.get(example.text) ?? '', split) === 'test');
    expect(active.stopReason).toBe('exhausted');
    expect(testAsked).toHaveLength(40);
    expect(result.evaluation?.report.testExamples).toBe(40);

    const again = scriptedTeacher();
    await runTask({ task: loaded, teacher: resolved(again) });
    expect(again.calls).toHaveLength(0);
  }, 60_000);

  it('refuses selection: active on a task that is not classify, naming the field', async () => {
    const file = path.join(folder, 'generate.yaml');
    writeFileSync(file, [
      'name: gen', 'kind: generate', 'teacher: { baseURL: "http://127.0.0.1:9/v1", model: fake-model }',
      'prompt: { messages: [{ role: user, content: "{{text}}" }] }', 'inputs: { path: inputs.jsonl }', 'budget: { maxUSD: 1 }', 'collect: { selection: active }', '',
    ].join('\n'));
    await expect(loadTaskFile(file)).rejects.toThrow(SpecError);
    await expect(loadTaskFile(file)).rejects.toThrow(/collect\.selection.*classify/);
  });
});

