/**
 * The evaluate stage of extract and generate tasks: the language-model student answers the test
 * split (JSON-constrained under the task's schema for extract), is scored against the teacher with
 * the kind's metrics and a bootstrap interval on every headline figure, is timed against the teacher
 * and priced against it, and the report (report.json/.md/.html) is written with the worst examples
 * side by side and the training curve.
 */
import { stat, writeFile } from 'node:fs/promises';
import type { CollectSummary } from '../collect/collector.js';
import { evaluateExtract, evaluateGenerate, judgeHeadline, type ExtractEvaluation, type GenerateEvaluation } from '../eval/generative-evaluation.js';
import { judgeStudent } from './judge-stage.js';
import { cpuCostPer1kCalls, summariseLatency } from '../eval/metrics.js';
import type { LatencySummary } from '../eval/metrics.js';
import type { ResponseRecord, Store } from '../store/types.js';
import { ContextLengthError } from '../student/lm/errors.js';
import type { LoadedTask } from '../task/load.js';
import { costUSD, lookupPrices } from '../teacher/prices.js';
import type { GenerativeCurationSummary } from './curate-generative-stage.js';
import type { CuratedRecord } from './curate-stage.js';
import { RunStoppedError } from './errors.js';
import type { EventSink } from './events.js';
import { timeTeacher } from './evaluate-stage.js';
import { renderGenerativePage, type GenerativeEvaluationReport, type StudentChoice } from './generative-report-page.js';
import type { LanguageModelExample } from './lm-examples.js';
import { languageModelSettingsOf, type LanguageModelTrainOutcome } from './lm-train-stage.js';
import type { ResolvedTeacher } from './make-teacher.js';
import type { ProjectPaths } from './project.js';

export type { GenerativeEvaluationReport, StudentChoice } from './generative-report-page.js';

/** The report and where it was written. */
export interface GenerativeEvaluationOutcome {
  report: GenerativeEvaluationReport;
  files: { markdown: string; html: string; json: string };
}

/** What the evaluation may know about the rest of the run. */
export interface GenerativeEvaluateContext {
  collection: CollectSummary | null;
  curation: GenerativeCurationSummary | null;
  /** Teacher calls timed one at a time (real calls); 0: the latencies recorded while collecting. */
  teacherLatencySamples: number;
  /** The judge when the task file asks for one (`evaluate.judge:`). */
  judge?: ResolvedTeacher;
  signal?: AbortSignal;
}

/** One student answer and the milliseconds it took. */
interface StudentAnswer { text: string; milliseconds: number; finishReason: string }

/**
 * The student under evaluation, whichever family wrote its answers (the language model or the span
 * tagger): how it answers one prompt, and what the report says about it and its training. The scoring,
 * intervals, worst examples, latency and cost are the same for both.
 */
export interface EvaluatedStudent {
  kind: GenerativeEvaluationReport['studentKind'];
  /** The answer to one prompt (the input text), under the task's schema for extract. */
  answer(prompt: string, schema: unknown): { text: string; finishReason: string };
  /** The report's `student`, less the file's bytes (measured from the file). */
  describe: Omit<GenerativeEvaluationReport['student'], 'bytes'>;
  training: GenerativeEvaluationReport['training'];
  choice?: StudentChoice;
}

/** The student's answers to `prompts`, one at a time, timed. */
async function answerAll(student: EvaluatedStudent, prompts: readonly string[], schema: unknown, emit: EventSink, signal: AbortSignal | undefined): Promise<StudentAnswer[]> {
  const answers: StudentAnswer[] = [];
  const every = Math.max(1, Math.ceil(prompts.length / 50));
  emit({ type: 'evaluate-progress', step: 'scoring', done: 0, total: prompts.length });
  for (const prompt of prompts) {
    const started = performance.now();
    const answer = student.answer(prompt, schema);
    answers.push({ ...answer, milliseconds: performance.now() - started });
    if (answers.length % every === 0 || answers.length === prompts.length) {
      emit({ type: 'evaluate-progress', step: 'scoring', done: answers.length, total: prompts.length });
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (signal?.aborted === true) throw new RunStoppedError('The run was cancelled during evaluation; the student is saved.', 'aborted');
    }
  }
  return answers;
}

/** The language-model student as the evaluation sees it; a prompt too long for its context gets an empty answer. */
export function evaluatedLanguageModel(task: LoadedTask, training: LanguageModelTrainOutcome): EvaluatedStudent {
  const settings = languageModelSettingsOf(task);
  return {
    kind: 'lm',
    answer: (prompt, schema) => {
      try {
        const generation = training.student.generate(prompt, { maxTokens: training.maxAnswerTokens, temperature: 0, ...(schema === undefined ? {} : { schema }) });
        return { text: generation.text, finishReason: generation.finishReason };
      } catch (error) {
        if (!(error instanceof ContextLengthError)) throw error;
        return { text: '', finishReason: 'context' };
      }
    },
    describe: { parameters: training.student.parameterCount(), tokenizer: training.tokenizer, context: training.context, storage: settings.storage, config: { ...training.student.config } },
    training: {
      curve: training.curve.map(({ step, trainLoss, validationLoss }) => ({ step, trainLoss, validationLoss })), reused: training.reused,
      stepsRun: training.summary?.stepsRun ?? 0, bestStep: training.summary?.bestStep ?? 0, seconds: training.summary?.seconds ?? 0, tokensPerSecond: training.summary?.tokensPerSecond ?? 0,
      tokenLevelExamples: training.tokenLevelExamples, trainExamples: training.trainExamples, validationExamples: training.validationExamples,
    },
  };
}

/** Mean of a list (0 for none). */
function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** USD per 1M calls: the teacher at its prices, the same calls at gpt-4o-mini's listed price, the student's CPU time. */
function costFigures(task: LoadedTask, resolved: ResolvedTeacher, responses: readonly ResponseRecord[], studentMeanMs: number): GenerativeEvaluationReport['cost'] {
  const mini = lookupPrices('gpt-4o-mini');
  const usage = { inputTokens: mean(responses.map((response) => response.inputTokens)), outputTokens: mean(responses.map((response) => response.outputTokens)) };
  return {
    teacherPer1MUSD: mean(responses.map((response) => response.costUSD)) * 1_000_000,
    ...(mini === undefined ? {} : { gpt4oMiniPer1MUSD: costUSD(usage, mini) * 1_000_000 }),
    studentPer1MUSD: cpuCostPer1kCalls(studentMeanMs, task.spec.evaluate.cpuHourUSD) * 1000,
    cpuHourUSD: task.spec.evaluate.cpuHourUSD,
    priceSource: resolved.priceSource,
    meanInputTokens: usage.inputTokens,
    meanOutputTokens: usage.outputTokens,
  };
}

/** The headline figures of the kind's evaluation, flattened for the report's JSON. */
function figuresOf(evaluation: ExtractEvaluation | GenerateEvaluation): Record<string, number> {
  if ('validRate' in evaluation) {
    return { validRate: evaluation.validRate.estimate, parseRate: evaluation.parseRate.estimate, fieldF1: evaluation.fieldF1.estimate, fieldPrecision: evaluation.metrics.fields.precision, fieldRecall: evaluation.metrics.fields.recall, exactMatch: evaluation.exactMatch.estimate };
  }
  return { exactMatch: evaluation.exactMatch.estimate, chrf: evaluation.chrf.estimate, rougeL: evaluation.rougeL.estimate };
}

/** Scores the language-model student on the test split (the validation split when there is no test split) and writes the report. */
export async function evaluateLanguageModel(
  task: LoadedTask, store: Store, records: readonly CuratedRecord[], examples: readonly LanguageModelExample[], training: LanguageModelTrainOutcome,
  resolved: ResolvedTeacher, paths: ProjectPaths, emit: EventSink, context: GenerativeEvaluateContext,
): Promise<GenerativeEvaluationOutcome> {
  return evaluateGenerativeStudent(task, store, records, examples, evaluatedLanguageModel(task, training), resolved, paths, emit, context);
}

/** Scores an extract or generate student (either family) on the test split (the validation split when there is no test split) and writes the report. */
export async function evaluateGenerativeStudent(
  task: LoadedTask, store: Store, records: readonly CuratedRecord[], examples: readonly LanguageModelExample[], student: EvaluatedStudent,
  resolved: ResolvedTeacher, paths: ProjectPaths, emit: EventSink, context: GenerativeEvaluateContext,
): Promise<GenerativeEvaluationOutcome> {
  const { spec } = task;
  let split: 'test' | 'val' = 'test';
  let test = examples.filter((example) => example.split === 'test');
  if (test.length === 0) {
    split = 'val';
    test = examples.filter((example) => example.split === 'val');
  }
  if (test.length === 0) throw new RunStoppedError('no curated test or validation answers to evaluate the student on: collect more answers (or give split.test a share)', 'no-data');
  const how = spec.kind !== 'extract' ? '' : student.kind === 'span' ? ', span-tagger answers (schema-valid by construction)' : ', JSON-constrained by the task\'s schema';
  emit({ type: 'stage-start', stage: 'evaluate', detail: `${test.length} ${split} examples${how}` });
  const warnings = test.length < 30 ? [`only ${test.length} ${split} examples: the intervals are wide`] : [];
  for (const message of warnings) emit({ type: 'warning', stage: 'evaluate', message });
  const answers = await answerAll(student, test.map((example) => example.prompt), spec.kind === 'extract' ? spec.schema : undefined, emit, context.signal);
  const pairs = test.map((example, index) => ({ input: example.prompt, teacher: example.answer, student: answers[index]?.text ?? '' }));
  const options = { seed: 1 };
  const evaluation = spec.kind === 'extract' ? evaluateExtract(pairs, spec.schema ?? {}, options) : evaluateGenerate(pairs, options);
  const judge = context.judge === undefined ? undefined : await judgeStudent(task, store, pairs.map((pair, index) => ({ ...pair, inputId: test[index]?.id ?? '' })), context.judge, emit);
  const byId = new Map(records.map((record) => [record.input.id, record]));
  const responses = test.map((example) => byId.get(example.id)?.response).filter((response): response is ResponseRecord => response !== undefined);
  const studentLatency = summariseLatency(answers.map((answer) => answer.milliseconds));
  const timed = context.teacherLatencySamples > 0 ? await timeTeacher(task, resolved, test.slice(0, context.teacherLatencySamples).map((example) => example.prompt), emit, context.signal) : undefined;
  const teacherLatency: LatencySummary | undefined = timed ?? (responses.length > 0 ? summariseLatency(responses.map((response) => response.latencyMs)) : undefined);
  const ledger = await store.ledger();
  const collection = context.collection;
  const report: GenerativeEvaluationReport = {
    task: spec.name, kind: spec.kind === 'extract' ? 'extract' : 'generate', createdAt: new Date().toISOString(), teacherModel: spec.teacher.model, studentKind: student.kind,
    ...(student.choice === undefined ? {} : { choice: student.choice }),
    split, testExamples: test.length, warnings,
    figures: figuresOf(evaluation),
    headline: judge === undefined ? evaluation.headline : [...evaluation.headline, ...judgeHeadline(judge, options)],
    ...(judge === undefined ? {} : { judge }),
    examples: evaluation.examples,
    scoreName: spec.kind === 'extract' ? 'field F1' : 'chrF',
    ...('metrics' in evaluation ? { fields: evaluation.metrics.perField, referenceUnparseable: evaluation.metrics.referenceUnparseable } : {}),
    truncatedAnswers: answers.filter((answer) => answer.finishReason === 'length').length,
    latency: { student: studentLatency, ...(teacherLatency ? { teacher: teacherLatency, teacherMethod: timed ? 'sequential' : 'collected' } : {}) },
    ...(teacherLatency && studentLatency.p50Ms > 0 ? { speedupAtP50: teacherLatency.p50Ms / studentLatency.p50Ms } : {}),
    cost: costFigures(task, resolved, responses, studentLatency.meanMs),
    student: { bytes: (await stat(paths.student)).size, ...student.describe },
    training: student.training,
    ...(context.curation ? { curation: context.curation.report } : {}),
    ...(collection ? { collection: { calls: collection.called, cached: collection.cached, junk: collection.junk, failed: collection.failed, spentUSD: collection.spentUSD, totalSpentUSD: ledger.committedUSD + ledger.orphanedUSD, budgetUSD: spec.budget.maxUSD } } : {}),
  };
  const page = renderGenerativePage(report);
  await writeFile(paths.reportJson, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(paths.reportMarkdown, page.markdown);
  await writeFile(paths.reportHtml, page.html);
  const headline = evaluation.headline.slice(0, 3).map((figure) => `${figure.name} ${figure.scale === 'proportion' ? `${(figure.interval.estimate * 100).toFixed(1)}%` : figure.interval.estimate.toFixed(1)}`).join(', ');
  emit({ type: 'stage-done', stage: 'evaluate', summary: `${headline} on ${test.length} ${split} examples; report in ${paths.reportHtml}`, data: report.figures });
  return { report, files: { markdown: paths.reportMarkdown, html: paths.reportHtml, json: paths.reportJson } };
}
