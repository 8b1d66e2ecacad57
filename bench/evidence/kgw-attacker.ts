/**
 * The attacker's side of the KGW evidence bench: distillation with Distillery itself. A generate
 * task ("{{text}}" → the teacher's answer) runs the ordinary pipeline (`runTask`: collect → curate →
 * train the language-model student) against an OpenAI-compatible teacher URL — the owner's model
 * behind the guard, or its clean twin — or against a prepared harvest (the attacker's edited or
 * mixed answers, replayed by an in-process teacher so that curation and training are the same code).
 */
import Database from 'better-sqlite3';
import { rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { loadSavedLanguageModel } from '../../src/pipeline/lm-train-stage.js';
import type { ResolvedTeacher } from '../../src/pipeline/make-teacher.js';
import { runTask } from '../../src/pipeline/run-task.js';
import type { GenerativeStudent } from '../../src/student/lm/index.js';
import type { LoadedTask } from '../../src/task/load.js';
import { taskSpecSchema } from '../../src/task/schema.js';
import type { Teacher, TeacherCompletion } from '../../src/teacher/index.js';

const KEY_ENV = 'EVIDENCE_KGW_KEY';

/** The student the attacker trains (the task file's `student.lm`). */
export interface StudentSettings {
  vocabularySize: number;
  width: number;
  layers: number;
  hiddenWidth: number;
  steps: number;
  learningRate: number;
}

/** Where the attacker's teacher answers come from. */
export type AttackerTeacher = { url: string; model: string; apiKey: string } | { answers: ReadonlyMap<string, string> };

/** One distilled student and what its run did. */
export interface Distilled {
  student: GenerativeStudent;
  /** The student file (served by the real server for the trace). */
  file: string;
  /** (prompt, answer) pairs the teacher gave (every stored completion that stopped on its own). */
  harvest: Map<string, string>;
  trainExamples: number;
  validationLoss: number;
  trainSeconds: number;
  calls: number;
}

/** The generate task of one attacker project. */
function attackerTask(projectDir: string, url: string, model: string, student: StudentSettings, seed: number, maxTokens: number): LoadedTask {
  const spec = taskSpecSchema.parse({
    name: 'harvest', kind: 'generate', project: '.',
    teacher: { baseURL: url, model, apiKeyEnv: KEY_ENV, logprobs: false, temperature: 1, maxTokens, timeoutMs: 60_000 },
    prompt: { messages: [{ role: 'user', content: '{{text}}' }] },
    inputs: { path: 'inputs.jsonl' },
    budget: { maxUSD: 100, prices: { inputPer1M: 0, outputPer1M: 0 } },
    limits: { concurrency: 2 },
    split: { train: 0.9, val: 0.1, test: 0 },
    curate: { exports: ['openai-chat'] },
    student: {
      seed,
      lm: { size: 'tiny', width: student.width, layers: student.layers, heads: 2, keyValueHeads: 2, hiddenWidth: student.hiddenWidth, vocabularySize: student.vocabularySize, tokenizer: 'bpe', steps: student.steps, batchSize: 16, learningRate: student.learningRate, warmupSteps: 20, evaluateEvery: 50, patience: 4, storage: 'f32' },
    },
  });
  return { spec, file: path.join(projectDir, 'task.yaml'), baseDir: projectDir, projectDir };
}

/** A teacher that replays a prepared harvest (the answer to each prompt), for arms whose data the attacker edited. */
function replayTeacher(answers: ReadonlyMap<string, string>, maxTokens: number): ResolvedTeacher {
  const teacher: Teacher = {
    specificationVersion: 'v2', provider: 'replay', modelId: 'harvest', requestParameters: { temperature: 1 },
    complete: async (request): Promise<TeacherCompletion> => {
      const prompt = request.messages.find((message) => message.role === 'user')?.content ?? '';
      const text = answers.get(prompt) ?? '';
      return { text, finishReason: 'stop', rawFinishReason: 'stop', usage: { inputTokens: 10, outputTokens: 10, estimated: true }, warnings: [], responseId: 'replay', raw: {} };
    },
  };
  return { teacher, prices: { inputPer1M: 0, outputPer1M: 0 }, priceSource: 'replay', maxOutputTokens: maxTokens };
}

/** The (prompt, answer) pairs stored in a project, answers that stopped on their own only. */
export function storedHarvest(projectDir: string): Map<string, string> {
  const database = new Database(path.join(projectDir, 'distillery.sqlite'), { readonly: true });
  try {
    const rows = database.prepare('SELECT inputs.text AS prompt, responses.completion AS completion FROM responses JOIN inputs ON inputs.id = responses.input_id').all() as Array<{ prompt: string; completion: string | null }>;
    const harvest = new Map<string, string>();
    for (const row of rows) {
      const completion = row.completion === null ? undefined : (JSON.parse(row.completion) as { text?: string; finishReason?: string });
      if (completion?.finishReason === 'stop' && typeof completion.text === 'string') harvest.set(row.prompt, completion.text);
    }
    return harvest;
  } finally {
    database.close();
  }
}

/** Runs one attacker project from scratch: collect from `source` on `prompts`, curate, train; returns the student. */
export async function distil(folder: string, prompts: readonly string[], source: AttackerTeacher, student: StudentSettings, seed: number, maxTokens: number): Promise<Distilled> {
  rmSync(folder, { recursive: true, force: true });
  await mkdir(folder, { recursive: true });
  writeFileSync(path.join(folder, 'inputs.jsonl'), `${prompts.map((text) => JSON.stringify({ text })).join('\n')}\n`);
  const url = 'url' in source ? source.url : 'http://127.0.0.1:9/v1';
  const task = attackerTask(folder, url, 'url' in source ? source.model : 'harvest', student, seed, maxTokens);
  const result = await runTask({
    task, until: 'train', retrain: true,
    env: { ...process.env, [KEY_ENV]: 'url' in source ? source.apiKey : 'unused' },
    ...('answers' in source ? { teacher: replayTeacher(source.answers, maxTokens) } : {}),
  });
  const trained = result.languageModel;
  if (trained === null) throw new Error(`the attacker's run in ${folder} trained no student`);
  return {
    student: await loadSavedLanguageModel(result.paths.student), file: result.paths.student, harvest: storedHarvest(folder),
    trainExamples: trained.trainExamples, validationLoss: trained.summary?.validationLoss ?? Number.NaN, trainSeconds: trained.summary?.seconds ?? Number.NaN,
    calls: result.collection?.called ?? 0,
  };
}
