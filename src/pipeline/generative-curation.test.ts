/**
 * An extract task through `run --until curate` with a scripted teacher: some answers valid JSON,
 * some cut off (finish reason length), some refusals, some schema-breaking, some training inputs
 * that leak a validation sentence. Curation counts each filter, decontaminates, and only what
 * survives reaches the fine-tuning exports and the GPU recipe. (Exact dedup: the inputs differ in a
 * number only, which near-duplicate removal would rightly merge.)
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { answer, createFakeTeacher } from '../collect/fake-teacher.js';
import { NoAnswersLeftError } from '../data/answer-filters.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import { loadTaskFile } from '../task/load.js';
import type { PipelineEvent } from './events.js';
import type { ResolvedTeacher } from './make-teacher.js';
import { projectPaths } from './project.js';
import { runTask } from './run-task.js';

const TASK = `name: people
kind: extract
project: project
teacher:
  baseURL: http://127.0.0.1:9/v1
  model: fake-model
prompt:
  messages:
    - role: system
      content: "List the people as JSON matching {{schema}}"
    - role: user
      content: "{{text}}"
schema:
  type: object
  properties:
    people: { type: array, items: { type: string } }
  required: [people]
  additionalProperties: false
inputs:
  path: inputs.jsonl
split: { train: 0.5, val: 0.5, test: 0 }
curate: { dedup: exact }
budget:
  maxUSD: 1
  prices: { inputPer1M: 1, outputPer1M: 1 }
`;

const PAIRS = 6;
/** Fourteen words no other input shares: a validation sentence a training input may quote. */
const leak = (pair: number): string => Array.from({ length: 14 }, (_, word) => `leak${pair}word${word}`).join(' ');

const INPUTS = [
  ...Array.from({ length: 8 }, (_, index) => `valid: Person${index} met Friend${index} at the market.`),
  'valid fenced: Ada met Alan.',
  ...Array.from({ length: 3 }, (_, index) => `truncated: Long story number ${index} about Grace.`),
  ...Array.from({ length: 3 }, (_, index) => `refusal: Private person ${index}.`),
  ...Array.from({ length: 3 }, (_, index) => `broken: It rained on day ${index}.`),
  ...Array.from({ length: PAIRS }, (_, pair) => [leak(pair), `quoted: a long preamble of other words first then ${leak(pair)} and a different ending here too`]).flat(),
];

/** A project folder with the task and the inputs; returns the task file. */
function project(task = TASK): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-generative-'));
  writeFileSync(path.join(folder, 'task.yaml'), task);
  writeFileSync(path.join(folder, 'inputs.jsonl'), INPUTS.map((text) => JSON.stringify({ text })).join('\n'));
  return path.join(folder, 'task.yaml');
}

/** The scripted teacher: its answer (and finish reason) is chosen by the input's first word. */
function scriptedTeacher(override?: (user: string) => string): ResolvedTeacher {
  const fake = createFakeTeacher((call) => {
    if (override !== undefined) return answer(override(call.user));
    if (call.user.startsWith('valid fenced')) return answer('```json\n{"people": ["Ada", "Alan"]}\n```');
    if (call.user.startsWith('truncated')) return { ...answer('{"people": ["Gra'), finishReason: 'length', rawFinishReason: 'length' };
    if (call.user.startsWith('refusal')) return answer("I'm sorry, but I can't help with that request.");
    if (call.user.startsWith('broken')) return answer('{"weather": "rain"}');
    return answer(`{"people": ["${call.user.slice(0, 12)}"]}`);
  });
  return { teacher: fake, prices: { inputPer1M: 1, outputPer1M: 1 }, priceSource: 'task file', maxOutputTokens: 64 };
}

/** The JSON lines of a file. */
const lines = (file: string): Array<Record<string, unknown>> => readFileSync(file, 'utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>);

describe('curating an extract task (scripted teacher)', () => {
  it('counts each filter and decontamination, and exports only what survives, with a GPU recipe naming the export', async () => {
    const task = await loadTaskFile(project());
    const events: PipelineEvent[] = [];
    const result = await runTask({ task, teacher: scriptedTeacher(), until: 'curate', emit: (event) => events.push(event) });
    const paths = projectPaths(task.projectDir);
    const store = openSqliteStore(paths.database);
    const splits = new Map((await store.listSplits()).map((assignment) => [assignment.inputId, assignment.split]));
    const inputs = await store.listInputs();
    await store.close();
    const splitOfText = (text: string) => splits.get(inputs.find((input) => input.text === text)?.id ?? '');
    // A pair split across train and val loses its training half (the quote, or the sentence quoted).
    const quoting = (pair: number) => INPUTS.find((text) => text.startsWith('quoted') && text.includes(leak(pair))) ?? '';
    let leaked = 0;
    for (let pair = 0; pair < PAIRS; pair++) if (splitOfText(leak(pair)) !== splitOfText(quoting(pair))) leaked++;
    expect(leaked).toBeGreaterThan(0);

    const curation = result.curation;
    expect(curation?.report.filtered).toEqual({ truncated: 3, empty: 0, refusal: 3, schema: 3, unreadable: 0 });
    expect(curation?.report.decontamination?.removed).toBe(leaked);
    expect(curation?.report.decontamination?.bySplit).toEqual({ val: leaked, test: 0 });
    const kept = curation?.report.kept ?? { train: 0, val: 0, test: 0 };
    expect(kept.train + kept.val + kept.test).toBe(9 + PAIRS * 2 - leaked);
    expect(curation?.unanswered).toBe(0);

    // Nothing filtered reaches any export; every line is a valid answer.
    const exported = readdirSync(paths.exportsDir).sort();
    expect(exported).toEqual(['GPU-README.md', ...['alpaca', 'hf-messages', 'openai-chat', 'sharegpt'].flatMap((format) => [`${format}-train.jsonl`, `${format}-val.jsonl`]), 'train_trl.py', 'train_unsloth.py']);
    for (const split of ['train', 'val'] as const) {
      const openai = lines(path.join(paths.exportsDir, `openai-chat-${split}.jsonl`));
      expect(openai).toHaveLength(kept[split]);
      expect(lines(path.join(paths.exportsDir, `hf-messages-${split}.jsonl`))).toHaveLength(kept[split]);
      expect(lines(path.join(paths.exportsDir, `sharegpt-${split}.jsonl`))).toHaveLength(kept[split]);
      const alpaca = lines(path.join(paths.exportsDir, `alpaca-${split}.jsonl`));
      expect(alpaca).toHaveLength(kept[split]);
      for (const row of alpaca) expect(String(row.input)).toMatch(/^(valid|leak|quoted)/);
      for (const row of openai) {
        const messages = row.messages as Array<{ role: string; content: string }>;
        expect(messages.map((message) => message.role)).toEqual(['system', 'user', 'assistant']);
        expect(messages[0]?.content).toContain('"people"');
        expect(messages[2]?.content).toMatch(/"people"/);
        expect(messages[2]?.content).not.toMatch(/sorry|weather|"Gra"?$/);
      }
    }
    const trainText = readFileSync(path.join(paths.exportsDir, 'openai-chat-train.jsonl'), 'utf8');
    for (let pair = 0; pair < PAIRS; pair++) {
      if (splitOfText(leak(pair)) === 'val') expect(trainText).not.toContain(`then ${leak(pair)}`);
      if (splitOfText(quoting(pair)) === 'val') expect(trainText).not.toContain(`"${leak(pair)}"`);
    }
    expect(readFileSync(path.join(paths.exportsDir, 'train_trl.py'), 'utf8')).toContain('"hf-messages-train.jsonl"');
    expect(readFileSync(path.join(paths.exportsDir, 'train_unsloth.py'), 'utf8')).toContain('"hf-messages-train.jsonl"');
    expect(curation?.recipes).toEqual(['exports/train_trl.py', 'exports/train_unsloth.py', 'exports/GPU-README.md']);

    const done = events.find((event) => event.type === 'stage-done' && event.stage === 'curate');
    expect(done).toMatchObject({ data: { curation: { report: { filtered: { truncated: 3, refusal: 3, schema: 3 } } } } });
    expect(done?.type === 'stage-done' ? done.summary : '').toContain(`filtered truncated 3, empty 0, refusal 3, schema 3, unreadable 0; decontamination removed ${leaked}`);
    const report = readFileSync(paths.reportMarkdown, 'utf8');
    expect(report).toContain('| truncated | 3 |');
    expect(report).toContain(`| decontamination (13-grams; val ${leaked}, test 0) | ${leaked} |`);
  });

  it('task refusal patterns replace the defaults, and exports: picks the formats', async () => {
    const task = await loadTaskFile(project(TASK.replace('curate: { dedup: exact }', 'curate:\n  dedup: exact\n  refusalPatterns: ["^nope"]\n  exports: [sharegpt]')));
    const result = await runTask({ task, teacher: scriptedTeacher((user) => (user.startsWith('refusal') ? 'nope, not this one' : '{"people": []}')), until: 'curate' });
    expect(result.curation?.report.filtered).toMatchObject({ refusal: 3, schema: 0 });
    expect(readdirSync(projectPaths(task.projectDir).exportsDir).sort()).toEqual(['sharegpt-train.jsonl', 'sharegpt-val.jsonl']);
    expect(result.curation?.recipes).toEqual([]);
  });

  it('curates a generate task with its own filters (no schema): free text kept, blank answers removed', async () => {
    const generate = TASK.replace('kind: extract', 'kind: generate').replace(/schema:\n(  .*\n)+/, '').replace(' matching {{schema}}', '');
    const task = await loadTaskFile(project(generate));
    const result = await runTask({ task, teacher: scriptedTeacher((user) => (user.startsWith('broken') ? '   ' : `A summary of: ${user}`)), until: 'curate' });
    expect(result.curation?.report.filtered).toEqual({ truncated: 0, empty: 3, refusal: 0, unreadable: 0 });
    const hf = lines(path.join(projectPaths(task.projectDir).exportsDir, 'hf-messages-train.jsonl'));
    expect(hf.length).toBe(result.curation?.report.kept.train);
    for (const row of hf) expect((row.messages as Array<{ content: string }>)[2]?.content).toMatch(/^A summary of: /);
  });

  it('stops with NoAnswersLeftError naming the filter when every answer is filtered out', async () => {
    const task = await loadTaskFile(project());
    const error = await runTask({ task, teacher: scriptedTeacher(() => "I'm sorry, but I can't help with that."), until: 'curate' }).then(() => null, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(NoAnswersLeftError);
    expect((error as Error).message).toMatch(/^no answers left after filtering: refusal removed \d+ of \d+$/);
    expect(existsSync(path.join(projectPaths(task.projectDir).exportsDir, 'openai-chat-train.jsonl'))).toBe(false);
  });
});
