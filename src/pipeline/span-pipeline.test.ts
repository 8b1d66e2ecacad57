/**
 * Extract tasks into the span-tagger student through `run`: kind span trains, chooses its epochs on
 * validation and evaluates on the one extract path (the report's figures recomputed here from its
 * examples); the student file answers through loadStudent exactly as the report says; kind auto trains
 * both students where the teacher's values are spans of the input and says which it kept and why, and
 * keeps lm (saying why) where they are not; a schema the tagger cannot answer is a setup error.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { answer, createFakeTeacher } from '../collect/fake-teacher.js';
import { extractMetrics } from '../eval/extract-metrics.js';
import { loadStudent } from '../index.js';
import { isSpanStudent, type AnyStudent } from '../student/load-student.js';
import { loadTaskFile } from '../task/load.js';
import type { TeacherCompletion } from '../teacher/types.js';
import { SetupError } from './errors.js';
import type { PipelineEvent } from './events.js';
import type { ResolvedTeacher } from './make-teacher.js';
import { runTask } from './run-task.js';

const PEOPLE = ['Ada', 'Alan', 'Grace', 'Linus', 'Ken', 'Barbara', 'Edsger', 'Donald', 'Frances', 'John', 'Margaret', 'Dennis'];
const CITIES = ['Paris', 'Lagos', 'Osaka', 'Quito', 'Oslo'];

/** Sentences naming a person and a city, and the teacher's answer (spans of the sentence). */
function sentences(count: number): Array<{ text: string; people: string[]; places: string[] }> {
  return Array.from({ length: count }, (_, index) => {
    const person = PEOPLE[index % PEOPLE.length] as string;
    const city = CITIES[(index * 3) % CITIES.length] as string;
    return index % 3 === 0
      ? { text: `On day ${index} ${person} flew to ${city}.`, people: [person], places: [city] }
      : index % 3 === 1 ? { text: `${person} stayed home on day ${index}.`, people: [person], places: [] } : { text: `It rained in ${city} on day ${index}.`, people: [], places: [city] };
  });
}

const SCHEMA = 'schema:\n  type: object\n  properties:\n    people: { type: array, items: { type: string } }\n    places: { type: array, items: { type: string } }\n  required: [people, places]\n  additionalProperties: false\n';

/** A task file with the given schema and student block, and its inputs; returns the task file's path. */
function project(student: string, schema = SCHEMA, count = 90): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-span-'));
  writeFileSync(path.join(folder, 'task.yaml'), `name: places
kind: extract
project: project
teacher:
  baseURL: http://127.0.0.1:9/v1
  model: fake-model
prompt:
  messages:
    - role: system
      content: Name the people and places as JSON.
    - role: user
      content: "Sentence: {{text}}"
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

/** The fake teacher behind a ResolvedTeacher: it answers from the sentence inside the user message. */
function resolvedTeacher(respond: (sentence: string) => TeacherCompletion): ResolvedTeacher & { teacher: ReturnType<typeof createFakeTeacher> } {
  return { teacher: createFakeTeacher((call) => respond(call.user.replace(/^Sentence: /, ''))), prices: { inputPer1M: 1, outputPer1M: 1 }, priceSource: 'task file', maxOutputTokens: 64 };
}

const truth = (sentence: string) => sentences(90).find((item) => item.text === sentence) ?? { people: [], places: [] };
const spanTeacher = () => resolvedTeacher((sentence) => answer(JSON.stringify({ people: truth(sentence).people, places: truth(sentence).places })));

describe('an extract task into the span-tagger student', () => {
  it('trains (epochs chosen on validation), evaluates on the extract path, and the file answers as the report says', async () => {
    const task = await loadTaskFile(project('student:\n  kind: span\n  span: { epochs: [1, 5], bits: 14 }\n'));
    const events: PipelineEvent[] = [];
    const resolved = spanTeacher();
    const result = await runTask({ task, teacher: resolved, emit: (event) => events.push(event) });
    const report = result.generativeEvaluation?.report;
    expect(report?.studentKind).toBe('span');
    expect(result.spanTagger?.figures.candidates.map((candidate) => candidate.epochs)).toEqual([1, 5]);
    const best = Math.max(...(result.spanTagger?.figures.candidates.map((candidate) => candidate.validationFieldF1) ?? []));
    expect(result.spanTagger?.validationFieldF1).toBe(best);
    expect(report?.training.span?.placed).toBe(report?.training.span?.values);
    // The report's figures are the extract metrics of its own examples.
    const examples = report?.examples ?? [];
    expect(examples).toHaveLength(report?.testExamples ?? -1);
    const metrics = extractMetrics(examples.map((example) => ({ teacher: example.teacher, student: example.student })), task.spec.schema ?? {});
    expect(report?.figures['fieldF1']).toBeCloseTo(metrics.fields.f1, 12);
    expect(report?.figures['validRate']).toBe(1);
    for (const name of ['valid JSON (schema)', 'field F1 vs teacher', 'exact match vs teacher']) expect(report?.headline.some((figure) => figure.name === name), name).toBe(true);
    expect(report?.student.tokenizer).toBe('words');
    const html = readFileSync(result.paths.reportHtml, 'utf8');
    expect(html).toContain('extract distilled into the span-tagger student');
    expect(html).toMatch(/validation field F1 by epochs: 1 epochs \d\.\d{3}, 5 epochs \d\.\d{3}; kept [15] epochs/);
    expect(html).toContain('Worst examples by field F1');
    expect(report?.latency.student.p50Ms).toBeGreaterThan(0);

    const student = loadStudent<AnyStudent>(result.paths.student);
    if (!isSpanStudent(student)) throw new Error('expected a span student');
    const first = examples[0];
    expect(student.generate(first?.input ?? '').text).toBe(first?.student);
    // The app's exact teacher messages: the recorded template is inverted to the sentence.
    const messages = [{ role: 'system', content: 'Name the people and places as JSON.' }, { role: 'user', content: `Sentence: ${first?.input ?? ''}` }];
    expect(student.generate(messages)).toMatchObject({ text: first?.student, template: 'matched', input: first?.input });

    const calls = resolved.teacher.calls.length;
    const again: PipelineEvent[] = [];
    const rerun = await runTask({ task, teacher: resolved, emit: (event) => again.push(event) });
    expect(resolved.teacher.calls.length).toBe(calls);
    expect(again.some((event) => event.type === 'stage-skip' && event.stage === 'train')).toBe(true);
    expect(rerun.generativeEvaluation?.report.figures).toEqual(report?.figures);
  }, 120_000);

  it('auto trains both students when the teacher\'s values are spans of the input, and reports the choice on validation', async () => {
    const task = await loadTaskFile(project('student:\n  span: { epochs: [5], bits: 14 }\n  lm: { size: tiny, steps: 10, evaluateEvery: 10, batchSize: 8, storage: f32 }\n'));
    expect(task.spec.student.kind).toBe('auto');
    const events: PipelineEvent[] = [];
    const result = await runTask({ task, teacher: spanTeacher(), emit: (event) => events.push(event) });
    const choice = result.generativeEvaluation?.report.choice;
    expect(choice?.validationFieldF1.span).toBeTypeOf('number');
    expect(choice?.validationFieldF1.lm).toBeTypeOf('number');
    const expected = (choice?.validationFieldF1.lm ?? 0) > (choice?.validationFieldF1.span ?? 0) ? 'lm' : 'span';
    expect(choice?.chosen).toBe(expected);
    expect(result.generativeEvaluation?.report.studentKind).toBe(expected);
    expect(choice?.reason).toMatch(/teacher values are word-aligned spans of the input; validation field F1 span \d\.\d{3}, lm \d\.\d{3}/);
    expect(events.some((event) => event.type === 'stage-done' && event.stage === 'train' && event.summary.startsWith(`student.kind auto chose ${expected}`))).toBe(true);

    // A rerun on the same data reuses the student kept, with its choice, and trains neither.
    const again: PipelineEvent[] = [];
    const rerun = await runTask({ task, teacher: spanTeacher(), emit: (event) => again.push(event) });
    expect(again.filter((event) => event.type === 'stage-skip' && event.stage === 'train')).toHaveLength(1);
    expect(again.some((event) => event.type === 'stage-start' && event.stage === 'train')).toBe(false);
    expect(rerun.generativeEvaluation?.report.choice).toEqual(choice);
    expect(rerun.generativeEvaluation?.report.figures).toEqual(result.generativeEvaluation?.report.figures);
  }, 180_000);

  it('auto keeps lm, saying why, when the teacher\'s values are not spans of the input', async () => {
    const task = await loadTaskFile(project('student:\n  lm: { size: tiny, steps: 10, evaluateEvery: 10, batchSize: 8, storage: f32 }\n', SCHEMA, 40));
    const upper = resolvedTeacher((sentence) => answer(JSON.stringify({ people: truth(sentence).people.map((name) => name.toUpperCase()), places: [] })));
    const result = await runTask({ task, teacher: upper });
    const choice = result.generativeEvaluation?.report.choice;
    expect(choice?.chosen).toBe('lm');
    expect(choice?.reason).toMatch(/^0 of \d+ teacher values are word-aligned spans of the input, below student\.span\.minSpanShare 0\.9$/);
    expect(result.generativeEvaluation?.report.studentKind).toBe('lm');
    expect(result.spanTagger).toBeNull();
  }, 120_000);

  it('stops with a setup error naming the property when kind span meets a schema it cannot answer', async () => {
    const schema = 'schema:\n  type: object\n  properties:\n    count: { type: integer }\n  required: [count]\n';
    const task = await loadTaskFile(project('student:\n  kind: span\n', schema, 30));
    const error = await runTask({ task, teacher: resolvedTeacher(() => answer('{"count":1}')) }).then(() => null, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(SetupError);
    expect((error as Error).message).toBe('student.kind span: the span tagger cannot answer this task\'s schema: property "count" is neither a string nor an array of strings (use student.kind: lm, or auto)');
  }, 60_000);
});
