/**
 * The offline demo, end to end: VS Code's language detector served as an OpenAI-compatible
 * teacher on loopback, real source files from this install as inputs, and the ordinary pipeline
 * (collect → curate → train → evaluate) talking to it over HTTP exactly as it would to OpenAI.
 */
import { readFileSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { stringify } from 'yaml';
import { summariseLatency, type AgreementByMargin } from '../eval/metrics.js';
import { taskSpecSchema } from '../task/schema.js';
import type { LoadedTask } from '../task/load.js';
import { buildMessages } from '../task/template.js';
import { RunStoppedError } from '../pipeline/errors.js';
import type { EventSink } from '../pipeline/events.js';
import { makeTeacher } from '../pipeline/make-teacher.js';
import { timeChatCalls } from '../pipeline/measure-latency.js';
import { runTask } from '../pipeline/run-task.js';
import { startStudentServer } from '../serve/student-server.js';
import { UsageError } from '../util/errors.js';
import { buildCodeCorpus, writeCorpusJsonl } from './corpus.js';
import { DEMO_PROMPT } from './demo-task.js';
import { LANGUAGE_LABELS } from './language-labels.js';
import { startLanguageTeacherServer } from './language-teacher-server.js';

/** Options of `distillery demo`. */
export interface DemoOptions {
  /** Project folder (default `.distillery/demo`). */
  projectDir: string;
  /** Most corpus snippets (a positive integer). */
  limit: number;
  /** Teacher calls timed one at a time (in evaluate) and student calls via `serve`, for the speed figures (a positive integer). */
  latencySamples: number;
  emit?: EventSink;
  signal?: AbortSignal;
}

/**
 * The demo's headline figures (the JSON object `--json` prints last). Latencies are p50s; the teacher's,
 * the student's and `speedup` are the report's own figures (one measurement, one definition).
 */
export interface DemoResult {
  inputs: number;
  agreement: number;
  /** 95% Wilson interval of `agreement`. */
  agreementInterval: { lower: number; upper: number };
  /** Agreement on the teacher's decisive answers and on its near-ties (top-two margin below `margin`), separately. */
  agreementByMargin: { margin: number; decisive: number; decisiveExamples: number; nearTie: number; nearTieExamples: number } | null;
  accuracyVsGold: number | null;
  teacherAccuracyVsGold: number | null;
  /** Teacher p50 over HTTP, one call at a time (report.latency.teacher). */
  teacherMsPerCall: number;
  /** Student p50 in-process (report.latency.student). */
  studentMsPerCall: number;
  /** Student p50 through `distillery serve` and the openai client. */
  studentServedMsPerCall: number;
  /** report.speedupAtP50: teacher p50 / student p50. */
  speedup: number;
  /** Teacher p50 / served student p50. */
  servedSpeedup: number;
  /** What the report warns about (e.g. a small test split). */
  warnings: string[];
  studentBytes: number;
  teacherBytes: number;
  sizeRatio: number;
  teacherCalls: number;
  cachedAnswers: number;
  testExamples: number;
  wallSeconds: number;
  report: string;
}

/** Bytes of the teacher's weights and graph, as shipped in the npm package. */
export function teacherModelBytes(): number {
  const require = createRequire(import.meta.url);
  const packageDir = path.dirname(require.resolve('@vscode/vscode-languagedetection/package.json'));
  const modelDir = path.join(packageDir, 'model');
  const manifest = JSON.parse(readFileSync(path.join(modelDir, 'model.json'), 'utf8')) as { weightsManifest?: Array<{ paths: string[] }> };
  const weightFiles = manifest.weightsManifest?.flatMap((group) => group.paths) ?? [];
  return [path.join(modelDir, 'model.json'), ...weightFiles.map((file) => path.join(modelDir, file))].reduce((sum, file) => sum + statSync(file).size, 0);
}

/**
 * The demo's student. Chosen by VALIDATION agreement over a grid on this corpus (bench/student-grid.ts; see the
 * README): the teacher reads character pairs of the whole text, so the student does too (and nothing else); a
 * hidden layer over their mean and a wide part over their counts follow its two parts; and it matches the
 * teacher's log-probabilities (logit matching), which say far more than its near-certain probabilities do.
 */
export const DEMO_STUDENT_SETTINGS = Object.freeze({
  kind: 'bag-mlp', buckets: 16_384, dim: 32, wordNgrams: 0, textCharNgrams: 2, softLoss: 'logits', alpha: 0.7,
  bagMlp: Object.freeze({ hiddenSizes: [128], wide: true }),
});

/** The demo's task, pointed at a running teacher. */
function demoTask(projectDir: string, baseURL: string): LoadedTask {
  const spec = taskSpecSchema.parse({
    name: 'code-language-demo',
    project: '.',
    teacher: { baseURL, model: 'vscode-languagedetection', logprobs: true, topLogprobs: 20, timeoutMs: 30_000 },
    prompt: { messages: DEMO_PROMPT.map((message) => ({ ...message })) },
    labels: [...LANGUAGE_LABELS],
    inputs: { path: 'inputs.jsonl', goldField: 'gold', maxChars: 1500 },
    budget: { maxUSD: 1 },
    limits: { concurrency: 4 },
    student: { ...DEMO_STUDENT_SETTINGS, bagMlp: { ...DEMO_STUDENT_SETTINGS.bagMlp } },
  });
  return { spec, file: path.join(projectDir, 'task.yaml'), baseDir: projectDir, projectDir };
}

/** The decisive / near-tie split of the report, flattened for the result object. */
function marginFigures(split: AgreementByMargin | undefined): DemoResult['agreementByMargin'] {
  if (split === undefined) return null;
  return { margin: split.margin, decisive: split.decisive.agreement, decisiveExamples: split.decisive.examples, nearTie: split.nearTie.agreement, nearTieExamples: split.nearTie.examples };
}

/** Throws the run's stop error once the user has cancelled. */
function stopIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new RunStoppedError('The demo was cancelled; answers so far are saved.', 'aborted');
}

/** Runs the whole demo and returns its figures. */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const started = performance.now();
  for (const [flag, value] of [['--limit', options.limit], ['--latency-samples', options.latencySamples]] as const) {
    if (!Number.isSafeInteger(value) || value < 1) throw new UsageError(`${flag} must be a positive integer, got ${value}`);
  }
  const { signal } = options;
  const projectDir = path.resolve(options.projectDir);
  await mkdir(projectDir, { recursive: true });
  const corpus = await buildCodeCorpus({ limit: options.limit, perLabelCap: Math.ceil(options.limit / 4) });
  stopIfAborted(signal);
  await writeCorpusJsonl(corpus, path.join(projectDir, 'inputs.jsonl'));
  const teacherServer = await startLanguageTeacherServer();
  try {
    const task = demoTask(projectDir, teacherServer.url);
    // Kept for people to read; its baseURL points at a teacher that lives only while the demo runs.
    await writeFile(task.file, `# Written by \`distillery demo\`; the teacher's port changes every run (\`distillery demo teacher\` starts one to keep).\n${stringify(task.spec)}`);
    const result = await runTask({
      task, teacher: makeTeacher(task.spec, {}), retrain: true, teacherLatencySamples: options.latencySamples,
      ...(options.emit ? { emit: options.emit } : {}), ...(signal ? { signal } : {}),
    });
    const { evaluation, training } = result;
    if (!evaluation || !training) throw new Error('the demo run stopped before evaluation');
    stopIfAborted(signal);
    const { report } = evaluation;
    const conversations = corpus.slice(0, options.latencySamples).map((item) => buildMessages(task.spec, item.text));
    const studentServer = await startStudentServer({ student: training.student, modelName: 'code-language-student' });
    let servedSamples: number[];
    try {
      servedSamples = await timeChatCalls({ baseURL: studentServer.url, model: 'code-language-student', shouldStop: () => signal?.aborted === true }, conversations);
    } finally {
      await studentServer.close();
    }
    stopIfAborted(signal);
    const teacherMsPerCall = report.latency.teacher?.p50Ms ?? Number.NaN;
    const studentServedMsPerCall = summariseLatency(servedSamples).p50Ms;
    const teacherBytes = teacherModelBytes();
    return {
      inputs: result.inputs,
      agreement: report.agreement,
      agreementInterval: { lower: report.agreementInterval.lower, upper: report.agreementInterval.upper },
      agreementByMargin: marginFigures(report.agreementByMargin),
      accuracyVsGold: report.studentVsGold?.accuracy ?? null,
      teacherAccuracyVsGold: report.teacherVsGold?.accuracy ?? null,
      teacherMsPerCall,
      studentMsPerCall: report.latency.student.p50Ms,
      studentServedMsPerCall,
      speedup: report.speedupAtP50 ?? Number.NaN,
      servedSpeedup: teacherMsPerCall / studentServedMsPerCall,
      warnings: report.warnings,
      studentBytes: report.student.bytes,
      teacherBytes,
      sizeRatio: teacherBytes / report.student.bytes,
      teacherCalls: result.collection?.called ?? 0,
      cachedAnswers: result.collection?.cached ?? 0,
      testExamples: report.testExamples,
      wallSeconds: (performance.now() - started) / 1000,
      report: evaluation.files.html,
    };
  } finally {
    await teacherServer.close();
  }
}
