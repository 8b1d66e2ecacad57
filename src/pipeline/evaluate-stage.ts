import { stat, writeFile } from 'node:fs/promises';
import { evaluationWarnings, listDisagreements, listJunk, type ScoredExample } from '../eval/findings.js';
import { agreement, agreementByTeacherMargin, calibration, classScores, confusionMatrix, costPer1kCalls, cpuCostPer1kCalls, macroF1, scoreAgainstGold, summariseLatency, wilsonInterval, type LatencySummary } from '../eval/metrics.js';
import { renderHtml, renderMarkdown, type EvalReport } from '../eval/report.js';
import type { CollectSummary } from '../collect/collector.js';
import type { LoadedTask } from '../task/load.js';
import { buildMessages } from '../task/template.js';
import type { ResponseRecord, Store } from '../store/types.js';
import type { Prediction, Student } from '../student/types.js';
import type { CuratedRecord } from './curate-stage.js';
import { RunStoppedError } from './errors.js';
import type { EventSink } from './events.js';
import type { ResolvedTeacher } from './make-teacher.js';
import { timeStudent } from './measure-latency.js';
import type { ProjectPaths } from './project.js';
import { toExamples, type TrainOutcome } from './train-stage.js';

/** What the evaluation may know about the rest of the run. */
export interface EvaluateContext {
  /** This run's collection, for the report's spend rows. */
  collection?: CollectSummary | null;
  /** Inputs before deduplication (default: the curated records). */
  inputCount?: number;
  /**
   * Time this many teacher calls one at a time (no queueing) for the latency and speed-up figures;
   * 0 (the default) uses the latencies recorded while collecting. Each timed call is a real call:
   * a paid teacher bills it.
   */
  teacherLatencySamples?: number;
  signal?: AbortSignal;
}

/** Predictions are made in chunks of this size, with a progress event and a turn of the event loop between (the bar redraws, Ctrl-C lands). */
const PROGRESS_CHUNK = 200;

/** The evaluation report and where it was written. */
export interface EvaluationOutcome {
  report: EvalReport;
  files: { markdown: string; html: string; json: string };
}

/** Scores the student on the test split against the teacher (and gold), times it, writes the reports. */
export async function evaluate(
  task: LoadedTask,
  store: Store,
  records: readonly CuratedRecord[],
  training: TrainOutcome,
  resolved: ResolvedTeacher,
  paths: ProjectPaths,
  emit: EventSink,
  context: EvaluateContext = {},
): Promise<EvaluationOutcome> {
  const { spec } = task;
  const collection = context.collection ?? null;
  const inputCount = context.inputCount ?? records.length;
  const labels = spec.labels;
  const student = training.student;
  let test = toExamples(records, 'test', labels);
  let testSplit: CuratedRecord['split'] = 'test';
  if (test.length === 0) {
    test = toExamples(records, 'val', labels);
    testSplit = 'val';
  }
  emit({ type: 'stage-start', stage: 'evaluate', detail: `${test.length} ${testSplit} examples` });
  const warnings = evaluationWarnings(test.length, testSplit);
  for (const message of warnings) emit({ type: 'warning', stage: 'evaluate', message });
  const teacherLabels = test.map((example) => example.label);
  const predictions = await predictWithProgress(test.map((example) => example.text), (text) => student.predict(text), emit, context.signal);
  const studentLabels = predictions.map((prediction) => prediction.index);
  const confidence = predictions.map((prediction) => prediction.probabilities[prediction.index] ?? 0);
  const matrix = confusionMatrix(teacherLabels, studentLabels, labels.length);
  const scores = classScores(matrix);
  const present = labels.map((_, index) => index).filter((index) => (scores[index]?.support ?? 0) > 0 || (scores[index]?.predicted ?? 0) > 0);

  const labelIndex = new Map(labels.map((label, index) => [label, index]));
  const scored = records.filter((record) => record.split === testSplit && record.response?.kind === 'label' && record.response.label !== null && labelIndex.has(record.response.label));
  const gold = scored.map((record) => (record.input.gold === null ? undefined : labelIndex.get(record.input.gold)));
  const withGold = gold.map((value, index) => ({ value, index })).filter((item): item is { value: number; index: number } => item.value !== undefined);
  const goldOrNull = gold.map((value) => value ?? null);
  const studentVsGold = scoreAgainstGold(goldOrNull, studentLabels, labels.length);
  const teacherVsGold = scoreAgainstGold(goldOrNull, teacherLabels, labels.length);
  const calibrationVsTeacher = calibration(confidence, studentLabels.map((label, index) => label === teacherLabels[index]));
  const eceVsGold = withGold.length === 0 ? undefined
    : calibration(withGold.map((item) => confidence[item.index] ?? 0), withGold.map((item) => studentLabels[item.index] === item.value)).ece;

  const responses = scored.map((record) => record.response).filter((response): response is ResponseRecord => response !== undefined);
  const speed = await measureSpeed(task, resolved, student, test.map((example) => example.text), responses, context, emit);
  const findings = listFindings(records, scored, labels, teacherLabels, studentLabels, confidence);
  const agreed = studentLabels.filter((label, index) => label === teacherLabels[index]).length;
  const byMargin = agreementByTeacherMargin(teacherLabels, studentLabels, test.map((example) => example.soft));
  const ledger = await store.ledger();
  const counts = { train: 0, val: 0, test: 0 };
  for (const record of records) counts[record.split]++;

  const report: EvalReport = {
    task: spec.name,
    createdAt: new Date().toISOString(),
    teacherModel: spec.teacher.model,
    studentKind: student.kind,
    labels: [...labels],
    counts: { inputs: inputCount, ...counts, duplicates: inputCount - records.length, junk: records.filter((record) => record.response?.kind === 'junk').length },
    testExamples: test.length,
    agreement: agreement(teacherLabels, studentLabels),
    agreementInterval: wilsonInterval(agreed, test.length),
    ...(byMargin.unknown < test.length ? { agreementByMargin: byMargin } : {}),
    warnings,
    macroF1VsTeacher: macroF1(scores),
    ...(studentVsGold ? { studentVsGold } : {}),
    ...(teacherVsGold ? { teacherVsGold } : {}),
    calibration: { eceVsTeacher: calibrationVsTeacher.ece, ...(eceVsGold === undefined ? {} : { eceVsGold }), bins: calibrationVsTeacher.bins },
    confusion: { reference: 'teacher', labels: present.map((index) => labels[index] ?? ''), matrix: present.map((row) => present.map((column) => matrix[row]?.[column] ?? 0)) },
    perClass: present.map((index) => ({ label: labels[index] ?? '', precision: scores[index]?.precision ?? 0, recall: scores[index]?.recall ?? 0, f1: scores[index]?.f1 ?? 0, support: scores[index]?.support ?? 0 })),
    ...speed,
    cost: {
      teacherPer1kUSD: costPer1kCalls(responses.map((response) => response.costUSD)),
      studentPer1kUSD: cpuCostPer1kCalls(speed.latency.student.meanMs, spec.evaluate.cpuHourUSD),
      cpuHourUSD: spec.evaluate.cpuHourUSD,
      priceSource: resolved.priceSource,
    },
    student: { bytes: (await stat(paths.student)).size, parameters: student.parameterCount() },
    ...(training.summary ? { training: { epochs: training.summary.epochsRun, bestEpoch: training.summary.bestEpoch, seconds: training.summary.seconds, examplesPerSecond: training.summary.examplesPerSecond, stoppedEarly: training.summary.stoppedEarly, reused: training.reused } } : {}),
    ...(collection ? { collection: { calls: collection.called, cached: collection.cached, junk: collection.junk, failed: collection.failed, spentUSD: collection.spentUSD, totalSpentUSD: ledger.committedUSD + ledger.orphanedUSD, budgetUSD: spec.budget.maxUSD } } : {}),
    ...findings,
  };
  await writeFile(paths.reportJson, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(paths.reportMarkdown, renderMarkdown(report));
  await writeFile(paths.reportHtml, renderHtml(report));
  emit({ type: 'stage-done', stage: 'evaluate', summary: `agreement ${(report.agreement * 100).toFixed(1)}% on ${test.length} ${testSplit} examples; report in ${paths.reportHtml}`, data: { agreement: report.agreement } });
  return { report, files: { markdown: paths.reportMarkdown, html: paths.reportHtml, json: paths.reportJson } };
}

/**
 * Student and teacher latency and the one speed-up every summary quotes (teacher p50 / student p50
 * in-process). The teacher is timed one call at a time when asked, else its latencies as collected.
 */
async function measureSpeed(
  task: LoadedTask, resolved: ResolvedTeacher, student: Student, texts: readonly string[], responses: readonly ResponseRecord[], context: EvaluateContext, emit: EventSink,
): Promise<Pick<EvalReport, 'latency' | 'speedupAtP50'>> {
  const studentLatency = summariseLatency(timeStudent(student, texts.slice(0, 2000)));
  const samples = context.teacherLatencySamples ?? 0;
  const timed = samples > 0 ? await timeTeacher(task, resolved, texts.slice(0, samples), emit, context.signal) : undefined;
  const teacher = timed ?? (responses.length > 0 ? summariseLatency(responses.map((response) => response.latencyMs)) : undefined);
  const speedup = teacher && studentLatency.p50Ms > 0 ? teacher.p50Ms / studentLatency.p50Ms : Number.NaN;
  return {
    latency: { student: studentLatency, ...(teacher ? { teacher, teacherMethod: timed ? 'sequential' : 'collected' } : {}) },
    ...(Number.isFinite(speedup) ? { speedupAtP50: speedup } : {}),
  };
}

/** The disagreements on the scored examples (aligned with the label arrays) and the junk answers of every split. */
function listFindings(
  records: readonly CuratedRecord[], scored: readonly CuratedRecord[], labels: readonly string[], teacherLabels: readonly number[], studentLabels: readonly number[], confidence: readonly number[],
): Pick<EvalReport, 'disagreements' | 'junkAnswers'> {
  const examples: ScoredExample[] = scored.map((record, index) => {
    const teacherIndex = teacherLabels[index] ?? 0;
    const studentIndex = studentLabels[index] ?? 0;
    return {
      inputId: record.input.id, source: record.input.source, text: record.input.text,
      teacherLabel: labels[teacherIndex] ?? '', teacherProbability: record.response?.distribution?.[teacherIndex] ?? null,
      studentLabel: labels[studentIndex] ?? '', studentProbability: confidence[index] ?? 0,
    };
  });
  const junk = records.filter((record) => record.response?.kind === 'junk')
    .map((record) => ({ inputId: record.input.id, source: record.input.source, text: record.input.text, split: record.split, answer: record.response?.text ?? '' }));
  return { disagreements: listDisagreements(examples), junkAnswers: listJunk(junk) };
}

/** Predicts every text, reporting progress per chunk and finally `done = total`, so the bar ends full. */
async function predictWithProgress(texts: readonly string[], predict: (text: string) => Prediction, emit: EventSink, signal: AbortSignal | undefined): Promise<Prediction[]> {
  const predictions: Prediction[] = [];
  emit({ type: 'evaluate-progress', step: 'scoring', done: 0, total: texts.length });
  for (let start = 0; start < texts.length; start += PROGRESS_CHUNK) {
    for (const text of texts.slice(start, start + PROGRESS_CHUNK)) predictions.push(predict(text));
    emit({ type: 'evaluate-progress', step: 'scoring', done: predictions.length, total: texts.length });
    await new Promise<void>((resolve) => setImmediate(resolve));
    stopIfAborted(signal);
  }
  return predictions;
}

/** Times teacher calls one at a time (real calls: a paid teacher bills them); the classify and language-model evaluations share it. */
export async function timeTeacher(task: LoadedTask, resolved: ResolvedTeacher, texts: readonly string[], emit: EventSink, signal: AbortSignal | undefined): Promise<LatencySummary | undefined> {
  const samples: number[] = [];
  const step = Math.max(1, Math.ceil(texts.length / 50));
  emit({ type: 'evaluate-progress', step: 'timing the teacher', done: 0, total: texts.length });
  for (const text of texts) {
    stopIfAborted(signal);
    const started = performance.now();
    await resolved.teacher.complete({ messages: buildMessages(task.spec, text), ...(signal === undefined ? {} : { signal }) })
      .catch((error: unknown) => {
        stopIfAborted(signal);
        throw error;
      });
    samples.push(performance.now() - started);
    // About 50 progress events whatever the sample count: enough for a bar, not a flood of JSON lines.
    if (samples.length % step === 0 || samples.length === texts.length) emit({ type: 'evaluate-progress', step: 'timing the teacher', done: samples.length, total: texts.length });
  }
  return samples.length > 0 ? summariseLatency(samples) : undefined;
}

/** Throws the run's stop error once the user has cancelled. */
function stopIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new RunStoppedError('The run was cancelled during evaluation; the student is saved.', 'aborted');
}
