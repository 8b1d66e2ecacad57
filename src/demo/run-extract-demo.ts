/**
 * The generative offline demo, end to end: compromise's people, places and organisations served as
 * an OpenAI-compatible teacher on loopback, real English sentences from nlp-corpus as inputs, and the
 * ordinary pipeline (collect → curate → train the span-tagger student, or the language model, or
 * both and keep the better (`studentKind`) → evaluate) talking to it
 * over HTTP exactly as it would to OpenAI.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { RunStoppedError } from '../pipeline/errors.js';
import type { EventSink } from '../pipeline/events.js';
import { makeTeacher } from '../pipeline/make-teacher.js';
import { runTask } from '../pipeline/run-task.js';
import type { LoadedTask } from '../task/load.js';
import { taskSpecSchema } from '../task/schema.js';
import { UsageError } from '../util/errors.js';
import { EXTRACT_DEMO_TASK, extractTeacherBytes } from './extract-task.js';
import { startExtractTeacherServer } from './extract-teacher-server.js';
import { buildSentenceCorpus } from './sentence-corpus.js';

/** Options of `distillery demo extract`. */
export interface ExtractDemoOptions {
  /** Project folder (default `.distillery/demo-extract`). */
  projectDir: string;
  /** Most sentences (a positive integer). */
  limit: number;
  /** Teacher calls timed one at a time during evaluate, for its ms per call (a positive integer). */
  latencySamples: number;
  /** Settings over EXTRACT_DEMO_STUDENT.lm (the CLI's --steps; used when the student kind is lm or auto). */
  languageModel?: Record<string, unknown>;
  /** student.kind of the demo's task (default EXTRACT_DEMO_STUDENT.kind, span). */
  studentKind?: 'span' | 'auto' | 'lm';
  emit?: EventSink;
  signal?: AbortSignal;
}

/** The demo's figures (the JSON object `--json` prints last); every one measured by this run. */
export interface ExtractDemoResult {
  /** The student that answered: the span tagger or the language model (with --student auto, the one kept). */
  studentKind: 'span' | 'lm';
  /** Why (student.kind auto only): the choice's reason with both validation field F1s. */
  studentChoice?: string;
  inputs: number;
  trainExamples: number;
  testExamples: number;
  /** Student answers that parse and match the schema (constrained decoding). */
  validRate: number;
  /** 95% bootstrap interval of validRate. */
  validRateInterval: { lower: number; upper: number };
  /** Micro field F1 of the student's objects against the teacher's. */
  fieldF1: number;
  fieldF1Interval: { lower: number; upper: number };
  fieldPrecision: number;
  fieldRecall: number;
  exactMatch: number;
  exactMatchInterval: { lower: number; upper: number };
  studentBytes: number;
  studentParameters: number;
  teacherBytes: number;
  /** Student p50 in-process, one answer at a time (decoding the whole JSON object). */
  studentMsPerCall: number;
  /** Teacher p50 over HTTP through the openai client, one call at a time. */
  teacherMsPerCall: number;
  /** USD per 1M calls: the student's CPU time at the task's vCPU-hour price. */
  studentPer1MCallsUSD: number;
  /** USD per 1M calls of the same prompts and answers at gpt-4o-mini's listed price. */
  gpt4oMiniPer1MCallsUSD: number;
  /** Teacher calls this run's collection made (timing calls not included). */
  teacherCalls: number;
  cachedAnswers: number;
  trainSeconds: number;
  /** Optimiser steps (lm) or perceptron epochs kept (span). */
  stepsRun: number;
  wallSeconds: number;
  report: string;
}

/** The demo's task, pointed at a running teacher. */
function extractDemoTask(projectDir: string, baseURL: string, languageModel: Record<string, unknown> = {}, studentKind: 'span' | 'auto' | 'lm' = EXTRACT_DEMO_TASK.student.kind): LoadedTask {
  const { name, kind, teacher, prompt, schema, budget, limits, student } = EXTRACT_DEMO_TASK;
  const spec = taskSpecSchema.parse({
    name, kind, project: '.',
    teacher: { baseURL, ...teacher },
    prompt: { messages: prompt.messages.map((message) => ({ ...message })) },
    schema: JSON.parse(JSON.stringify(schema)) as Record<string, unknown>,
    inputs: { path: 'inputs.jsonl', maxChars: EXTRACT_DEMO_TASK.corpus.maxChars },
    budget: { ...budget }, limits: { ...limits },
    student: { kind: studentKind, seed: student.seed, span: { ...student.span, epochs: [...student.span.epochs] }, lm: { ...student.lm, ...languageModel } },
  });
  return { spec, file: path.join(projectDir, 'task.yaml'), baseDir: projectDir, projectDir };
}

/** Throws the run's stop error once the user has cancelled. */
function stopIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new RunStoppedError('The demo was cancelled; answers so far are saved.', 'aborted');
}

/** An interval's bounds. */
const bounds = (interval: { lower: number; upper: number } | undefined) => ({ lower: interval?.lower ?? Number.NaN, upper: interval?.upper ?? Number.NaN });

/** Runs the whole extract demo and returns its figures. */
export async function runExtractDemo(options: ExtractDemoOptions): Promise<ExtractDemoResult> {
  const started = performance.now();
  for (const [flag, value] of [['--limit', options.limit], ['--latency-samples', options.latencySamples]] as const) {
    if (!Number.isSafeInteger(value) || value < 1) throw new UsageError(`${flag} must be a positive integer, got ${value}`);
  }
  const { signal } = options;
  const projectDir = path.resolve(options.projectDir);
  await mkdir(projectDir, { recursive: true });
  const { corpus: selection } = EXTRACT_DEMO_TASK;
  const corpus = await buildSentenceCorpus({ limit: options.limit, seed: selection.seed, minChars: selection.minChars, maxChars: selection.maxChars });
  stopIfAborted(signal);
  await writeFile(path.join(projectDir, 'inputs.jsonl'), `${corpus.map((item) => JSON.stringify({ id: item.id, text: item.text, source: item.source })).join('\n')}\n`);
  const teacherServer = await startExtractTeacherServer();
  try {
    const task = extractDemoTask(projectDir, teacherServer.url, options.languageModel, options.studentKind);
    await writeFile(task.file, `# Written by \`distillery demo extract\`; the teacher's port changes every run.\n${stringify(task.spec)}`);
    const result = await runTask({
      // A rerun reuses the saved student when its data and settings are unchanged (the train line says so).
      task, teacher: makeTeacher(task.spec, {}), teacherLatencySamples: options.latencySamples,
      ...(options.emit ? { emit: options.emit } : {}), ...(signal ? { signal } : {}),
    });
    const evaluation = result.generativeEvaluation;
    if (!evaluation) throw new Error('the extract demo stopped before evaluation');
    const { report } = evaluation;
    const interval = (name: string) => report.headline.find((figure) => figure.name === name)?.interval;
    return {
      studentKind: report.studentKind,
      ...(report.choice === undefined ? {} : { studentChoice: report.choice.reason }),
      inputs: result.inputs,
      trainExamples: report.training.trainExamples,
      testExamples: report.testExamples,
      validRate: report.figures['validRate'] ?? Number.NaN,
      validRateInterval: bounds(interval('valid JSON (schema)')),
      fieldF1: report.figures['fieldF1'] ?? Number.NaN,
      fieldF1Interval: bounds(interval('field F1 vs teacher')),
      fieldPrecision: report.figures['fieldPrecision'] ?? Number.NaN,
      fieldRecall: report.figures['fieldRecall'] ?? Number.NaN,
      exactMatch: report.figures['exactMatch'] ?? Number.NaN,
      exactMatchInterval: bounds(interval('exact match vs teacher')),
      studentBytes: report.student.bytes,
      studentParameters: report.student.parameters,
      teacherBytes: extractTeacherBytes(),
      studentMsPerCall: report.latency.student.p50Ms,
      teacherMsPerCall: report.latency.teacher?.p50Ms ?? Number.NaN,
      studentPer1MCallsUSD: report.cost.studentPer1MUSD,
      gpt4oMiniPer1MCallsUSD: report.cost.gpt4oMiniPer1MUSD ?? Number.NaN,
      teacherCalls: result.collection?.called ?? 0,
      cachedAnswers: result.collection?.cached ?? 0,
      trainSeconds: report.training.seconds,
      stepsRun: report.training.stepsRun,
      wallSeconds: (performance.now() - started) / 1000,
      report: evaluation.files.html,
    };
  } finally {
    await teacherServer.close();
  }
}
