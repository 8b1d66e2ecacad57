/**
 * Extract and generate tasks through `run` end to end: collect → curate → train the language-model
 * student → evaluate, with the report written; a rerun reuses the student and calls nobody; the
 * teacher's top logprobs with the teacher's tokenizer train token-level; a task whose answers the
 * filters all take stops naming the filter.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encode, decode } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { answer, createFakeTeacher } from '../collect/fake-teacher.js';
import { NoAnswersLeftError } from '../data/answer-filters.js';
import { loadTaskFile } from '../task/load.js';
import type { TeacherCompletion } from '../teacher/types.js';
import type { PipelineEvent } from './events.js';
import { loadSavedLanguageModel } from './lm-train-stage.js';
import type { ResolvedTeacher } from './make-teacher.js';
import { runTask } from './run-task.js';

const NAMES = ['Ada', 'Alan', 'Grace', 'Linus', 'Ken', 'Barbara', 'Edsger', 'Donald', 'Frances', 'John', 'Margaret', 'Dennis'];

/** Sentences naming two people each, and what the teacher answers. */
function sentences(count: number): Array<{ text: string; people: string[] }> {
  return Array.from({ length: count }, (_, index) => {
    const first = NAMES[index % NAMES.length] as string;
    const second = NAMES[(index * 5 + 3) % NAMES.length] as string;
    return { text: `${first} met ${second} on day ${index}.`, people: [first, second] };
  });
}

/** A task file of `kind` with the given student block, and its inputs; returns the task file's path. */
function project(kind: 'extract' | 'generate', student: string, count = 60): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-lm-'));
  const schema = kind === 'extract' ? 'schema:\n  type: object\n  properties:\n    people: { type: array, items: { type: string } }\n  required: [people]\n  additionalProperties: false\n' : '';
  writeFileSync(path.join(folder, 'task.yaml'), `name: people
kind: ${kind}
project: project
teacher:
  baseURL: http://127.0.0.1:9/v1
  model: fake-model
prompt:
  messages:
    - role: user
      content: "{{text}}"
${schema}inputs:
  path: inputs.jsonl
budget:
  maxUSD: 1
  prices: { inputPer1M: 1, outputPer1M: 1 }
split: { train: 0.7, val: 0.15, test: 0.15 }
${student}`);
  writeFileSync(path.join(folder, 'inputs.jsonl'), sentences(count).map(({ text }) => JSON.stringify({ text })).join('\n'));
  return path.join(folder, 'task.yaml');
}

/** The fake teacher behind a ResolvedTeacher. */
function resolvedTeacher(respond: (user: string) => TeacherCompletion): ResolvedTeacher & { teacher: ReturnType<typeof createFakeTeacher> } {
  return { teacher: createFakeTeacher((call) => respond(call.user)), prices: { inputPer1M: 1, outputPer1M: 1 }, priceSource: 'task file', maxOutputTokens: 64 };
}

const peopleOf = (user: string) => sentences(60).find((item) => item.text === user)?.people ?? [];
const TINY = 'student:\n  kind: lm\n  seed: 3\n  lm: { size: tiny, steps: 80, evaluateEvery: 40, batchSize: 8, learningRate: 0.01, storage: f32 }\n';

describe('an extract task into the language-model student', () => {
  it('trains, evaluates with the constrained student, writes the report, and a rerun reuses everything', async () => {
    const task = await loadTaskFile(project('extract', TINY));
    expect(task.spec.student.kind).toBe('lm');
    const resolved = resolvedTeacher((user) => answer(JSON.stringify({ people: peopleOf(user) })));
    const events: PipelineEvent[] = [];
    const result = await runTask({ task, teacher: resolved, emit: (event) => events.push(event) });
    const evaluation = result.generativeEvaluation;
    expect(evaluation).not.toBeNull();
    const report = evaluation?.report;
    expect(report?.testExamples).toBe(result.curation?.report.kept.test);
    expect(report?.figures['validRate']).toBeGreaterThanOrEqual(0);
    // The worst examples hold the student's own answers, which the constraint keeps inside the schema's language.
    expect(report?.examples.every((example) => example.student.startsWith('{'))).toBe(true);
    expect(report?.training.curve.map((point) => point.step)).toEqual([40, 80].slice(0, report?.training.curve.length));
    expect(events.some((event) => event.type === 'train-progress')).toBe(true);
    const html = readFileSync(result.paths.reportHtml, 'utf8');
    expect(html).toContain('Worst examples by field F1');
    expect(html).toContain('Training curve');
    expect(html).toContain('cost per 1M calls');
    const saved = await loadSavedLanguageModel(result.paths.student);
    const first = report?.examples[0];
    expect(saved.generate(first?.input ?? '', { maxTokens: result.languageModel?.maxAnswerTokens ?? 1, temperature: 0, schema: task.spec.schema }).text).toBe(first?.student);

    const calls = resolved.teacher.calls.length;
    const again: PipelineEvent[] = [];
    const rerun = await runTask({ task, teacher: resolved, emit: (event) => again.push(event) });
    expect(resolved.teacher.calls.length).toBe(calls);
    expect(again.some((event) => event.type === 'stage-skip' && event.stage === 'train')).toBe(true);
    expect(rerun.generativeEvaluation?.report.figures).toEqual(report?.figures);
  }, 120_000);

  it.runIf(process.env['DISTILLERY_E2E'] === '1')('learns the mapping well enough that field F1 is far above an empty answer (which scores 0)', async () => {
    const task = await loadTaskFile(project('extract', 'student:\n  kind: lm\n  lm: { size: tiny, steps: 400, evaluateEvery: 100, batchSize: 8, learningRate: 0.01 }\n', 80));
    const result = await runTask({ task, teacher: resolvedTeacher((user) => answer(JSON.stringify({ people: sentences(80).find((item) => item.text === user)?.people ?? [] }))) });
    expect(result.generativeEvaluation?.report.figures['fieldF1']).toBeGreaterThan(0.3);
    expect(result.generativeEvaluation?.report.figures['validRate']).toBeGreaterThan(0.5);
  }, 180_000);

  it('trains token-level where the teacher returned top logprobs (the teacher\'s tokenizer, chosen automatically)', async () => {
    const task = await loadTaskFile(project('extract', 'student:\n  kind: lm\n  lm: { size: tiny, steps: 20, evaluateEvery: 10 }\n', 24));
    const withLogprobs = (text: string): TeacherCompletion => ({
      ...answer(text),
      tokens: encode(text).map((token) => ({ token: decode([token]), logprob: Math.log(0.9), topLogprobs: [{ token: decode([token]), logprob: Math.log(0.9) }] })),
    });
    const result = await runTask({ task, teacher: resolvedTeacher((user) => withLogprobs(JSON.stringify({ people: peopleOf(user) }))), until: 'train' });
    expect(result.languageModel?.tokenizer).toBe('teacher');
    expect(result.languageModel?.tokenLevelExamples).toBe(result.languageModel?.trainExamples);
    expect(result.languageModel?.tokenLevelExamples).toBeGreaterThan(0);
  }, 60_000);

  it('stops naming the filter when the filters leave no answer to train on', async () => {
    const task = await loadTaskFile(project('extract', TINY, 12));
    const error = await runTask({ task, teacher: resolvedTeacher(() => answer('I\'m sorry, but I can\'t help with that.')) }).then(() => null, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(NoAnswersLeftError);
    expect((error as Error).message).toMatch(/^no answers left after filtering: refusal/);
    expect(existsSync(path.join(task.projectDir, 'student.dstl'))).toBe(false);
  });
});

describe('a generate task into the language-model student', () => {
  it('scores chrF, ROUGE-L and exact match with intervals', async () => {
    const task = await loadTaskFile(project('generate', 'student:\n  lm: { size: tiny, steps: 20, evaluateEvery: 10 }\n', 30));
    const result = await runTask({ task, teacher: resolvedTeacher((user) => answer(peopleOf(user).join(' and '))) });
    const report = result.generativeEvaluation?.report;
    expect(Object.keys(report?.figures ?? {}).sort()).toEqual(['chrf', 'exactMatch', 'rougeL']);
    expect(report?.headline.every((figure) => figure.interval.lower <= figure.interval.estimate && figure.interval.estimate <= figure.interval.upper)).toBe(true);
  }, 60_000);

  it('asks the judge about each pair in both orders when evaluate.judge is set, through the store\'s cache', async () => {
    const file = project('generate', 'student:\n  lm: { size: tiny, steps: 10, evaluateEvery: 10 }\nevaluate:\n  judge: { pairs: 3 }\n', 30);
    const task = await loadTaskFile(file);
    const teacher = resolvedTeacher((user) => answer(peopleOf(user).join(' and ')));
    // The judge prefers whichever answer it is shown first: in both orders that is one win each, so a tie.
    const judge = resolvedTeacher(() => answer('Assistant A is clearer. [[A]]', { inputTokens: 50, outputTokens: 8 }));
    const result = await runTask({ task, teacher, judge });
    const summary = result.generativeEvaluation?.report.judge;
    expect(summary?.pairs).toBe(3);
    expect(summary?.ties).toBe(3);
    expect(judge.teacher.calls).toHaveLength(6);
    expect(summary?.costUSD).toBeCloseTo(6 * (50 + 8) / 1e6, 12);
    expect(result.generativeEvaluation?.report.headline.map((figure) => figure.name)).toContain('judge: student wins');
    expect(readFileSync(result.paths.reportHtml, 'utf8')).toContain('Judge: student wins 0, ties 3, loses 0');
    await runTask({ task, teacher, judge });
    expect(judge.teacher.calls).toHaveLength(6);
  }, 60_000);
});
