import { stat, writeFile } from 'node:fs/promises';
import { agreement, calibration, classScores, confusionMatrix, costPer1kCalls, cpuCostPer1kCalls, macroF1, scoreAgainstGold, summariseLatency } from '../eval/metrics.js';
import { renderHtml, renderMarkdown, type EvalReport } from '../eval/report.js';
import type { CollectSummary } from '../collect/collector.js';
import type { LoadedTask } from '../spec/load.js';
import type { Store } from '../store/types.js';
import type { CuratedRecord } from './curate-stage.js';
import type { EventSink } from './events.js';
import type { ResolvedTeacher } from './make-teacher.js';
import { timeStudent } from './measure-latency.js';
import type { ProjectPaths } from './project.js';
import { toExamples, type TrainOutcome } from './train-stage.js';

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
  collection: CollectSummary | null = null,
  inputCount: number = records.length,
): Promise<EvaluationOutcome> {
  const { spec } = task;
  const labels = spec.labels;
  const student = training.student;
  let test = toExamples(records, 'test', labels);
  let testSplit: CuratedRecord['split'] = 'test';
  if (test.length === 0) {
    test = toExamples(records, 'val', labels);
    testSplit = 'val';
    emit({ type: 'warning', stage: 'evaluate', message: 'the test split is empty; scoring on the validation split instead' });
  }
  emit({ type: 'stage-start', stage: 'evaluate', detail: `${test.length} ${testSplit} examples` });
  const teacherLabels = test.map((example) => example.label);
  const predictions = test.map((example, index) => {
    if (index % 200 === 0) emit({ type: 'evaluate-progress', done: index, total: test.length });
    return student.predict(example.text);
  });
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

  const studentLatency = summariseLatency(timeStudent(student, test.slice(0, 2000).map((example) => example.text)));
  const responses = scored.map((record) => record.response).filter((response) => response !== undefined);
  const teacherLatency = responses.length > 0 ? summariseLatency(responses.map((response) => response.latencyMs)) : undefined;
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
    macroF1VsTeacher: macroF1(scores),
    ...(studentVsGold ? { studentVsGold } : {}),
    ...(teacherVsGold ? { teacherVsGold } : {}),
    calibration: { eceVsTeacher: calibrationVsTeacher.ece, ...(eceVsGold === undefined ? {} : { eceVsGold }), bins: calibrationVsTeacher.bins },
    confusion: { reference: 'teacher', labels: present.map((index) => labels[index] ?? ''), matrix: present.map((row) => present.map((column) => matrix[row]?.[column] ?? 0)) },
    perClass: present.map((index) => ({ label: labels[index] ?? '', precision: scores[index]?.precision ?? 0, recall: scores[index]?.recall ?? 0, f1: scores[index]?.f1 ?? 0, support: scores[index]?.support ?? 0 })),
    latency: { student: studentLatency, ...(teacherLatency ? { teacher: teacherLatency } : {}) },
    cost: {
      teacherPer1kUSD: costPer1kCalls(responses.map((response) => response.costUSD)),
      studentPer1kUSD: cpuCostPer1kCalls(studentLatency.meanMs, spec.evaluate.cpuHourUSD),
      cpuHourUSD: spec.evaluate.cpuHourUSD,
      priceSource: resolved.priceSource,
    },
    student: { bytes: (await stat(paths.student)).size, parameters: student.parameterCount() },
    ...(training.fit ? { training: { epochs: training.fit.epochs.length, bestEpoch: training.fit.bestEpoch, seconds: training.fit.seconds, examplesPerSecond: training.fit.examplesPerSecond, stoppedEarly: training.fit.stoppedEarly } } : {}),
    ...(collection ? { collection: { calls: collection.called, cached: collection.cached, junk: collection.junk, failed: collection.failed, spentUSD: collection.spentUSD, totalSpentUSD: ledger.committedUSD + ledger.orphanedUSD, budgetUSD: spec.budget.maxUSD } } : {}),
  };
  await writeFile(paths.reportJson, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(paths.reportMarkdown, renderMarkdown(report));
  await writeFile(paths.reportHtml, renderHtml(report));
  emit({ type: 'stage-done', stage: 'evaluate', summary: `agreement ${(report.agreement * 100).toFixed(1)}% on ${test.length} ${testSplit} examples; report in ${paths.reportHtml}`, data: { agreement: report.agreement } });
  return { report, files: { markdown: paths.reportMarkdown, html: paths.reportHtml, json: paths.reportJson } };
}
