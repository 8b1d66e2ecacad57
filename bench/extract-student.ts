/**
 * The extract demo distilled into the language-model student, end to end and measured: the teacher
 * (compromise behind its loopback OpenAI-compatible server) answers real sentences over HTTP through
 * the official openai client, the student trains on (sentence, answer) pairs, and greedy decoding
 * under the answer's JSON Schema is scored against the teacher's answers on held-out sentences.
 * Shared by the `generative` bench section and the settings sweep (bench/extract-student-sweep.ts).
 */
import os from 'node:os';
import OpenAI from 'openai';
import { encodeGenerator, decode as o200kDecode } from 'gpt-tokenizer/encoding/o200k_base';
import { ENTITY_SCHEMA } from '../src/demo/entity-extractor.js';
import { extractMessages } from '../src/demo/extract-teacher-timing.js';
import { startExtractTeacherServer } from '../src/demo/extract-teacher-server.js';
import type { ExtractStudentSettings } from '../src/demo/extract-student-settings.js';
import { buildSentenceCorpus, type SentenceItem } from '../src/demo/sentence-corpus.js';
import { evaluateExtract, type ExtractEvaluation } from '../src/eval/generative-evaluation.js';
import { trainLanguageModelStudent, type GenerativeStudent, type TrainingReport } from '../src/student/lm/index.js';
import { seenTeacherTokens, teacherTokenizer } from '../src/student/lm/teacher-tokenizer.js';
import { trainTokenizer } from '../src/student/lm/tokenizer.js';
import type { GenerationExample } from '../src/student/lm/sequences.js';

/** One sentence with the teacher's answer. */
export interface TeacherAnswered { sentence: string; answer: string }

/** What collecting from the teacher took. */
export interface Collection { answered: TeacherAnswered[]; calls: number; seconds: number; promptTokens: number; completionTokens: number }

/** Asks the loopback extract teacher about every sentence over HTTP, `concurrency` calls in flight. */
export async function collectTeacherAnswers(sentences: readonly string[], concurrency = 4): Promise<Collection> {
  const started = performance.now();
  const server = await startExtractTeacherServer();
  const answered: TeacherAnswered[] = new Array(sentences.length);
  let promptTokens = 0;
  let completionTokens = 0;
  try {
    const client = new OpenAI({ baseURL: server.url, apiKey: 'not-needed', maxRetries: 0 });
    let next = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < sentences.length) {
        const index = next++;
        const sentence = sentences[index] as string;
        const completion = await client.chat.completions.create({ model: server.modelName, messages: extractMessages(sentence), max_tokens: 256 });
        answered[index] = { sentence, answer: completion.choices[0]?.message.content ?? '' };
        promptTokens += completion.usage?.prompt_tokens ?? 0;
        completionTokens += completion.usage?.completion_tokens ?? 0;
      }
    }));
    return { answered, calls: server.calls(), seconds: (performance.now() - started) / 1000, promptTokens, completionTokens };
  } finally {
    await server.close();
  }
}

/** The student's prompt for a sentence under the settings' prompt format. */
export function studentPrompt(sentence: string, settings: ExtractStudentSettings): string {
  return settings.promptPrefix + sentence;
}

/** Trains a student on teacher-answered sentences. */
export function trainExtractStudent(train: readonly TeacherAnswered[], settings: ExtractStudentSettings): { student: GenerativeStudent; report: TrainingReport; seconds: number } {
  const started = performance.now();
  const examples: GenerationExample[] = train.map((item) => ({ prompt: studentPrompt(item.sentence, settings), answer: item.answer }));
  const texts = examples.flatMap((example) => [example.prompt, example.answer]);
  const tokenizer = settings.tokenizer === 'o200k'
    ? teacherTokenizer('o200k_base', { encodeGenerator, decode: o200kDecode }, seenTeacherTokens({ encodeGenerator, decode: o200kDecode }, texts))
    : trainTokenizer(texts, settings.vocabularySize, settings.pretokenizer);
  const { student, report } = trainLanguageModelStudent(examples, undefined, {
    tokenizer, decoding: { copyStrings: settings.copyStrings },
    config: settings.config,
    training: settings.training,
    validationShare: settings.validationShare,
  });
  return { student, report, seconds: (performance.now() - started) / 1000 };
}

/** The student's answers to held-out sentences (greedy; under the schema when the settings say so), with ms per call. */
export function studentAnswers(student: GenerativeStudent, sentences: readonly string[], settings: ExtractStudentSettings): { answers: string[]; milliseconds: number[] } {
  const milliseconds: number[] = [];
  const answers = sentences.map((sentence) => {
    const started = performance.now();
    const generation = student.generate(studentPrompt(sentence, settings), { maxTokens: settings.maxTokens, temperature: 0, ...(settings.constrained ? { schema: ENTITY_SCHEMA } : {}) });
    milliseconds.push(performance.now() - started);
    return generation.text;
  });
  return { answers, milliseconds };
}

/** CPU seconds (user + system) this process used since `start`. */
export function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

/** One end-to-end run: collect, train, evaluate, each timed. */
export interface ExtractDistillation {
  settings: ExtractStudentSettings;
  teacherCalls: number;
  trainExamples: number;
  testExamples: number;
  evaluation: ExtractEvaluation;
  collectSeconds: number;
  trainSeconds: number;
  evaluateSeconds: number;
  wallSeconds: number;
  /** CPU seconds (user + system) of this process over the run: what the wall time would be on an idle core. */
  cpuSeconds: number;
  stepsRun: number;
  bestStep: number;
  tokensPerSecond: number;
  studentBytes: number;
  parameters: number;
  studentMs: number[];
  /** Load averages (1, 5, 15 min) at start and end. */
  loadAtStart: number[];
  loadAtEnd: number[];
  student: GenerativeStudent;
}

/** The held-out sentences: a different seed's sample, minus any sentence in the training pool. */
export async function heldOutSentences(count: number, exclude: ReadonlySet<string>): Promise<SentenceItem[]> {
  const pool = await buildSentenceCorpus({ limit: count + exclude.size + 100, seed: 7 });
  return pool.filter((item) => !exclude.has(item.id)).slice(0, count);
}

/** Collects `settings.teacherCalls` training answers plus `testCount` held-out ones, trains and scores. */
export async function distilExtract(settings: ExtractStudentSettings, testCount: number): Promise<ExtractDistillation> {
  const loadAtStart = os.loadavg();
  const cpuAtStart = process.cpuUsage();
  const started = performance.now();
  const trainItems = await buildSentenceCorpus({ limit: settings.teacherCalls, seed: 0 });
  const testItems = await heldOutSentences(testCount, new Set(trainItems.map((item) => item.id)));
  const collection = await collectTeacherAnswers([...trainItems, ...testItems].map((item) => item.text));
  const train = collection.answered.slice(0, trainItems.length);
  const test = collection.answered.slice(trainItems.length);
  const trained = trainExtractStudent(train, settings);
  const evaluateStarted = performance.now();
  const { answers, milliseconds } = studentAnswers(trained.student, test.map((item) => item.sentence), settings);
  const evaluation = evaluateExtract(test.map((item, index) => ({ input: item.sentence, teacher: item.answer, student: answers[index] ?? '' })), ENTITY_SCHEMA);
  const evaluateSeconds = (performance.now() - evaluateStarted) / 1000;
  return {
    settings, teacherCalls: trainItems.length, trainExamples: train.length, testExamples: test.length, evaluation,
    collectSeconds: collection.seconds, trainSeconds: trained.seconds, evaluateSeconds, wallSeconds: (performance.now() - started) / 1000,
    cpuSeconds: cpuSecondsSince(cpuAtStart),
    stepsRun: trained.report.stepsRun, bestStep: trained.report.bestStep, tokensPerSecond: trained.report.tokensPerSecond,
    studentBytes: trained.student.toBytes('f16').length, parameters: trained.student.parameterCount(), studentMs: milliseconds,
    loadAtStart, loadAtEnd: os.loadavg(), student: trained.student,
  };
}

/** One line of figures for a run. */
export function describeDistillation(run: ExtractDistillation): string {
  const { evaluation } = run;
  const interval = (value: { estimate: number; lower: number; upper: number }) => `${value.estimate.toFixed(3)} [${value.lower.toFixed(3)}, ${value.upper.toFixed(3)}]`;
  return [
    `calls ${run.teacherCalls} test ${run.testExamples}: fieldF1 ${interval(evaluation.fieldF1)} valid ${interval(evaluation.validRate)} exact ${interval(evaluation.exactMatch)}`,
    `  P ${evaluation.metrics.fields.precision.toFixed(3)} R ${evaluation.metrics.fields.recall.toFixed(3)}; per field ${evaluation.metrics.perField.map((field) => `${field.path} ${field.f1.toFixed(2)}`).join(', ')}`,
    `  steps ${run.stepsRun} (best ${run.bestStep}), ${run.parameters} params, ${run.studentBytes} B f16, ${run.tokensPerSecond.toFixed(0)} tok/s`,
    `  collect ${run.collectSeconds.toFixed(1)} s, train ${run.trainSeconds.toFixed(1)} s, evaluate ${run.evaluateSeconds.toFixed(1)} s, wall ${run.wallSeconds.toFixed(1)} s (CPU ${run.cpuSeconds.toFixed(1)} s); load ${run.loadAtStart.map((value) => value.toFixed(1)).join('/')} → ${run.loadAtEnd.map((value) => value.toFixed(1)).join('/')}`,
  ].join('\n');
}
