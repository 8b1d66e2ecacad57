/**
 * The extract demo distilled into the language-model student (settings: EXTRACT_DEMO_STUDENT), in one run:
 *   extract-learning-curve       field F1 (bootstrap 95 % CI) on held-out sentences against the number of
 *                                teacher calls, also in dollars at gpt-4o-mini's listed price; the calls
 *                                needed for 90 % and 95 % F1 (or "not reached")
 *   extract-student-vs-teacher   latency p50/p99, throughput and cost per 1M calls of the student (largest
 *                                curve point) against the teacher (compromise) over identical HTTP + openai clients
 * The teacher is compromise behind its loopback OpenAI-compatible server, asked over HTTP.
 * Knobs: --calls=250,500,1000 (curve points) --test=N (held-out sentences) --steps=N (training steps per point)
 * --timed=N (held-out sentences timed for the second entry) --set='{"pretokenizer":"words"}' (settings overrides, one level).
 * The largest point's student is also scored with copyStrings off (the same weights): what the copy constraint adds.
 */
import os from 'node:os';
import OpenAI from 'openai';
import { EXTRACT_DEMO_STUDENT, type ExtractStudentSettings } from '../../src/demo/extract-student-settings.js';
import { extractAnswer } from '../../src/demo/extract-teacher-server.js';
import { extractMessages, timeExtractTeacher } from '../../src/demo/extract-teacher-timing.js';
import { ENTITY_SCHEMA } from '../../src/demo/entity-extractor.js';
import { buildSentenceCorpus } from '../../src/demo/sentence-corpus.js';
import { lineChart } from '../../src/eval/charts.js';
import { fieldScores, type FieldScores } from '../../src/eval/extract-metrics.js';
import { evaluateExtract, type ExtractEvaluation } from '../../src/eval/generative-evaluation.js';
import { cpuCostPer1kCalls, summariseLatency, type LatencySummary } from '../../src/eval/metrics.js';
import { timeChatCalls } from '../../src/pipeline/measure-latency.js';
import type { GenerativeStudent } from '../../src/student/lm/index.js';
import { spanTaggerToBytes, trainSpanTagger, type SpanTagger } from '../../src/student/span/index.js';
import { spanSettingsSchema } from '../../src/task/student-kind-settings.js';
import { taskSpecSchema } from '../../src/task/schema.js';
import { costUSD, lookupPrices } from '../../src/teacher/prices.js';
import { collectTeacherAnswers, cpuSecondsSince, heldOutSentences, studentAnswers, studentPrompt, trainExtractStudent, type TeacherAnswered } from '../extract-student.js';
import { startExtractStudentServer } from '../extract-student-server.js';
import type { BenchOptions } from '../options.js';
import { format, machineFacts, spread, writeChart, writeSection, type BenchmarkEntry, type Metric } from '../report.js';

/** The CPU core-hour price the local figures are costed at (the task schema's default). */
const CPU_HOUR_USD = taskSpecSchema.shape.evaluate.parse({}).cpuHourUSD;

/** CI's small version: a tiny model, few calls, so the section runs in well under a minute on 2 cores. */
const QUICK_SETTINGS: ExtractStudentSettings = {
  ...EXTRACT_DEMO_STUDENT, teacherCalls: 200, vocabularySize: 384,
  config: { width: 32, layers: 1, heads: 2, keyValueHeads: 2, hiddenWidth: 64, context: 192 },
  training: { ...EXTRACT_DEMO_STUDENT.training, steps: 40, evaluateEvery: 20 },
};

/** One point of the learning curve. */
interface CurvePoint {
  calls: number; dollars: number; evaluation: ExtractEvaluation; names: FieldScores;
  trainSeconds: number; trainCpuSeconds: number; evaluateSeconds: number; evaluateCpuSeconds: number; stepsRun: number; bestStep: number; loadAverage: number[];
}

/** Micro F1 over the names only (the `[]` paths): the part of the answer that is not the empty-list skeleton. */
function namesOnly(evaluation: ExtractEvaluation): FieldScores {
  const names = evaluation.metrics.perField.filter((field) => field.path.endsWith('[]'));
  return fieldScores(names.reduce((sum, field) => ({ truePositives: sum.truePositives + field.truePositives, falsePositives: sum.falsePositives + field.falsePositives, falseNegatives: sum.falseNegatives + field.falseNegatives }), { truePositives: 0, falsePositives: 0, falseNegatives: 0 }));
}

/** The answer that names nothing: the baseline a student reaches by learning only the skeleton. */
const EMPTY_ANSWER = JSON.stringify({ people: [], places: [], organizations: [] });

/** Field F1 of the empty answer against the teacher on the test sentences. */
function emptyBaseline(test: readonly TeacherAnswered[]): ExtractEvaluation {
  return evaluateExtract(test.map((item) => ({ input: item.sentence, teacher: item.answer, student: EMPTY_ANSWER })), ENTITY_SCHEMA);
}

/** Trains on the first `calls` answers and scores the held-out ones. */
function curvePoint(train: readonly TeacherAnswered[], test: readonly TeacherAnswered[], settings: ExtractStudentSettings, dollarsPerCall: number): CurvePoint & { student: GenerativeStudent } {
  const cpuAtStart = process.cpuUsage();
  const trained = trainExtractStudent(train, settings);
  const trainCpuSeconds = cpuSecondsSince(cpuAtStart);
  const evaluateStarted = performance.now();
  const cpuAtEvaluate = process.cpuUsage();
  const { answers } = studentAnswers(trained.student, test.map((item) => item.sentence), settings);
  const evaluation = evaluateExtract(test.map((item, index) => ({ input: item.sentence, teacher: item.answer, student: answers[index] ?? '' })), ENTITY_SCHEMA);
  const evaluateSeconds = (performance.now() - evaluateStarted) / 1000;
  const evaluateCpuSeconds = cpuSecondsSince(cpuAtEvaluate);
  return {
    evaluateSeconds, evaluateCpuSeconds,
    calls: train.length, dollars: train.length * dollarsPerCall, evaluation, names: namesOnly(evaluation), student: trained.student,
    trainSeconds: trained.seconds, trainCpuSeconds, stepsRun: trained.report.stepsRun, bestStep: trained.report.bestStep, loadAverage: os.loadavg(),
  };
}

/** The fewest measured calls whose F1 estimate reaches `goal`, as a sentence. */
function callsToReach(points: ReadonlyArray<Pick<CurvePoint, 'calls' | 'evaluation'>>, goal: number, dollarsPerCall?: number): string {
  const reached = points.find((point) => point.evaluation.fieldF1.estimate >= goal);
  if (reached) return `${reached.calls} calls${dollarsPerCall === undefined ? '' : ` ($${(reached.calls * dollarsPerCall).toPrecision(2)} at gpt-4o-mini's price)`}`;
  const best = points.reduce((top, point) => (point.evaluation.fieldF1.estimate > top.evaluation.fieldF1.estimate ? point : top));
  return `not reached within ${points.at(-1)?.calls ?? 0} calls (best ${best.evaluation.fieldF1.estimate.toFixed(3)} at ${best.calls})`;
}

/** Calls per second of `call` over `texts`, `concurrency` at a time. */
async function throughput(texts: readonly string[], concurrency: number, call: (text: string) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < texts.length) await call(texts[next++] as string);
  }));
  return texts.length / ((performance.now() - started) / 1000);
}

/** The student's answer text for a sentence (what its server sends). */
function answerOf(settings: ExtractStudentSettings): (student: GenerativeStudent, sentence: string) => string {
  return (student, sentence) => student.generate(studentPrompt(sentence, settings), { maxTokens: settings.maxTokens, temperature: 0, ...(settings.constrained ? { schema: ENTITY_SCHEMA } : {}) }).text;
}

/** One repeat of the student-vs-teacher timing. */
interface Timing { student: { inProcess: LatencySummary; http: LatencySummary; httpPerSecond: number }; teacher: { inProcess: LatencySummary; http: LatencySummary; httpPerSecond: number; gpt4oMiniPer1M: number } }

/** Times both sides on `sentences`: in-process one at a time, then over HTTP through identical openai clients. */
async function timeBoth(student: GenerativeStudent, settings: ExtractStudentSettings, sentences: readonly string[]): Promise<Timing> {
  const answer = answerOf(settings);
  const inProcess = (call: (sentence: string) => unknown): LatencySummary => summariseLatency(sentences.map((sentence) => {
    const started = performance.now();
    call(sentence);
    return performance.now() - started;
  }));
  sentences.slice(0, 10).forEach((sentence) => extractAnswer(sentence));
  const teacherInProcess = inProcess((sentence) => extractAnswer(sentence));
  const studentInProcess = inProcess((sentence) => answer(student, sentence));
  const teacher = await timeExtractTeacher(sentences, { concurrency: 4, warmUp: 10, cpuHourUSD: CPU_HOUR_USD });
  const server = await startExtractStudentServer(student, answer);
  try {
    const conversations = sentences.map((sentence) => extractMessages(sentence));
    const http = summariseLatency(await timeChatCalls({ baseURL: server.url, model: server.modelName, logprobs: false }, conversations));
    const client = new OpenAI({ baseURL: server.url, apiKey: 'not-needed', maxRetries: 0 });
    const httpPerSecond = await throughput(sentences, 4, (sentence) => client.chat.completions.create({ model: server.modelName, messages: extractMessages(sentence) }));
    return { student: { inProcess: studentInProcess, http, httpPerSecond }, teacher: { inProcess: teacherInProcess, http: teacher.latency, httpPerSecond: teacher.throughputPerSecond, gpt4oMiniPer1M: teacher.gpt4oMiniPer1MCallsUSD } };
  } finally {
    await server.close();
  }
}

const lower = (name: string, unit: string, ours: number[], peer: number[] | null): Metric => ({ name, unit, better: 'lower', ours: spread(ours), peer: peer ? spread(peer) : null });
const higher = (name: string, unit: string, ours: number[], peer: number[] | null): Metric => ({ name, unit, better: 'higher', ours: spread(ours), peer: peer ? spread(peer) : null });
const perMillionCpu = (meanMs: number) => cpuCostPer1kCalls(meanMs, CPU_HOUR_USD) * 1000;
const interval = (value: { estimate: number; lower: number; upper: number }) => `${value.estimate.toFixed(3)} [${value.lower.toFixed(3)}, ${value.upper.toFixed(3)}]`;

/** The learning-curve entry and its chart. */
/** One point of the span tagger's curve: trained on the first 90 % of the same N answers, its epochs chosen on the last 10 % (never the test sentences). */
interface SpanPoint { calls: number; evaluation: ExtractEvaluation; names: FieldScores; epochs: number; validationF1: number; trainSeconds: number; trainCpuSeconds: number; bytes: number }

/** The span tagger (the pipeline's student.kind span, its default settings) on the first `calls` answers, scored on the test sentences. */
function spanPoint(train: readonly TeacherAnswered[], test: readonly TeacherAnswered[]): SpanPoint {
  const settings = spanSettingsSchema.parse({});
  const cut = Math.max(1, Math.floor(train.length * 0.9));
  const fit = train.slice(0, cut).map((item) => ({ input: item.sentence, answer: item.answer }));
  const validation = train.slice(cut);
  const score = (tagger: SpanTagger, items: readonly TeacherAnswered[]) => evaluateExtract(items.map((item) => ({ input: item.sentence, teacher: item.answer, student: tagger.predict(item.sentence) })), ENTITY_SCHEMA);
  const candidates: Array<{ epochs: number; f1: number; tagger: SpanTagger }> = [];
  const cpuAtStart = process.cpuUsage();
  const started = performance.now();
  trainSpanTagger(fit, ENTITY_SCHEMA, {
    epochs: Math.max(...settings.epochs), bits: settings.bits, seed: 1,
    onEpoch: (epoch, taggerNow) => {
      if (!settings.epochs.includes(epoch)) return;
      const tagger = taggerNow();
      candidates.push({ epochs: epoch, f1: score(tagger, validation).fieldF1.estimate, tagger });
    },
  });
  const trainSeconds = (performance.now() - started) / 1000;
  const trainCpuSeconds = cpuSecondsSince(cpuAtStart);
  const best = candidates.reduce((top, candidate) => (candidate.f1 > top.f1 ? candidate : top));
  const evaluation = score(best.tagger, test);
  return { calls: train.length, evaluation, names: namesOnly(evaluation), epochs: best.epochs, validationF1: best.f1, trainSeconds, trainCpuSeconds, bytes: spanTaggerToBytes(best.tagger).length };
}

function curveEntry(options: BenchOptions, points: readonly CurvePoint[], spanPoints: readonly SpanPoint[], baseline: ExtractEvaluation, settings: ExtractStudentSettings, dataset: string, perCall: { dollars: number; promptTokens: number; completionTokens: number }): BenchmarkEntry {
  const xFormat = (calls: number) => `${Number(calls.toPrecision(3))} ($${Number((calls * perCall.dollars).toPrecision(2))})`;
  const series = (name: string, y: (point: CurvePoint) => number, dashed = false) => ({ name, dashed, points: points.map((point) => ({ x: point.calls, y: y(point) })) });
  const chart = writeChart('generative-extract-learning-curve.svg', lineChart([
    series('field F1', (point) => point.evaluation.fieldF1.estimate),
    series('95 % CI low', (point) => point.evaluation.fieldF1.lower, true),
    series('95 % CI high', (point) => point.evaluation.fieldF1.upper, true),
    series('names-only F1', (point) => point.names.f1),
    series('valid JSON', (point) => point.evaluation.validRate.estimate),
    { name: 'span tagger field F1', points: spanPoints.map((point) => ({ x: point.calls, y: point.evaluation.fieldF1.estimate })) },
    { name: 'empty answer (baseline)', dashed: true, points: points.map((point) => ({ x: point.calls, y: baseline.fieldF1.estimate })) },
  ], 'Extract student: field F1 vs teacher calls', { xLabel: 'teacher calls (USD at gpt-4o-mini)', yLabel: 'score on held-out sentences', logX: true, xFormat, yRange: [0, 1], yMarks: [{ at: 0.9, label: '90 %' }, { at: 0.95, label: '95 %' }] }), 'field F1 against teacher calls');
  const table = ['| teacher calls | USD (gpt-4o-mini) | field F1 [95 % CI] | names-only F1 | valid | exact match | steps (best) | train s (CPU s) |', '|---|---|---|---|---|---|---|---|',
    ...points.map((point) => `| ${point.calls} | ${point.dollars.toPrecision(2)} | ${interval(point.evaluation.fieldF1)} | ${point.names.f1.toFixed(3)} | ${point.evaluation.validRate.estimate.toFixed(3)} | ${point.evaluation.exactMatch.estimate.toFixed(3)} | ${point.stepsRun} (${point.bestStep}) | ${point.trainSeconds.toFixed(0)} (${point.trainCpuSeconds.toFixed(0)}) |`)].join('\n');
  const spanTable = ['**The span tagger** (student.kind span, the pipeline\'s defaults: epochs 10/20/30 chosen on the last 10 % of the N answers, trained on the first 90 %; the same test sentences):', '',
    '| teacher calls | field F1 [95 % CI] | names-only F1 | valid | exact match | epochs (validation F1) | train s (CPU s) | file bytes |', '|---|---|---|---|---|---|---|---|',
    ...spanPoints.map((point) => `| ${point.calls} | ${interval(point.evaluation.fieldF1)} | ${point.names.f1.toFixed(3)} | ${point.evaluation.validRate.estimate.toFixed(3)} | ${point.evaluation.exactMatch.estimate.toFixed(3)} | ${point.epochs} (${point.validationF1.toFixed(3)}) | ${point.trainSeconds.toFixed(1)} (${point.trainCpuSeconds.toFixed(1)}) | ${point.bytes} |`)].join('\n');
  return {
    id: 'extract-learning-curve', title: 'Extract: field F1 against teacher calls', command: options.command, dataset,
    settings: `student ${JSON.stringify(settings)}, the same settings at every point, trained on the first N answers (the corpus is in seeded hash order, so each prefix is a sample); greedy decoding under the answer's JSON Schema; one call costs $${perCall.dollars.toPrecision(3)} at gpt-4o-mini's listed price (${perCall.promptTokens.toFixed(1)} prompt + ${perCall.completionTokens.toFixed(1)} completion o200k tokens, as the teacher's usage reports them)`,
    peerName: 'teacher', repeats: 1, metrics: [], body: `${chart}\n\n${table}\n\n${spanTable}`,
    notes: [
      `Calls needed for 90 % field F1: language model ${callsToReach(points, 0.9, perCall.dollars)}, span tagger ${callsToReach(spanPoints, 0.9, perCall.dollars)}; for 95 %: language model ${callsToReach(points, 0.95, perCall.dollars)}, span tagger ${callsToReach(spanPoints, 0.95, perCall.dollars)}.`,
      'Field F1 is src/eval\'s: an answer flattens into (path, value) pairs and an empty list is itself a pair, so a student that leaves a list empty when the teacher does scores on it. Names-only F1 counts the names alone (paths people[], places[], organizations[]): the stricter figure.',
      `Baseline: the answer that names nothing (${EMPTY_ANSWER}) scores field F1 ${interval(baseline.fieldF1)} (valid 1.000, exact match ${baseline.exactMatch.estimate.toFixed(3)}) on the same test sentences; a student above it has learnt names, not only the skeleton.`,
      `Load average (1 min) after each point: ${points.map((point) => point.loadAverage[0]?.toFixed(1)).join(', ')} on a machine shared with other sessions, so training seconds are under load; CPU seconds (user + system of the bench process) are what an idle core would take.`,
    ],
    extra: { emptyBaseline: { fieldF1: baseline.fieldF1, exactMatch: baseline.exactMatch }, spanPoints: spanPoints.map((point) => ({ calls: point.calls, fieldF1: point.evaluation.fieldF1, validRate: point.evaluation.validRate, exactMatch: point.evaluation.exactMatch, namesOnly: point.names, epochs: point.epochs, validationFieldF1: point.validationF1, trainSeconds: point.trainSeconds, trainCpuSeconds: point.trainCpuSeconds, bytes: point.bytes })), points: points.map((point) => ({ calls: point.calls, dollars: point.dollars, fieldF1: point.evaluation.fieldF1, validRate: point.evaluation.validRate, exactMatch: point.evaluation.exactMatch, namesOnly: point.names, perField: point.evaluation.metrics.perField, trainSeconds: point.trainSeconds, trainCpuSeconds: point.trainCpuSeconds, stepsRun: point.stepsRun, bestStep: point.bestStep, loadAverage: point.loadAverage })) },
  };
}

/** The student-vs-teacher entry. */
function timingEntry(options: BenchOptions, runs: readonly Timing[], point: CurvePoint, studentBytes: number, timed: number, dataset: string, settings: ExtractStudentSettings): BenchmarkEntry {
  const pick = (select: (timing: Timing) => number) => runs.map(select);
  return {
    id: 'extract-student-vs-teacher', title: 'Extract student vs its teacher (compromise): latency, throughput, cost', command: options.command, dataset,
    settings: `the ${point.calls}-call student of the curve (${studentBytes} bytes as f16), greedy under the JSON Schema; ${timed} held-out sentences timed one at a time after a warm-up, then at 4 in flight over HTTP; CPU priced at $${CPU_HOUR_USD} per core-hour; field F1 of this student ${interval(point.evaluation.fieldF1)}`,
    peerName: 'teacher (compromise)', oursName: 'student', repeats: runs.length,
    metrics: [
      lower('in-process latency p50', 'ms', pick((t) => t.student.inProcess.p50Ms), pick((t) => t.teacher.inProcess.p50Ms)),
      lower('in-process latency p99', 'ms', pick((t) => t.student.inProcess.p99Ms), pick((t) => t.teacher.inProcess.p99Ms)),
      higher('in-process throughput (one thread)', 'calls/s', pick((t) => 1000 / t.student.inProcess.meanMs), pick((t) => 1000 / t.teacher.inProcess.meanMs)),
      lower('HTTP latency p50 (openai client)', 'ms', pick((t) => t.student.http.p50Ms), pick((t) => t.teacher.http.p50Ms)),
      lower('HTTP latency p99 (openai client)', 'ms', pick((t) => t.student.http.p99Ms), pick((t) => t.teacher.http.p99Ms)),
      higher('HTTP throughput, 4 in flight', 'calls/s', pick((t) => t.student.httpPerSecond), pick((t) => t.teacher.httpPerSecond)),
      lower('CPU cost per 1M calls', 'USD', pick((t) => perMillionCpu(t.student.inProcess.meanMs)), pick((t) => perMillionCpu(t.teacher.inProcess.meanMs))),
      lower('cost per 1M calls vs gpt-4o-mini as the teacher', 'USD', pick((t) => perMillionCpu(t.student.inProcess.meanMs)), pick((t) => t.teacher.gpt4oMiniPer1M)),
    ],
    notes: [
      'The teacher is a rule-and-lexicon tagger, not an LLM: it is much faster than a transformer decoding token by token, so the student loses on latency against this teacher; the dollar comparison that matters is against an API model doing the same task (last row, gpt-4o-mini\'s listed price for the same prompt and answer tokens).',
      'The student\'s HTTP server is a bench stand-in (bench/extract-student-server.ts) on the extract teacher\'s request parsing and completion shapes, until `distillery serve` serves language-model students. Both servers run in the bench process, one thread each.',
      `Load average (1/5/15 min) at the end: ${os.loadavg().map((value) => value.toFixed(1)).join(' / ')}; the machine is shared with other sessions.`,
    ],
    extra: { runs },
  };
}

/** Field F1 of a trained student's answers with the copy constraint as given (the same weights). */
function scoredWithCopy(student: GenerativeStudent, test: readonly TeacherAnswered[], settings: ExtractStudentSettings, copyStrings: boolean): ExtractEvaluation {
  const answers = test.map((item) => student.generate(studentPrompt(item.sentence, settings), { maxTokens: settings.maxTokens, temperature: 0, schema: ENTITY_SCHEMA, copyStrings }).text);
  return evaluateExtract(test.map((item, index) => ({ input: item.sentence, teacher: item.answer, student: answers[index] ?? '' })), ENTITY_SCHEMA);
}

/** Runs the section and writes it. */
export async function run(options: BenchOptions): Promise<void> {
  const base = options.quick ? QUICK_SETTINGS : { ...EXTRACT_DEMO_STUDENT, training: { ...EXTRACT_DEMO_STUDENT.training, ...(options.argument('steps') ? { steps: Number(options.argument('steps')) } : {}) } };
  const overrides = JSON.parse(options.argument('set') ?? '{}') as Partial<ExtractStudentSettings>;
  const settings: ExtractStudentSettings = { ...base, ...overrides, config: { ...base.config, ...overrides.config }, training: { ...base.training, ...overrides.training } };
  const calls = (options.argument('calls') ?? (options.quick ? '100,200' : `250,500,1000,${settings.teacherCalls}`)).split(',').map(Number).sort((a, b) => a - b);
  const testCount = Number(options.argument('test') ?? (options.quick ? 60 : 400));
  const trainItems = await buildSentenceCorpus({ limit: Math.max(...calls), seed: 0 });
  const testItems = await heldOutSentences(testCount, new Set(trainItems.map((item) => item.id)));
  const cpuAtCollect = process.cpuUsage();
  const collection = await collectTeacherAnswers([...trainItems, ...testItems].map((item) => item.text));
  const collectCpuSeconds = cpuSecondsSince(cpuAtCollect);
  const prices = lookupPrices('gpt-4o-mini');
  if (prices === undefined) throw new Error('gpt-4o-mini is missing from the price table');
  const perCall = { promptTokens: collection.promptTokens / collection.calls, completionTokens: collection.completionTokens / collection.calls, dollars: 0 };
  perCall.dollars = costUSD({ inputTokens: perCall.promptTokens, outputTokens: perCall.completionTokens }, prices);
  const train = collection.answered.slice(0, trainItems.length);
  const test = collection.answered.slice(trainItems.length);
  const points: Array<CurvePoint & { student: GenerativeStudent }> = [];
  for (const count of calls) {
    points.push(curvePoint(train.slice(0, count), test, settings, perCall.dollars));
    const point = points.at(-1) as CurvePoint;
    process.stderr.write(`  ${count} calls: field F1 ${interval(point.evaluation.fieldF1)}, names ${point.names.f1.toFixed(3)}, valid ${point.evaluation.validRate.estimate.toFixed(3)}, train ${point.trainSeconds.toFixed(0)} s\n`);
  }
  const spanPoints = calls.map((count) => spanPoint(train.slice(0, count), test));
  for (const point of spanPoints) process.stderr.write(`  span tagger, ${point.calls} calls: field F1 ${interval(point.evaluation.fieldF1)}, ${point.epochs} epochs\n`);
  const dataset = `nlp-corpus sentences (npm; the demo's filter), answered by compromise over loopback HTTP (${collection.calls} calls in ${collection.seconds.toFixed(1)} s); ${test.length} held-out sentences from another seed's sample, none in the training pool`;
  const last = points.at(-1) as CurvePoint & { student: GenerativeStudent };
  const timed = test.map((item) => item.sentence).slice(0, Number(options.argument('timed') ?? (options.quick ? 30 : 200)));
  const runs: Timing[] = [];
  for (let repeat = 0; repeat < options.repeats; repeat++) runs.push(await timeBoth(last.student, settings, timed));
  const copyOff = scoredWithCopy(last.student, test, settings, !settings.copyStrings);
  const copyNote = `The ${last.calls}-call student with copyStrings ${settings.copyStrings ? 'off' : 'on'} (the same weights, only the decoding constraint changed): field F1 ${interval(copyOff.fieldF1)}, names-only F1 ${namesOnly(copyOff).f1.toFixed(3)}, valid ${copyOff.validRate.estimate.toFixed(3)}, exact match ${copyOff.exactMatch.estimate.toFixed(3)}; with it ${settings.copyStrings ? 'on' : 'off'} (as in the table): field F1 ${interval(last.evaluation.fieldF1)}, names-only ${last.names.f1.toFixed(3)}.`;
  const curve = curveEntry(options, points, spanPoints, emptyBaseline(test), settings, dataset, perCall);
  curve.notes.splice(1, 0, copyNote);
  curve.extra['copyToggled'] = { copyStrings: !settings.copyStrings, fieldF1: copyOff.fieldF1, namesOnly: namesOnly(copyOff), validRate: copyOff.validRate, exactMatch: copyOff.exactMatch };
  const entries = [curve, timingEntry(options, runs, last, last.student.toBytes('f16').length, timed.length, dataset, settings)];
  const introGoal = `Goal (issue 10): validRate ≥ 0.99 and field F1 ≥ 0.90 against the teacher. Measured at ${last.calls} calls: valid ${interval(last.evaluation.validRate)}, field F1 ${interval(last.evaluation.fieldF1)} (names only ${last.names.f1.toFixed(3)}), exact match ${interval(last.evaluation.exactMatch)}.`;
  const endToEnd = { collectSeconds: collection.seconds, collectCpuSeconds, trainSeconds: last.trainSeconds, trainCpuSeconds: last.trainCpuSeconds, evaluateSeconds: last.evaluateSeconds, evaluateCpuSeconds: last.evaluateCpuSeconds };
  const wall = endToEnd.collectSeconds + endToEnd.trainSeconds + endToEnd.evaluateSeconds;
  const cpu = endToEnd.collectCpuSeconds + endToEnd.trainCpuSeconds + endToEnd.evaluateCpuSeconds;
  const given = ['calls', 'steps', 'test', 'timed'].filter((name) => options.argument(name) !== undefined);
  const reduced = !options.quick && given.length > 0 ? `**Reduced size** (${given.map((name) => `--${name}`).join(', ')} given: fewer points, steps or sentences than the section's defaults; the figures are indicative). ` : '';
  const intro = `${reduced}${introGoal} End to end at ${last.calls} calls (collecting ${collection.calls} answers over HTTP, training, scoring ${test.length} sentences): ${wall.toFixed(0)} s wall under load ${os.loadavg()[0]?.toFixed(1)}, ${cpu.toFixed(0)} CPU seconds (collect ${endToEnd.collectCpuSeconds.toFixed(0)}, train ${endToEnd.trainCpuSeconds.toFixed(0)}, evaluate ${endToEnd.evaluateCpuSeconds.toFixed(0)}); the demo's budget is 10 minutes on 2 cores.`;
  (entries[0] as BenchmarkEntry).extra['endToEnd'] = endToEnd;
  writeSection({ id: 'generative', title: 'Generative: the extract demo in the language-model student', intro, entries, quick: options.quick, facts: machineFacts() });
}
