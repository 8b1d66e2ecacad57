/**
 * Continual learning behind the route for a language-model student: a tiny extract student that knows
 * six colours learns the other six from escalated calls, trained further in the background, judged by
 * field F1 on validation + shadow calls, and promoted only when it is not worse; then the same through
 * `prepareLearning` and a real route in front of a real teacher server, the retrain on a worker thread.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClassifierServer } from '../serve/classifier-server.js';
import type { ListeningServer } from '../serve/listen.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import { continueTrainingLanguageModel, languageModelFromBytes, trainLanguageModelStudent } from '../student/lm/lm-student.js';
import type { GenerationExample } from '../student/lm/sequences.js';
import { colourExamples, COLOUR_SCHEMA } from '../student/lm/synthetic-text.js';
import type { TeacherCompletion } from '../teacher/types.js';
import { GenerativeLearner, generativeScore } from './generative-continual.js';
import { fitGenerativeInBackground, type GenerativeRetrainRequest } from './generative-fit.js';
import { prepareLearning } from './prepare-learning.js';
import { prepareRoute } from './prepare.js';
import { startRouteServer } from './route-server.js';
import { answersAgree, generativeRouting } from './sequence-confidence.js';

const COLOURS: Record<string, string> = { red: '#ff0000', green: '#00ff00', blue: '#0000ff', black: '#000000', white: '#ffffff', yellow: '#ffff00', purple: '#800080', orange: '#ffa500', grey: '#808080', navy: '#000080', pink: '#ffc0cb', teal: '#008080' };
const KNOWN = new Set(['red', 'green', 'blue', 'black', 'white', 'yellow']);
const UNKNOWN = Object.keys(COLOURS).filter((name) => !KNOWN.has(name));

/** The teacher's answer (the rule the student learnt on six colours, for all twelve). */
function teacherAnswer(input: string): string {
  const name = input.replace(/^colour: /, '');
  return JSON.stringify({ name, hex: COLOURS[name] ?? '#000000', dark: name === 'black' || name === 'blue' });
}
const example = (name: string): GenerationExample => ({ prompt: `colour: ${name}`, answer: teacherAnswer(`colour: ${name}`) });
const validation = Object.keys(COLOURS).map(example);
const routingOf = (student: Parameters<typeof generativeRouting>[0]) => generativeRouting(student, 'extract', COLOUR_SCHEMA as unknown as Record<string, unknown>, undefined);
const TRAINING = { steps: 40, batchSize: 12, learningRate: 1e-2, warmupSteps: 5, evaluateEvery: 10, patience: 100, seed: 3 };

const { student } = trainLanguageModelStudent(colourExamples(4), colourExamples(1), {
  vocabularySize: 300,
  config: { width: 32, layers: 2, heads: 4, keyValueHeads: 2, hiddenWidth: 64, context: 48 },
  training: { steps: 100, batchSize: 12, learningRate: 1e-2, warmupSteps: 10, evaluateEvery: 25, patience: 100, seed: 3 },
});

/** Trains in this thread (the route uses a worker; the verdict is what these tests check). */
async function inProcessFit(request: GenerativeRetrainRequest) {
  const fit = continueTrainingLanguageModel(request.studentBytes, request.train, request.validation, request.training);
  return { student: fit.student, seconds: fit.report.seconds };
}

let folder: string;
beforeAll(() => {
  folder = mkdtempSync(path.join(os.tmpdir(), 'route-generative-continual-'));
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function learner(fit: (request: GenerativeRetrainRequest) => Promise<{ student: typeof student; seconds: number }>, name: string, lines: string[]) {
  return new GenerativeLearner({
    routingOf, metric: 'field-f1', base: { train: colourExamples(4), validation }, retrainEvery: UNKNOWN.length * 2, targetAgreement: 0.99, fit, training: TRAINING,
    escalationsFile: path.join(folder, `${name}.jsonl`), studentFile: path.join(folder, `${name}.dstl`), prompt: null, drift: null, holdOutShare: 0, log: (line) => lines.push(line),
  }, { student: routingOf(student), threshold: 0.5, generation: 0 });
}

describe('continual learning for a language-model student', () => {
  it('trains further after N escalations, judges by field F1 on validation + shadow calls, and promotes a better student', async () => {
    const lines: string[] = [];
    const learning = learner(inProcessFit, 'better', lines);
    for (const name of UNKNOWN) learning.addEscalation({ text: `colour: ${name}`, answer: teacherAnswer(`colour: ${name}`), heldOut: true });
    for (let copy = 0; copy < 2; copy++) for (const name of UNKNOWN) learning.addEscalation({ text: `colour: ${name}`, answer: teacherAnswer(`colour: ${name}`) });
    await learning.idle();
    expect(learning.counts()).toEqual({ train: 12, shadow: 6, sinceRetrain: 0 });
    expect(learning.history).toHaveLength(1);
    const [report] = learning.history;
    expect(report).toMatchObject({ trainExamples: 24 + 12, escalationsUsed: 12, comparedOn: 12 + 6, promoted: true });
    expect(report?.currentAgreement).toBeCloseTo(generativeScore(routingOf(student), [...validation, ...UNKNOWN.map(example)], 'field-f1'), 12);
    expect(report?.candidateAgreement).toBeGreaterThan(report?.currentAgreement ?? 1);
    expect(learning.slot.generation).toBe(1);
    expect(learning.slot.threshold).toBe(report?.threshold);
    // The promoted file is the student answering now, and the escalations are kept for a restart.
    const saved = routingOf(languageModelFromBytes(new Uint8Array(readFileSync(path.join(folder, 'better.dstl')))));
    expect(generativeScore(saved, validation, 'field-f1')).toBeCloseTo(generativeScore(learning.slot.student, validation, 'field-f1'), 12);
    expect(readFileSync(path.join(folder, 'better.jsonl'), 'utf8').trim().split('\n')).toHaveLength(18);
    expect(lines.some((line) => /field F1 .* → promoted \(generation 1/.test(line))).toBe(true);
  }, 60_000);

  it('keeps the current student when the retrained one is worse', async () => {
    const lines: string[] = [];
    // A "retrain" that returns an untrained model: far worse on every held-out call.
    const worse = async () => ({ student: trainLanguageModelStudent(colourExamples(1), colourExamples(1), { vocabularySize: 300, config: { width: 16, layers: 1, heads: 2, keyValueHeads: 1, hiddenWidth: 32, context: 48 }, training: { steps: 1, evaluateEvery: 1 } }).student, seconds: 0 });
    const learning = learner(worse, 'worse', lines);
    for (let copy = 0; copy < 2; copy++) for (const name of UNKNOWN) learning.addEscalation({ text: `colour: ${name}`, answer: teacherAnswer(`colour: ${name}`) });
    await learning.idle();
    expect(learning.history[0]).toMatchObject({ promoted: false });
    expect(learning.slot.generation).toBe(0);
    expect(learning.slot.student?.student).toBe(student);
    expect(existsSync(path.join(folder, 'worse.dstl'))).toBe(false);
    expect(lines.some((line) => line.includes('kept the current student'))).toBe(true);
  }, 60_000);

  it('compares a shadow call\'s answers as JSON values (extract) or trimmed texts (generate)', () => {
    const { validate } = routingOf(student);
    expect(answersAgree(validate, '{"name":"red","hex":"#ff0000","dark":false}', '```json\n{"dark":false,"hex":"#ff0000","name":"red"}\n```')).toBe(true);
    expect(answersAgree(validate, '{"name":"red","hex":"#ff0000","dark":true}', '{"dark":false,"hex":"#ff0000","name":"red"}')).toBe(false);
    expect(answersAgree(validate, '{"name":"red"}', '{"name":"red"}')).toBe(false);
    expect(answersAgree(undefined, ' a summary\n', 'a summary')).toBe(true);
  });

  it('trains on a worker thread, and says why when it cannot', async () => {
    const fit = await fitGenerativeInBackground({ studentBytes: student.toBytes(), train: colourExamples(1), validation: colourExamples(1), training: { steps: 3, evaluateEvery: 3, batchSize: 6 } });
    expect(fit.student.training?.stepsRun).toBe(3);
    expect(fit.student.generate('colour: red', { maxTokens: 8 }).text.length).toBeGreaterThan(0);
    await expect(fitGenerativeInBackground({ studentBytes: student.toBytes(), train: colourExamples(1).slice(0, 2), validation: [], training: { steps: 3 } })).rejects.toThrow(/the background retrain failed: training set too small/);
  }, 60_000);
});

describe('distillery route --retrain-every with a language-model student', () => {
  let teacher: ListeningServer;
  beforeAll(async () => {
    teacher = await startClassifierServer({ modelName: 'colour-teacher', classify: (input) => ({ label: teacherAnswer(input), ranked: null }) });
  });
  afterAll(async () => teacher.close());

  const completion = (text: string) => ({ text, finishReason: 'stop', rawFinishReason: 'stop', usage: { inputTokens: 5, outputTokens: 12 }, responseId: null, raw: null, warnings: [] }) as unknown as TeacherCompletion;

  it('keeps the escalated answers and retrains in the background while the route answers', async () => {
    const project = path.join(folder, 'project');
    rmSync(project, { recursive: true, force: true });
    mkdirSync(project);
    writeFileSync(path.join(project, 'task.yaml'), [
      'name: colours', 'kind: extract', 'project: .', 'teacher:', `  baseURL: ${teacher.url}`, '  model: colour-teacher', 'prompt:', '  messages:', '    - role: user', '      content: "{{text}}"',
      `schema: ${JSON.stringify(COLOUR_SCHEMA)}`, 'inputs:', '  path: inputs.jsonl', 'budget:', '  maxUSD: 1', 'student:', '  kind: lm', '  lm:', '    steps: 10', '    batchSize: 12', '    evaluateEvery: 10', '',
    ].join('\n'));
    writeFileSync(path.join(project, 'student.dstl'), student.toBytes());
    const store = openSqliteStore(path.join(project, 'distillery.sqlite'));
    const rows = [...[...KNOWN].map((name) => ({ name, split: 'train' as const })), ...Object.keys(COLOURS).map((name) => ({ name, split: 'val' as const }))];
    await store.addInputs(rows.map((row, index) => ({ id: `i${index}`, text: `colour: ${row.name}`, gold: null, source: `inputs.jsonl:${index}` })));
    await store.saveSplits(rows.map((row, index) => ({ inputId: `i${index}`, split: row.split, duplicateOf: null })));
    for (const [index, row] of rows.entries()) {
      const answer = teacherAnswer(`colour: ${row.name}`);
      await store.commitResponse({ cacheKey: `k${index}`, inputId: `i${index}`, model: 'colour-teacher', kind: 'label', label: null, distribution: null, tailMass: null, text: answer, inputTokens: 5, outputTokens: 12, costUSD: 0, latencyMs: 1, attempts: 1, createdAt: 1, completion: completion(answer) });
    }
    await store.close();
    const prepared = await prepareRoute(project, 0.99, {});
    const lines: string[] = [];
    const learning = await prepareLearning(prepared, { retrainEvery: 2, targetAgreement: 0.99, shadowRate: 1, driftWindow: 50, log: (line) => lines.push(line) });
    expect(learning.learner).toBeInstanceOf(GenerativeLearner);
    const route = await startRouteServer({ ...prepared.options, learning });
    try {
      const client = new OpenAI({ baseURL: route.url, apiKey: 'unused', maxRetries: 0 });
      let escalated = 0;
      let local = 0;
      for (const name of [...KNOWN, ...UNKNOWN]) {
        const { data, response } = await client.chat.completions.create({ model: 'colour-teacher', messages: [{ role: 'user', content: `colour: ${name}` }] }).withResponse();
        expect(JSON.parse(data.choices[0]?.message.content ?? '')).toEqual(JSON.parse(teacherAnswer(`colour: ${name}`)));
        if (response.headers.get('x-distillery-route') === 'teacher') escalated++;
        else local++;
      }
      await learning.settle();
      await learning.learner.idle();
      expect(escalated).toBeGreaterThan(0);
      expect(local).toBeGreaterThan(0);
      // Every student-answered call was also asked of the teacher (shadow rate 1): held out, and judged by JSON value.
      expect(learning.shadow).toEqual({ sent: local, failed: 0 });
      const kept = readFileSync(path.join(project, 'route-escalations.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { text: string; answer: string; heldOut?: boolean });
      expect(kept.filter((row) => row.heldOut !== true)).toHaveLength(escalated);
      expect(kept.filter((row) => row.heldOut === true)).toHaveLength(local);
      for (const row of kept) expect(row.answer).toBe(teacherAnswer(row.text));
      // A fifth of the escalations (by the input's hash) is held out; the rest reach --retrain-every 2 at least once.
      expect(learning.learner.counts().train).toBeGreaterThanOrEqual(2);
      expect(learning.learner.history.length).toBeGreaterThanOrEqual(1);
      expect(lines.some((line) => /trained the language-model student further on \d+ examples \(\d+ escalations\)/.test(line))).toBe(true);
    } finally {
      await route.close();
    }
  }, 90_000);
});
