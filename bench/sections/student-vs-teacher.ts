/**
 * Student vs teacher on the demo task: per-call latency (p50 / p99), throughput and cost per 1M
 * calls of the distilled student against the demo teacher (VS Code's language detector, measured in
 * the same run, in-process and over HTTP) and against an API teacher priced from the built-in table,
 * at the agreement the student reaches on held-out inputs.
 * Knob: --limit=N corpus snippets (default 20000, about 9,900 snippets after the per-language caps; 1500 in quick mode).
 */
import OpenAI from 'openai';
import { createLanguageDetector } from '../../src/demo/language-detector.js';
import { startLanguageTeacherServer } from '../../src/demo/language-teacher-server.js';
import { logBars } from '../../src/eval/charts.js';
import { cpuCostPer1kCalls, summariseLatency } from '../../src/eval/metrics.js';
import { timeChatCalls, timeStudent } from '../../src/pipeline/measure-latency.js';
import { startStudentServer } from '../../src/serve/student-server.js';
import { taskSpecSchema } from '../../src/task/schema.js';
import { createStudent, type Student } from '../../src/student/index.js';
import { lookupPrices } from '../../src/teacher/prices.js';
import type { ChatMessage } from '../../src/teacher/types.js';
import { unitInterval } from '../../src/util/hash.js';
import { apiCallCostUSD, DEMO_LABELS, DEMO_STUDENT } from '../demo-task.js';
import { languageTeacherLabels, type TeacherLabelled } from '../language-teacher-labels.js';
import type { BenchOptions } from '../options.js';
import { format, machineFacts, spread, writeChart, writeSection, type BenchmarkEntry, type Metric } from '../report.js';
import { benchStudentSettings } from '../student-settings.js';

/** The API teachers costed (built-in table prices). */
const API_MODELS = ['gpt-4o-mini', 'gpt-4o'] as const;
/** The price of a CPU core-hour the local figures are costed at (the task schema's default). */
const CPU_HOUR_USD = taskSpecSchema.shape.evaluate.parse({}).cpuHourUSD;
const isTest = (item: TeacherLabelled) => unitInterval(`effect-test:${item.id}`) < 0.2;

/** One repeat's figures. */
interface Figures {
  studentMs: number[]; teacherMs: number[]; studentHttpMs: number[]; teacherHttpMs: number[];
  studentPerSecond: number; teacherPerSecond: number; studentHttpPerSecond: number; teacherHttpPerSecond: number;
}

/** Calls per second of `call` run `concurrency` at a time over `texts` (each text once). */
async function throughput(texts: readonly string[], concurrency: number, call: (text: string) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < texts.length) {
      const text = texts[next++] as string;
      await call(text);
    }
  }));
  return texts.length / ((performance.now() - started) / 1000);
}

/** Chat calls of one OpenAI-compatible server (the same client for both sides). */
function chatCaller(baseURL: string, model: string): (text: string) => Promise<unknown> {
  const client = new OpenAI({ baseURL, apiKey: 'not-needed', maxRetries: 0 });
  return (text) => client.chat.completions.create({ model, messages: [{ role: 'user', content: text }], logprobs: true, top_logprobs: 20 });
}

/** Measures both sides once: in-process, then over HTTP through identical OpenAI clients. */
async function measure(student: Student, texts: readonly string[]): Promise<Figures> {
  const detector = createLanguageDetector();
  const teacherMs: number[] = [];
  let teacherPerSecond: number;
  try {
    for (const text of texts.slice(0, 10)) await detector.detect(text);
    for (const text of texts) {
      const start = performance.now();
      await detector.detect(text);
      teacherMs.push(performance.now() - start);
    }
    teacherPerSecond = await throughput(texts, 4, (text) => detector.detect(text));
  } finally {
    detector.dispose();
  }
  const studentMs = timeStudent(student, texts);
  const studentPerSecond = texts.length / (studentMs.reduce((sum, ms) => sum + ms, 0) / 1000);
  const conversations: ChatMessage[][] = texts.map((text) => [{ role: 'user', content: text }]);
  const teacherServer = await startLanguageTeacherServer();
  let teacherHttpMs: number[];
  let teacherHttpPerSecond: number;
  try {
    teacherHttpMs = await timeChatCalls({ baseURL: teacherServer.url, model: 'vscode-languagedetection' }, conversations);
    teacherHttpPerSecond = await throughput(texts, 8, chatCaller(teacherServer.url, 'vscode-languagedetection'));
  } finally {
    await teacherServer.close();
  }
  const studentServer = await startStudentServer({ student, modelName: 'code-language-student' });
  let studentHttpMs: number[];
  let studentHttpPerSecond: number;
  try {
    studentHttpMs = await timeChatCalls({ baseURL: studentServer.url, model: 'code-language-student' }, conversations);
    studentHttpPerSecond = await throughput(texts, 8, chatCaller(studentServer.url, 'code-language-student'));
  } finally {
    await studentServer.close();
  }
  return { studentMs, teacherMs, studentHttpMs, teacherHttpMs, studentPerSecond, teacherPerSecond, studentHttpPerSecond, teacherHttpPerSecond };
}

const micro = (ms: number) => ms * 1000;
const perMillion = (meanMs: number) => cpuCostPer1kCalls(meanMs, CPU_HOUR_USD) * 1000;
const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
const lower = (name: string, unit: string, ours: number[], peer: number[] | null): Metric => ({ name, unit, better: 'lower', ours: spread(ours), peer: peer ? spread(peer) : null });
const higher = (name: string, unit: string, ours: number[], peer: number[] | null): Metric => ({ name, unit, better: 'higher', ours: spread(ours), peer: peer ? spread(peer) : null });

/** Runs the section and writes it. */
export async function run(options: BenchOptions): Promise<void> {
  const limit = Number(options.argument('limit') ?? (options.quick ? 1500 : 20_000));
  const items = await languageTeacherLabels(limit, (line) => process.stderr.write(`${line}\n`));
  const test = items.filter(isTest);
  const pool = items.filter((item) => !isTest(item));
  const validation = pool.filter((item) => unitInterval(`effect-val:${item.id}`) < 0.1);
  const train = pool.filter((item) => unitInterval(`effect-val:${item.id}`) >= 0.1);
  const example = (item: TeacherLabelled) => ({ text: item.text, label: item.teacher, soft: Float32Array.from(item.soft) });
  const student = createStudent('ngram', DEMO_LABELS, benchStudentSettings({ ...DEMO_STUDENT }));
  student.fit(train.map(example), validation.map(example));
  const agreement = (100 * test.filter((item) => student.predict(item.text).index === item.teacher).length) / test.length;
  const texts = test.slice(0, options.quick ? 150 : 500).map((item) => item.text);
  const runs: Figures[] = [];
  for (let repeat = 0; repeat < options.repeats; repeat++) {
    runs.push(await measure(student, texts));
    process.stderr.write(`  repeat ${repeat + 1}: teacher ${mean(runs.at(-1)?.teacherMs ?? []).toFixed(2)} ms, student ${micro(mean(runs.at(-1)?.studentMs ?? [])).toFixed(1)} µs\n`);
  }
  const pick = (select: (figures: Figures) => number) => runs.map(select);
  const summary = (select: (figures: Figures) => number[]) => runs.map((figures) => summariseLatency(select(figures)));
  const studentLatency = summary((figures) => figures.studentMs);
  const teacherLatency = summary((figures) => figures.teacherMs);
  const studentHttp = summary((figures) => figures.studentHttpMs);
  const teacherHttp = summary((figures) => figures.teacherHttpMs);
  const studentCost = studentLatency.map((latency) => perMillion(latency.meanMs));
  const teacherCost = teacherLatency.map((latency) => perMillion(latency.meanMs));
  const apiCosts = API_MODELS.map((model) => {
    const prices = lookupPrices(model);
    if (!prices) throw new Error(`no built-in price for ${model}`);
    return { model, prices, perMillion: mean(test.map((item) => apiCallCostUSD(item.text, DEMO_LABELS[item.teacher] ?? '', prices))) * 1e6 };
  });
  const settings = `student ${JSON.stringify(DEMO_STUDENT)} trained on ${train.length} soft-labelled calls; ${texts.length} held-out snippets timed one at a time (after a warm-up), then ${texts.length} calls at concurrency 4 in-process / 8 over HTTP for throughput; CPU priced at $${CPU_HOUR_USD} per core-hour`;
  const dataset = `${items.length} demo-corpus snippets; agreement of this student with the teacher on ${test.length} held-out snippets: ${agreement.toFixed(1)} %`;
  const local: BenchmarkEntry = {
    id: 'student-vs-demo-teacher', title: 'Student vs the demo teacher (VS Code\'s language detector, TF.js)', command: options.command, dataset, settings,
    peerName: 'demo teacher', oursName: 'student', repeats: options.repeats,
    metrics: [
      lower('in-process latency p50', 'µs', studentLatency.map((l) => micro(l.p50Ms)), teacherLatency.map((l) => micro(l.p50Ms))),
      lower('in-process latency p99', 'µs', studentLatency.map((l) => micro(l.p99Ms)), teacherLatency.map((l) => micro(l.p99Ms))),
      higher('in-process throughput', 'calls/s', pick((f) => f.studentPerSecond), pick((f) => f.teacherPerSecond)),
      lower('HTTP latency p50 (OpenAI SDK client)', 'µs', studentHttp.map((l) => micro(l.p50Ms)), teacherHttp.map((l) => micro(l.p50Ms))),
      lower('HTTP latency p99 (OpenAI SDK client)', 'µs', studentHttp.map((l) => micro(l.p99Ms)), teacherHttp.map((l) => micro(l.p99Ms))),
      higher('HTTP throughput', 'calls/s', pick((f) => f.studentHttpPerSecond), pick((f) => f.teacherHttpPerSecond)),
      lower('CPU cost per 1M calls', 'USD', studentCost, teacherCost),
    ],
    notes: ['The student is single-threaded; the teacher (TF.js on Node, no native binding) runs one call at a time, so its concurrent throughput equals its serial one.', 'HTTP figures include the OpenAI SDK client and loopback HTTP on both sides, in the same process as the server.'],
    extra: { runs, agreement },
  };
  const api: BenchmarkEntry[] = apiCosts.map(({ model, prices, perMillion: cost }) => ({
    id: `student-vs-${model}`, title: `Student vs ${model} as the teacher (cost)`, command: options.command, dataset, settings: `${settings}; ${model} at $${prices.inputPer1M} / $${prices.outputPer1M} per 1M input / output tokens, the demo prompt (54 labels listed) and a one-word answer`,
    peerName: `${model} (built-in price)`, oursName: 'student', repeats: options.repeats,
    metrics: [lower('cost per 1M calls', 'USD', studentCost, [cost])],
    notes: [`${model}'s latency cannot be measured offline; the student's in-process p50 is ${format(micro(studentLatency[0]?.p50Ms ?? Number.NaN))} µs.`],
    extra: { prices },
  }));
  const mid = (values: number[]) => spread(values).median;
  const chart = writeChart('student-vs-teacher-cost.svg', logBars([
    { label: 'student (CPU)', value: mid(studentCost) },
    { label: 'demo teacher (CPU)', value: mid(teacherCost) },
    ...apiCosts.map((entry) => ({ label: `${entry.model} (API)`, value: entry.perMillion })),
  ], 'Cost per 1M calls on the demo task', { format: (value) => `$${format(value)}`, axisLabel: 'USD per 1M calls' }), 'cost per 1M calls: student vs teachers');
  const speedup = mid(teacherLatency.map((l) => l.p50Ms)) / mid(studentLatency.map((l) => l.p50Ms));
  const httpSpeedup = mid(teacherHttp.map((l) => l.p50Ms)) / mid(studentHttp.map((l) => l.p50Ms));
  const cheaper = (apiCosts[0]?.perMillion ?? Number.NaN) / mid(studentCost);
  const intro = [
    `Goals: ≥ 100× faster and ≥ 1000× cheaper than the teacher at ≥ 95 % agreement. Measured: ${format(speedup)}× faster in-process (p50), ${format(httpSpeedup)}× over HTTP, ${format(mid(teacherCost) / mid(studentCost))}× cheaper than the local teacher on CPU and ${format(cheaper)}× cheaper than ${apiCosts[0]?.model} — at ${agreement.toFixed(1)} % agreement${agreement >= 95 ? '' : ' (below the 95 % goal: see the distillation-effect section for why)'}.`,
    '',
    chart,
  ].join('\n');
  writeSection({ id: 'student-vs-teacher', title: 'Student vs teacher: latency, throughput and cost', intro, entries: [local, ...api], quick: options.quick, facts: machineFacts() });
}
