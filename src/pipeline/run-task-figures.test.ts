/**
 * The figures a run reports and how it reports its progress, end to end over the pipeline with a
 * scripted in-process teacher (no server): progress that ends full, the interval and warnings on
 * agreement, the disagreements and junk listed, the training row kept on a rerun, one speed-up,
 * and a cancelled collection said once.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { humanRenderer } from '../cli/progress.js';
import { answer, createFakeTeacher, softAnswer, type FakeTeacher } from '../collect/fake-teacher.js';
import { wilsonInterval } from '../eval/metrics.js';
import { speedupText } from '../eval/report.js';
import { loadTaskFile } from '../task/load.js';
import { SYNTHETIC_LABELS, syntheticExamples } from '../student/synthetic-task.js';
import type { TeacherCompletion } from '../teacher/types.js';
import { RunStoppedError } from './errors.js';
import type { PipelineEvent } from './events.js';
import type { ResolvedTeacher } from './make-teacher.js';
import { runTask } from './run-task.js';

let folder: string;
const examples = syntheticExamples(320, 7);
const labelOf = new Map(examples.map((example) => [example.text, example.label]));
/** Inputs the scripted teacher answers with something that is not a label. */
const JUNK_MARK = 'zzjunk';

function scriptedTeacher(): FakeTeacher {
  return createFakeTeacher((call): TeacherCompletion => {
    if (call.user.includes(JUNK_MARK)) return answer('I cannot say');
    const label = labelOf.get(call.user) ?? 0;
    const distribution = SYNTHETIC_LABELS.map((_, index) => (index === label ? 0.7 : 0.1));
    return softAnswer(SYNTHETIC_LABELS[label] ?? 'sports', SYNTHETIC_LABELS, distribution);
  });
}

function resolved(teacher: FakeTeacher): ResolvedTeacher {
  return { teacher, prices: { inputPer1M: 0, outputPer1M: 0 }, priceSource: 'local-free', maxOutputTokens: 4 };
}

async function task(name: string) {
  const file = path.join(folder, `${name}.yaml`);
  writeFileSync(file, [
    `name: ${name}`,
    'teacher: { baseURL: "http://127.0.0.1:9/v1", model: fake-model }',
    'prompt: { messages: [{ role: user, content: "{{text}}" }] }',
    `labels: [${SYNTHETIC_LABELS.join(', ')}]`,
    'inputs: { path: inputs.jsonl }',
    'budget: { maxUSD: 1 }',
    'student: { buckets: 4096, dim: 8, epochs: 6, patience: 2 }',
    '',
  ].join('\n'));
  return loadTaskFile(file);
}

beforeAll(() => {
  folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-figures-'));
  const lines = examples.map((example) => JSON.stringify({ text: example.text }));
  for (let index = 0; index < 6; index++) lines.push(JSON.stringify({ text: `${JUNK_MARK} number ${index} of the inputs the teacher cannot place` }));
  writeFileSync(path.join(folder, 'inputs.jsonl'), `${lines.join('\n')}\n`);
});

afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('what a run reports', () => {
  it('ends the evaluate progress at N/N, gives agreement its interval, warns on a small split and lists disagreements and junk', async () => {
    const events: PipelineEvent[] = [];
    const loaded = await task('figures');
    const result = await runTask({ task: loaded, teacher: resolved(scriptedTeacher()), emit: (event) => events.push(event) });
    const report = result.evaluation?.report;
    if (!report) throw new Error('no report');

    const progress = events.filter((event): event is Extract<PipelineEvent, { type: 'evaluate-progress' }> => event.type === 'evaluate-progress' && event.step === 'scoring');
    expect(progress.at(-1)).toMatchObject({ done: report.testExamples, total: report.testExamples });
    expect(progress.map((event) => event.done)).toEqual([...progress.map((event) => event.done)].sort((a, b) => a - b));

    const agreed = Math.round(report.agreement * report.testExamples);
    expect(report.agreementInterval).toEqual(wilsonInterval(agreed, report.testExamples));
    expect(report.testExamples).toBeLessThan(100);
    expect(report.warnings.join(' ')).toMatch(new RegExp(`only ${report.testExamples} test examples scored \\(fewer than 100\\)`, 'u'));
    expect(events).toContainEqual(expect.objectContaining({ type: 'warning', stage: 'evaluate', message: expect.stringMatching(/fewer than 100/u) }));

    expect(report.disagreements.total).toBe(report.testExamples - agreed);
    for (const row of report.disagreements.shown) {
      expect(row.teacher.label).not.toBe(row.student.label);
      expect(row.teacher.probability).toBeCloseTo(0.7, 6);
      expect(row.student.probability).toBeGreaterThan(0);
    }
    const shownProbabilities = report.disagreements.shown.map((row) => row.student.probability);
    expect(shownProbabilities).toEqual([...shownProbabilities].sort((a, b) => b - a));
    expect(report.junkAnswers.total).toBe(6);
    expect(report.junkAnswers.shown[0]).toMatchObject({ answer: 'I cannot say', snippet: expect.stringContaining(JUNK_MARK) });

    const markdown = readFileSync(result.paths.reportMarkdown, 'utf8');
    expect(markdown).toContain(`## Disagreements with the teacher (${report.disagreements.total} on the test split`);
    expect(markdown).toContain('## Junk answers: the teacher named no label (6)');
    expect(markdown).toMatch(/^> ⚠ only \d+ test examples scored/mu);
    expect(readFileSync(result.paths.reportHtml, 'utf8')).toContain('I cannot say');
  }, 60_000);

  it('keeps the training row on a rerun that reuses the saved student', async () => {
    const loaded = await task('rerun');
    const first = await runTask({ task: loaded, teacher: resolved(scriptedTeacher()) });
    const events: PipelineEvent[] = [];
    const second = await runTask({ task: loaded, teacher: resolved(scriptedTeacher()), emit: (event) => events.push(event) });
    expect(events).toContainEqual(expect.objectContaining({ type: 'stage-skip', stage: 'train' }));
    const before = first.evaluation?.report.training;
    const after = second.evaluation?.report.training;
    expect(before).toMatchObject({ reused: false });
    expect(after).toEqual({ ...before, reused: true });
    expect(readFileSync(second.paths.reportMarkdown, 'utf8')).toMatch(/\| training \| best epoch \d+\/\d+.*trained by an earlier run\) \|/u);
  }, 60_000);

  it('times the teacher one call at a time when asked, and quotes one speed-up: that p50 over the student\'s', async () => {
    const teacher = scriptedTeacher();
    const result = await runTask({ task: await task('timed'), teacher: resolved(teacher), teacherLatencySamples: 5 });
    const report = result.evaluation?.report;
    if (!report?.latency.teacher) throw new Error('no teacher latency');
    // Every input once while collecting, then five timed calls.
    expect(teacher.calls.length).toBe(result.inputs + 5);
    expect(report.latency.teacherMethod).toBe('sequential');
    expect(report.latency.teacher.samples).toBe(5);
    expect(report.speedupAtP50).toBe(report.latency.teacher.p50Ms / report.latency.student.p50Ms);
    expect(readFileSync(result.paths.reportMarkdown, 'utf8')).toContain(`| speed-up at p50 (teacher / student in-process) | ${speedupText(report.speedupAtP50 ?? 0)} |`);
  }, 60_000);

  it('says a cancelled collection once, with a cancel mark and no ✔', async () => {
    const controller = new AbortController();
    const teacher = createFakeTeacher((call) => {
      if (call.index === 3) controller.abort();
      return answer('sports');
    });
    const events: PipelineEvent[] = [];
    const stream = Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.WriteStream;
    let printed = '';
    (stream as unknown as PassThrough).on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
    const renderer = humanRenderer(stream);
    const run = runTask({ task: await task('cancelled'), teacher: resolved(teacher), signal: controller.signal, emit: (event) => { events.push(event); renderer.handle(event); } });
    const error = await run.then(() => null, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(RunStoppedError);
    expect((error as RunStoppedError).reason).toBe('aborted');
    expect(events.filter((event) => event.type === 'stage-done' && event.stage === 'collect')).toHaveLength(0);
    expect(events).toContainEqual(expect.objectContaining({ type: 'stage-stop', stage: 'collect', reason: 'aborted' }));
    expect(printed).toContain('✖ collect: cancelled');
    expect(printed).not.toContain('✔ collect');
    // The message is the error's to say (the CLI prints it once); the progress line does not repeat it.
    expect(printed).not.toContain('answers so far are saved');
    expect((error as Error).message).toContain('answers so far are saved');
  }, 60_000);
});
