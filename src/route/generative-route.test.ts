/**
 * `distillery route` for an extract task with a language-model student: the threshold calibrated on
 * the project's validation split from the student's sequence confidence, then a real route in front of
 * a real teacher server (a rule that knows every colour; the student was trained on six of them),
 * called with the official openai client.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClassifierServer } from '../serve/classifier-server.js';
import type { ListeningServer } from '../serve/listen.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import { trainLanguageModelStudent } from '../student/lm/lm-student.js';
import { colourExamples, COLOUR_SCHEMA } from '../student/lm/synthetic-text.js';
import type { TeacherCompletion } from '../teacher/types.js';
import { prepareRoute, type PreparedRoute } from './prepare.js';
import { ROUTE_HEADER, startRouteServer, WARNING_HEADER, type RouteServer } from './route-server.js';
import { agreesWithTeacher, answerWithConfidence, generativeRouting, sequenceConfidence } from './sequence-confidence.js';

const COLOURS: Record<string, string> = { red: '#ff0000', green: '#00ff00', blue: '#0000ff', black: '#000000', white: '#ffffff', yellow: '#ffff00', purple: '#800080', orange: '#ffa500', grey: '#808080', navy: '#000080', pink: '#ffc0cb', teal: '#008080' };
const DARK = new Set(['black', 'blue', 'purple', 'navy', 'teal']);

/** The teacher's answer to "colour: NAME": the rule the student learnt on six colours, for all twelve. */
function teacherAnswer(input: string): string {
  const name = input.replace(/^colour: /, '');
  return JSON.stringify({ name, hex: COLOURS[name] ?? '#000000', dark: DARK.has(name) });
}

const { student } = trainLanguageModelStudent(colourExamples(4), colourExamples(1), {
  vocabularySize: 300,
  config: { width: 32, layers: 2, heads: 4, keyValueHeads: 2, hiddenWidth: 64, context: 48 },
  training: { steps: 150, batchSize: 12, learningRate: 1e-2, warmupSteps: 10, evaluateEvery: 25, patience: 100, seed: 3 },
});

let directory: string;
let teacher: ListeningServer;
let prepared: PreparedRoute;
let route: RouteServer;
let client: OpenAI;

/** A completion as the store keeps it. */
function completion(text: string): TeacherCompletion {
  return { text, finishReason: 'stop', rawFinishReason: 'stop', usage: { inputTokens: 5, outputTokens: 12 }, responseId: null, raw: null, warnings: [] } as unknown as TeacherCompletion;
}

beforeAll(async () => {
  teacher = await startClassifierServer({ modelName: 'colour-teacher', classify: (input) => ({ label: teacherAnswer(input), ranked: null }) });
  directory = mkdtempSync(path.join(os.tmpdir(), 'route-generative-'));
  writeFileSync(path.join(directory, 'task.yaml'), [
    'name: colours', 'kind: extract', 'project: .', 'teacher:', `  baseURL: ${teacher.url}`, '  model: colour-teacher', 'prompt:', '  messages:', '    - role: user', '      content: "{{text}}"',
    `schema: ${JSON.stringify(COLOUR_SCHEMA)}`, 'inputs:', '  path: inputs.jsonl', 'budget:', '  maxUSD: 1', '',
  ].join('\n'));
  writeFileSync(path.join(directory, 'student.dstl'), student.toBytes());
  const store = openSqliteStore(path.join(directory, 'distillery.sqlite'));
  const validation = Object.keys(COLOURS).map((name) => `colour: ${name}`);
  await store.addInputs(validation.map((text, index) => ({ id: `v${index}`, text, gold: null, source: `inputs.jsonl:${index}` })));
  await store.saveSplits(validation.map((_, index) => ({ inputId: `v${index}`, split: 'val' as const, duplicateOf: null })));
  for (const [index, text] of validation.entries()) {
    const answer = teacherAnswer(text);
    await store.commitResponse({ cacheKey: `k${index}`, inputId: `v${index}`, model: 'colour-teacher', kind: 'label', label: null, distribution: null, tailMass: null, text: answer, inputTokens: 5, outputTokens: 12, costUSD: 0, latencyMs: 1, attempts: 1, createdAt: 1, completion: completion(answer) });
  }
  await store.close();
  prepared = await prepareRoute(directory, 0.99, {});
  process.stdout.write(`${prepared.notes.join('\n')}\n`);
  route = await startRouteServer(prepared.options);
  client = new OpenAI({ baseURL: route.url, apiKey: 'unused', maxRetries: 0 });
}, 60_000);

afterAll(async () => {
  await route.close();
  await teacher.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('sequence confidence', () => {
  it('is exp(mean token logprob), and 0 for an answer cut short', () => {
    const generation = student.generate('colour: red', { maxTokens: 48 });
    const mean = generation.logprobs.reduce((sum, token) => sum + token.logprob, 0) / generation.logprobs.length;
    expect(sequenceConfidence(generation)).toBeCloseTo(Math.exp(mean), 12);
    expect(sequenceConfidence(student.generate('colour: red', { maxTokens: 3 }))).toBe(0);
  });

  it('is 0 for an extract answer that breaks the schema, and agreement compares JSON values', () => {
    const strict = generativeRouting(student, 'extract', { ...COLOUR_SCHEMA, properties: { ...COLOUR_SCHEMA.properties, hex: { type: 'string', minLength: 20 } } }, undefined);
    // minLength is beyond constrained decoding: the answer is generated freely and then fails validation.
    expect(strict.decodingSchema).toBeUndefined();
    expect(answerWithConfidence(strict, 'colour: red').confidence).toBe(0);
    const routing = generativeRouting(student, 'extract', COLOUR_SCHEMA as unknown as Record<string, unknown>, undefined);
    const answer = answerWithConfidence(routing, 'colour: red');
    expect(answer.confidence).toBeGreaterThan(0);
    expect(agreesWithTeacher(routing, answer, '```json\n{"dark":false,"hex":"#ff0000","name":"red"}\n```')).toBe(true);
    expect(agreesWithTeacher(routing, answer, '{"dark":true,"hex":"#ff0000","name":"red"}')).toBe(false);
  });
});

describe('distillery route with a language-model student', () => {
  it('calibrates the threshold on the validation split to the target agreement', () => {
    const calibration = prepared.calibration;
    expect(calibration?.examples).toBe(12);
    expect(calibration?.threshold).not.toBeNull();
    expect(calibration?.point?.agreement).toBeGreaterThanOrEqual(0.99);
    // The student knows six of the twelve colours; at 99% it may answer only those it gets right.
    expect(calibration?.point?.coverage).toBeGreaterThan(0);
    expect(calibration?.point?.studentAgreement).toBe(1);
  });

  it('answers what it is sure of and forwards the rest to the teacher, every answer the teacher\'s', async () => {
    const routes: Record<string, number> = {};
    for (const name of Object.keys(COLOURS)) {
      const { data, response } = await client.chat.completions.create({ model: 'colour-teacher', messages: [{ role: 'user', content: `colour: ${name}` }], temperature: 0 }).withResponse();
      const who = response.headers.get(ROUTE_HEADER) ?? 'none';
      routes[who] = (routes[who] ?? 0) + 1;
      expect(JSON.parse(data.choices[0]?.message.content ?? '')).toEqual(JSON.parse(teacherAnswer(`colour: ${name}`)));
    }
    expect(routes['student']).toBe(Math.round((prepared.calibration?.point?.coverage ?? 0) * 12));
    expect(routes['teacher']).toBe(12 - (routes['student'] ?? 0));
    expect(route.metrics.render()).toMatch(/distillery_route_requests_total\{route="student"\} [1-9]/);
  });

  it('streams a student answer in OpenAI\'s chunk shapes with logprobs', async () => {
    const stream = await client.chat.completions.create({ model: 'colour-teacher', messages: [{ role: 'user', content: 'colour: red' }], stream: true, logprobs: true, stream_options: { include_usage: true } });
    let text = '';
    let tokens = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      tokens += chunk.choices[0]?.logprobs?.content?.length ?? 0;
    }
    expect(JSON.parse(text)).toEqual(JSON.parse(teacherAnswer('colour: red')));
    expect(tokens).toBe(student.generate('colour: red', { maxTokens: 48, schema: COLOUR_SCHEMA }).tokens.length);
  });
});

describe('the route with a language-model student when the teacher is down (nothing listens at its address)', () => {
  it('answers what the student is sure of as usual, and the rest with the student-fallback and a warning', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const down = await startRouteServer({ ...prepared.options, teacher: { baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: null, timeoutMs: 5000 } });
    try {
      const downClient = new OpenAI({ baseURL: down.url, apiKey: 'unused', maxRetries: 0 });
      const seen: Record<string, number> = {};
      for (const name of Object.keys(COLOURS)) {
        const { data, response } = await downClient.chat.completions.create({ model: 'colour-teacher', messages: [{ role: 'user', content: `colour: ${name}` }] }).withResponse();
        const who = response.headers.get(ROUTE_HEADER) ?? 'none';
        seen[who] = (seen[who] ?? 0) + 1;
        if (who === 'student-fallback') expect(response.headers.get(WARNING_HEADER)).toMatch(/the teacher is unavailable .*below the confidence threshold/);
        expect(data.choices[0]?.message.content?.length ?? 0).toBeGreaterThan(0);
      }
      const local = Math.round((prepared.calibration?.point?.coverage ?? 0) * 12);
      expect(seen).toEqual({ student: local, 'student-fallback': 12 - local });
      expect(down.metrics.snapshot()).toMatchObject({ teacherErrors: 12 - local });
    } finally {
      await down.close();
    }
  });
});
