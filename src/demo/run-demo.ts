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
import { taskSpecSchema } from '../spec/schema.js';
import type { LoadedTask } from '../spec/load.js';
import { buildMessages } from '../spec/template.js';
import type { EventSink } from '../pipeline/events.js';
import { makeTeacher } from '../pipeline/make-teacher.js';
import { mean, timeChatCalls, timeStudent } from '../pipeline/measure-latency.js';
import { runTask } from '../pipeline/run-task.js';
import { startStudentServer } from '../serve/student-server.js';
import { buildCodeCorpus, writeCorpusJsonl } from './corpus.js';
import { LANGUAGE_LABELS } from './language-labels.js';
import { startLanguageTeacherServer } from './language-teacher-server.js';

/** Options of `distillery demo`. */
export interface DemoOptions {
  /** Project folder (default `.distillery/demo`). */
  projectDir: string;
  /** Most corpus snippets. */
  limit: number;
  /** Calls timed one at a time for the latency figures. */
  latencySamples: number;
  emit?: EventSink;
  signal?: AbortSignal;
}

/** The demo's headline figures (the JSON object `--json` prints last). */
export interface DemoResult {
  inputs: number;
  agreement: number;
  accuracyVsGold: number | null;
  teacherAccuracyVsGold: number | null;
  teacherMsPerCall: number;
  studentMsPerCall: number;
  studentServedMsPerCall: number;
  speedup: number;
  servedSpeedup: number;
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

/** The demo's task, pointed at a running teacher. */
function demoTask(projectDir: string, baseURL: string): LoadedTask {
  const spec = taskSpecSchema.parse({
    name: 'code-language-demo',
    project: '.',
    teacher: { baseURL, model: 'vscode-languagedetection', logprobs: true, topLogprobs: 20, timeoutMs: 30_000 },
    prompt: { messages: [{ role: 'system', content: 'Name the programming language of the code. Answer with one of: {{labels}}' }, { role: 'user', content: '{{text}}' }] },
    labels: [...LANGUAGE_LABELS],
    inputs: { path: 'inputs.jsonl', goldField: 'gold', maxChars: 1500 },
    budget: { maxUSD: 1 },
    limits: { concurrency: 4 },
    // Chosen by measurement on this corpus (see the README): 16k buckets keep the file small with no loss of agreement.
    student: { buckets: 16_384, dim: 16, wordNgrams: 3 },
  });
  return { spec, file: path.join(projectDir, 'task.yaml'), baseDir: projectDir, projectDir };
}

/** Runs the whole demo and returns its figures. */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const started = performance.now();
  const projectDir = path.resolve(options.projectDir);
  await mkdir(projectDir, { recursive: true });
  const corpus = await buildCodeCorpus({ limit: options.limit, perLabelCap: Math.ceil(options.limit / 4) });
  await writeCorpusJsonl(corpus, path.join(projectDir, 'inputs.jsonl'));
  const teacherServer = await startLanguageTeacherServer();
  try {
    const task = demoTask(projectDir, teacherServer.url);
    // Kept for people to read; its baseURL points at a teacher that lives only while the demo runs.
    await writeFile(task.file, `# Written by \`distillery demo\`; the teacher's port changes every run.\n${stringify(task.spec)}`);
    const result = await runTask({ task, teacher: makeTeacher(task.spec, {}), retrain: true, ...(options.emit ? { emit: options.emit } : {}), ...(options.signal ? { signal: options.signal } : {}) });
    const evaluation = result.evaluation;
    const training = result.training;
    if (!evaluation || !training) throw new Error('the demo run stopped before evaluation');
    const texts = corpus.slice(0, options.latencySamples).map((item) => item.text);
    const conversations = texts.map((text) => buildMessages(task.spec, text));
    const teacherSamples = await timeChatCalls({ baseURL: teacherServer.url, model: task.spec.teacher.model }, conversations);
    const studentSamples = timeStudent(training.student, texts);
    const studentServer = await startStudentServer({ student: training.student, modelName: 'code-language-student' });
    let servedSamples: number[];
    try {
      servedSamples = await timeChatCalls({ baseURL: studentServer.url, model: 'code-language-student' }, conversations);
    } finally {
      await studentServer.close();
    }
    const teacherMsPerCall = mean(teacherSamples);
    const studentMsPerCall = mean(studentSamples);
    const studentServedMsPerCall = mean(servedSamples);
    const teacherBytes = teacherModelBytes();
    return {
      inputs: result.inputs,
      agreement: evaluation.report.agreement,
      accuracyVsGold: evaluation.report.studentVsGold?.accuracy ?? null,
      teacherAccuracyVsGold: evaluation.report.teacherVsGold?.accuracy ?? null,
      teacherMsPerCall,
      studentMsPerCall,
      studentServedMsPerCall,
      speedup: teacherMsPerCall / studentMsPerCall,
      servedSpeedup: teacherMsPerCall / studentServedMsPerCall,
      studentBytes: evaluation.report.student.bytes,
      teacherBytes,
      sizeRatio: teacherBytes / evaluation.report.student.bytes,
      teacherCalls: result.collection?.called ?? 0,
      cachedAnswers: result.collection?.cached ?? 0,
      testExamples: evaluation.report.testExamples,
      wallSeconds: (performance.now() - started) / 1000,
      report: evaluation.files.html,
    };
  } finally {
    await teacherServer.close();
  }
}
