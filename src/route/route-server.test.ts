import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Prediction, Student } from '../student/types.js';
import { costUSD } from '../teacher/prices.js';
import { countTextTokens, estimateInputTokens } from '../teacher/tokens.js';
import { ROUTE_HEADER, startRouteServer, WARNING_HEADER, type RouteServer } from './route-server.js';

const LABELS = ['negative', 'neutral', 'positive'] as const;
const PRICES = { inputPer1M: 0.15, outputPer1M: 0.6 };
const MODEL = 'gpt-4o-mini';

/** A hand-written student: "good" twice gives positive at 7/9 ≈ 0.78, once at 4/6 ≈ 0.67. */
const student: Student = {
  kind: 'keyword-test', labels: LABELS,
  fit: () => { throw new Error('not trainable'); },
  predict(text: string): Prediction {
    const good = (text.match(/good/g) ?? []).length;
    const weights = [1, 1, 1 + 3 * good];
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    const probabilities = Float32Array.from(weights, (weight) => weight / total);
    const index = good > 0 ? 2 : 0;
    return { label: LABELS[index] ?? 'negative', index, probabilities };
  },
  toBytes: () => new Uint8Array(), parameterCount: () => 0,
};

/** What the scripted teacher server does with a call. */
type TeacherMode = 'answer' | 'fail-500';

/** A scripted teacher server: answers every chat completion "neutral" (or a 500), and keeps what it received. */
async function startScriptedTeacher(): Promise<{ url: string; received: Array<{ body: string; authorization: string | undefined }>; mode: { value: TeacherMode }; close(): Promise<void> }> {
  const received: Array<{ body: string; authorization: string | undefined }> = [];
  const mode = { value: 'answer' as TeacherMode };
  const server: Server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk)).on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ body, authorization: request.headers.authorization });
      if (mode.value === 'fail-500') {
        response.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"scripted failure","type":"server_error"}}');
        return;
      }
      const parsed = JSON.parse(body) as { model: string; stream?: boolean };
      const message = { role: 'assistant', content: 'neutral' };
      if (parsed.stream === true) {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.write(`data: ${JSON.stringify({ id: 'chatcmpl-t', object: 'chat.completion.chunk', created: 1, model: parsed.model, choices: [{ index: 0, delta: message, finish_reason: null }] })}\n\n`);
        response.write(`data: ${JSON.stringify({ id: 'chatcmpl-t', object: 'chat.completion.chunk', created: 1, model: parsed.model, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`);
        response.end('data: [DONE]\n\n');
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json', 'x-teacher': 'scripted' });
      response.end(JSON.stringify({ id: 'chatcmpl-t', object: 'chat.completion', created: 1, model: parsed.model, choices: [{ index: 0, message, finish_reason: 'stop', logprobs: null }], usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1`, received, mode, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

/** A base URL nothing listens on: a port that was free a moment ago (a teacher that is down). */
async function deadTeacherUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/v1`;
}

const ask = (client: OpenAI, text: string) => client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: text }] }).withResponse();

/** The Prometheus text exposition parsed into `name{labels}` → value; throws on a line that is neither a comment nor a sample. */
function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || /^# (HELP|TYPE) [a-z_]+ .+$/.test(line)) continue;
    const match = /^([a-z_]+(?:\{[a-z_]+="[^"]*"\})?) (NaN|[-+]?[0-9.]+(?:e[-+]?[0-9]+)?)$/.exec(line);
    if (match === null) throw new Error(`not a Prometheus sample line: ${line}`);
    samples.set(match[1] as string, Number(match[2]));
  }
  return samples;
}

async function metricsOf(route: RouteServer): Promise<Map<string, number>> {
  const response = await fetch(route.url.replace(/\/v1$/, '/metrics'));
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheus(await response.text());
}

describe('route server in front of a scripted teacher server', () => {
  let teacher: Awaited<ReturnType<typeof startScriptedTeacher>>;
  let route: RouteServer;
  let client: OpenAI;

  beforeAll(async () => {
    teacher = await startScriptedTeacher();
    route = await startRouteServer({ student, threshold: 0.7, teacher: { baseUrl: teacher.url, apiKey: 'sk-teacher', timeoutMs: 5000 }, modelName: MODEL, prices: PRICES });
    client = new OpenAI({ baseURL: route.url, apiKey: 'sk-app', maxRetries: 0 });
  });
  afterAll(async () => {
    await route.close();
    await teacher.close();
  });
  afterEach(() => {
    teacher.mode.value = 'answer';
  });

  it('answers with the student at or above the threshold, and the teacher never hears of it', async () => {
    const before = teacher.received.length;
    const { data, response } = await ask(client, 'good good film');
    expect(response.headers.get(ROUTE_HEADER)).toBe('student');
    expect(data.choices[0]?.message.content).toBe('positive');
    expect(teacher.received.length).toBe(before);
  });

  it('applies the threshold to the margin over the second label when the calibration chose it', async () => {
    const { probabilities, index } = student.predict('good good film');
    const top = probabilities[index] ?? 0;
    const second = Math.max(...Array.from(probabilities).filter((_, label) => label !== index));
    // Between the margin and the top probability: top-probability answers locally, margin escalates.
    const threshold = (top + (top - second)) / 2;
    const marginRoute = await startRouteServer({ student, threshold, confidenceSignal: 'margin', teacher: { baseUrl: teacher.url, apiKey: 'sk-teacher', timeoutMs: 5000 }, modelName: MODEL, prices: PRICES });
    const topRoute = await startRouteServer({ student, threshold, teacher: { baseUrl: teacher.url, apiKey: 'sk-teacher', timeoutMs: 5000 }, modelName: MODEL, prices: PRICES });
    try {
      expect((await ask(new OpenAI({ baseURL: topRoute.url, apiKey: 'sk-app', maxRetries: 0 }), 'good good film')).response.headers.get(ROUTE_HEADER)).toBe('student');
      expect((await ask(new OpenAI({ baseURL: marginRoute.url, apiKey: 'sk-app', maxRetries: 0 }), 'good good film')).response.headers.get(ROUTE_HEADER)).toBe('teacher');
    } finally {
      await Promise.all([marginRoute.close(), topRoute.close()]);
    }
  });

  it('forwards the original request, byte for byte and with the teacher\'s key, below the threshold', async () => {
    const { data, response } = await ask(client, 'good film');
    expect(response.headers.get(ROUTE_HEADER)).toBe('teacher');
    expect(response.headers.get('x-teacher')).toBe('scripted');
    expect(data.choices[0]?.message.content).toBe('neutral');
    const last = teacher.received.at(-1);
    expect(last?.authorization).toBe('Bearer sk-teacher');
    expect(JSON.parse(last?.body ?? '{}')).toEqual({ model: MODEL, messages: [{ role: 'user', content: 'good film' }] });
  });

  it('relays a streamed teacher answer below the threshold, and streams the student\'s above it', async () => {
    const collect = async (text: string) => {
      const { data: stream, response } = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: text }], stream: true }).withResponse();
      let content = '';
      for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? '';
      return { content, route: response.headers.get(ROUTE_HEADER) };
    };
    expect(await collect('plain film')).toEqual({ content: 'neutral', route: 'teacher' });
    expect(await collect('good good good')).toEqual({ content: 'positive', route: 'student' });
  });

  it('forwards a request the student cannot read (another model name) to the teacher', async () => {
    const { response } = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'good good' }] }).withResponse();
    expect(response.headers.get(ROUTE_HEADER)).toBe('teacher');
  });

  it('answers the student\'s best guess with a warning when the scripted teacher fails with a 500', async () => {
    teacher.mode.value = 'fail-500';
    const { data, response } = await ask(client, 'good film');
    expect(response.headers.get(ROUTE_HEADER)).toBe('student-fallback');
    expect(response.headers.get(WARNING_HEADER)).toMatch(/teacher is unavailable \(it answered HTTP 500\).*best guess/);
    expect(data.choices[0]?.message.content).toBe('positive');
  });

  it('counts routes, the local share, dollars saved and teacher errors at /metrics, in Prometheus text', async () => {
    const fresh = await startRouteServer({ student, threshold: 0.7, teacher: { baseUrl: teacher.url, apiKey: null, timeoutMs: 5000 }, modelName: MODEL, prices: PRICES });
    try {
      const freshClient = new OpenAI({ baseURL: fresh.url, apiKey: 'sk-app', maxRetries: 0 });
      await ask(freshClient, 'good good film');
      await ask(freshClient, 'good good good film');
      await ask(freshClient, 'film');
      teacher.mode.value = 'fail-500';
      await ask(freshClient, 'good film');
      const metrics = await metricsOf(fresh);
      expect(metrics.get('distillery_route_requests_total{route="student"}')).toBe(2);
      expect(metrics.get('distillery_route_requests_total{route="teacher"}')).toBe(1);
      expect(metrics.get('distillery_route_requests_total{route="student-fallback"}')).toBe(1);
      expect(metrics.get('distillery_route_local_share')).toBe(0.75);
      expect(metrics.get('distillery_route_teacher_errors_total')).toBe(1);
      expect(metrics.get('distillery_route_threshold')).toBe(0.7);
      const cost = (text: string) => costUSD({ inputTokens: estimateInputTokens([{ role: 'user', content: text }]), outputTokens: countTextTokens('positive') + 1 }, PRICES);
      expect(metrics.get('distillery_route_saved_usd_total')).toBeCloseTo(cost('good good film') + cost('good good good film') + cost('good film'), 12);
    } finally {
      await fresh.close();
    }
  });
});

describe('route server when the teacher is down (nothing listens at its address)', () => {
  it('keeps answering above the threshold, answers the rest with the student-fallback and a warning, and counts the errors', async () => {
    const route = await startRouteServer({ student, threshold: 0.7, teacher: { baseUrl: await deadTeacherUrl(), apiKey: null, timeoutMs: 5000 }, modelName: MODEL, prices: PRICES });
    try {
      const client = new OpenAI({ baseURL: route.url, apiKey: 'sk-app', maxRetries: 0 });
      expect((await ask(client, 'good good')).response.headers.get(ROUTE_HEADER)).toBe('student');
      const fallback = await ask(client, 'film');
      expect(fallback.response.headers.get(ROUTE_HEADER)).toBe('student-fallback');
      expect(fallback.response.headers.get(WARNING_HEADER)).toMatch(/upstream model server is unavailable \(ECONNREFUSED\)/);
      expect(fallback.data.choices[0]?.message.content).toBe('negative');
      expect(route.metrics.snapshot()).toMatchObject({ requests: { student: 1, teacher: 0, 'student-fallback': 1 }, teacherErrors: 1 });
    } finally {
      await route.close();
    }
  });
});

describe('route server without a student', () => {
  it('sends every call to the scripted teacher server, and passes its outage on as a 502 marked teacher', async () => {
    const teacher = await startScriptedTeacher();
    const route = await startRouteServer({ student: null, threshold: 0.7, teacher: { baseUrl: teacher.url, apiKey: null, timeoutMs: 5000 }, modelName: MODEL, prices: PRICES });
    try {
      const client = new OpenAI({ baseURL: route.url, apiKey: 'sk-app', maxRetries: 0 });
      const { data, response } = await ask(client, 'good good good');
      expect(response.headers.get(ROUTE_HEADER)).toBe('teacher');
      expect(data.choices[0]?.message.content).toBe('neutral');
      await teacher.close();
      const failed = await fetch(`${route.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'x' }] }) });
      expect(failed.status).toBe(502);
      expect(failed.headers.get(ROUTE_HEADER)).toBe('teacher');
      expect(((await failed.json()) as { error: { code: string } }).error.code).toBe('upstream_unavailable');
      expect((await metricsOf(route)).get('distillery_route_threshold')).toBeNaN();
    } finally {
      await route.close();
    }
  });
});
