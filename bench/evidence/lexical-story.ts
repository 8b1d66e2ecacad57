/**
 * One run of the lexical evidence story: the past-tense teacher (compromise) behind two real guard
 * gateways, one applying the owner's lexical watermark and one plain; the attacker distils through
 * them with Distillery itself (`runTask`, a generate task into the language-model student) in
 * several arms (all answers watermarked, none, a share, or rewritten before training); each student
 * then answers held-out prompts and prompts of the owner's log (what the attacker's key asked the
 * guard: the owner knows them), and those answers are what detection scores.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { lexicalResponseRewriter } from '../../src/evidence/lexical/lexical-relay.js';
import type { LexicalContextMode } from '../../src/evidence/lexical/lexical-context.js';
import type { LexicalKey } from '../../src/evidence/lexical/lexical-key.js';
import { defaultSynonymTable } from '../../src/evidence/lexical/synonyms.js';
import { buildSentenceCorpus } from '../../src/demo/sentence-corpus.js';
import { createKey, openSqliteGuardStore, startGateway, type Gateway, type PolicyConfig } from '../../src/guard/index.js';
import { makeTeacher } from '../../src/pipeline/make-teacher.js';
import { runTask } from '../../src/pipeline/run-task.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import type { GenerativeStudent } from '../../src/student/lm/index.js';
import type { LoadedTask } from '../../src/task/load.js';
import { taskSpecSchema } from '../../src/task/schema.js';
import { attackerTeacher, type AnswerTreatment } from './lexical-attacker.js';
import { PAST_TENSE_MODEL, startPastTenseTeacher, type PastTenseTeacher } from './lexical-teacher.js';

const KEY_ENV = 'EVIDENCE_LEXICAL_KEY';
/** Detector thresholds off, so the guard never throttles the harvest (only the mark is measured here). */
const POLICY: PolicyConfig = { default: { flagAt: null, throttleAt: null, blockAt: null } };

/** One arm of the story: where the attacker's answers come from and what it does to them. */
export interface ArmPlan { name: string; markedShare: number; treatment: AnswerTreatment }

/** The sizes of a run. */
export interface StoryScale {
  trainPrompts: number; testPrompts: number; steps: number; batchSize: number; learningRate: number; vocabularySize: number;
  width: number; layers: number; heads: number; hiddenWidth: number;
  /** Longest prompt in characters. */
  maxChars: number;
  /** Most tokens per student answer, and its sampling temperature (0: greedy). */
  answerTokens: number; temperature: number;
  /** Passes over the held-out prompts (a sampling student answers a repeated prompt differently). */
  rounds: number;
  /** What the owner's keyed choice depends on (lexical-context.ts). */
  context: LexicalContextMode;
  /** Prompts of the owner's log (the ones the attacker's key sent through the guard) the trace also asks, once each (0: none). */
  logPrompts: number;
}

/** What one arm produced for one seed. */
export interface ArmOutcome {
  arm: ArmPlan; seed: number;
  /** The training answers as the attacker kept them. */
  harvested: string[];
  /** The student's answers to the held-out prompts. */
  answers: string[];
  /** Its answers to prompts of the owner's log (the first `logPrompts` training prompts), one pass. */
  logAnswers: string[];
  trainSeconds: number; stepsRun: number; validationLoss: number; teacherCalls: number;
}

/** Sentences of 30–110 characters with at least one synonym-set word written in lower case (somewhere the mark can go). */
export async function promptSample(count: number, seed: number, maxChars: number, exclude: ReadonlySet<string> = new Set()): Promise<string[]> {
  const table = defaultSynonymTable();
  const sentences = await buildSentenceCorpus({ limit: count * 15 + exclude.size, seed, minChars: 25, maxChars });
  const markable = (text: string) => (text.match(/[a-z]+/gu) ?? []).some((word) => table.setOf(word) !== undefined);
  return sentences.map((item) => item.text).filter((text) => !exclude.has(text) && markable(text)).slice(0, count);
}

/** The attacker's generate task, pointed at a gateway. */
function storyTask(projectDir: string, baseURL: string, seed: number, scale: StoryScale): LoadedTask {
  const spec = taskSpecSchema.parse({
    name: 'evidence-lexical', kind: 'generate', project: '.',
    teacher: { baseURL, model: PAST_TENSE_MODEL, timeoutMs: 30_000, apiKeyEnv: KEY_ENV },
    prompt: { messages: [{ role: 'system', content: 'Rewrite the sentence in the past tense.' }, { role: 'user', content: '{{text}}' }] },
    inputs: { path: 'inputs.jsonl' },
    budget: { maxUSD: 1 }, limits: { concurrency: 4 },
    split: { train: 0.9, val: 0.1, test: 0 },
    student: {
      kind: 'lm', seed,
      lm: {
        size: 'tiny', width: scale.width, layers: scale.layers, heads: scale.heads, keyValueHeads: scale.heads, hiddenWidth: scale.hiddenWidth, tokenizer: 'bpe', vocabularySize: scale.vocabularySize,
        steps: scale.steps, batchSize: scale.batchSize, learningRate: scale.learningRate, evaluateEvery: Math.max(1, Math.floor(scale.steps / 4)), patience: 2, storage: 'f32',
      },
    },
  });
  return { spec, file: path.join(projectDir, 'task.yaml'), baseDir: projectDir, projectDir };
}

/** The teacher behind both gateways and the gateways themselves, for one owner key. */
export interface StoryServers { teacher: PastTenseTeacher; marked: Gateway; clean: Gateway; secrets: { marked: string; clean: string }; close(): Promise<void> }

/** Starts the gateway pair for a key (the teacher is shared across keys). */
export async function startServers(teacher: PastTenseTeacher, key: LexicalKey, folder: string): Promise<StoryServers> {
  const stores = { marked: openSqliteGuardStore(path.join(folder, 'guard-marked.db')), clean: openSqliteGuardStore(path.join(folder, 'guard-clean.db')) };
  const marked = await startGateway({ upstreamUrl: teacher.url, store: stores.marked, policy: POLICY, watermark: lexicalResponseRewriter(key), onError: () => undefined });
  const clean = await startGateway({ upstreamUrl: teacher.url, store: stores.clean, policy: POLICY, onError: () => undefined });
  const secrets = { marked: (await createKey(stores.marked, { name: 'attacker' })).secret, clean: (await createKey(stores.clean, { name: 'attacker' })).secret };
  return {
    teacher, marked, clean, secrets,
    close: async () => {
      await marked.close();
      await clean.close();
      await stores.marked.close();
      await stores.clean.close();
    },
  };
}

/** The student's answers to the held-out prompts (sampled with a per-prompt seed unless the temperature is 0). */
function answersOf(student: GenerativeStudent, prompts: readonly string[], scale: StoryScale, seed: number, rounds = scale.rounds): string[] {
  const answers: string[] = [];
  for (let round = 0; round < rounds; round++) {
    prompts.forEach((prompt, index) => answers.push(student.generate(prompt, { maxTokens: scale.answerTokens, temperature: scale.temperature, seed: seed * 1_000_003 + round * 10_007 + index }).text.trim()));
  }
  return answers;
}

/** Distils one arm through the gateways with `runTask` (collect → curate → train), then lets its student answer `test`; `reuse` keeps an earlier run's project (its answers and, when nothing changed, its student). */
export async function distilArm(arm: ArmPlan, seed: number, servers: StoryServers, train: readonly string[], test: readonly string[], scale: StoryScale, folder: string, reuse = false): Promise<ArmOutcome> {
  const projectDir = path.join(folder, arm.name);
  if (!reuse) await rm(projectDir, { recursive: true, force: true });
  await mkdir(projectDir, { recursive: true });
  await writeFile(path.join(projectDir, 'inputs.jsonl'), `${train.map((text) => JSON.stringify({ text })).join('\n')}\n`);
  const task = storyTask(projectDir, servers.marked.url, seed, scale);
  const marked = makeTeacher(task.spec, { ...process.env, [KEY_ENV]: servers.secrets.marked });
  const clean = makeTeacher(storyTask(projectDir, servers.clean.url, seed, scale).spec, { ...process.env, [KEY_ENV]: servers.secrets.clean });
  const teacher = attackerTeacher({ marked: marked.teacher, clean: clean.teacher, markedShare: arm.markedShare, treatment: arm.treatment, seed });
  const calls = servers.teacher.calls();
  const result = await runTask({ task, until: 'train', retrain: !reuse, teacher: { ...marked, teacher }, env: { ...process.env, [KEY_ENV]: servers.secrets.marked } });
  const training = result.languageModel;
  if (training === null) throw new Error(`arm ${arm.name}: no student was trained`);
  const started = performance.now();
  // A reused student answers as it did before: its answers (and its training figures) are kept beside it, keyed by what decides them.
  const cacheFile = path.join(projectDir, 'answers.json');
  const signature = JSON.stringify({ test, log: train.slice(0, scale.logPrompts), answerTokens: scale.answerTokens, temperature: scale.temperature, rounds: scale.rounds, seed });
  const cached = training.reused ? await readCache(cacheFile, signature) : null;
  const answered: CachedAnswers = cached ?? {
    signature, answers: answersOf(training.student, test, scale, seed), logAnswers: answersOf(training.student, train.slice(0, scale.logPrompts), scale, seed + 7_919, 1),
    trainSeconds: training.summary?.seconds ?? Number.NaN, stepsRun: training.summary?.stepsRun ?? 0, validationLoss: training.summary?.validationLoss ?? Number.NaN,
  };
  if (cached === null) await writeFile(cacheFile, JSON.stringify(answered));
  const { answers, logAnswers } = answered;
  process.stderr.write(`  seed ${seed} ${arm.name}: ${training.reused ? 'reused its student' : `trained ${training.summary?.stepsRun ?? 0} steps in ${(training.summary?.seconds ?? 0).toFixed(0)} s`}, ${cached === null ? 'answered' : 'kept its answers to'} ${test.length} × ${scale.rounds} held-out and ${logAnswers.length} owner-log prompts in ${((performance.now() - started) / 1000).toFixed(0)} s (load ${os.loadavg()[0]?.toFixed(1)})\n`);
  return {
    arm, seed, harvested: await harvestedAnswers(result.paths.database), answers, logAnswers,
    trainSeconds: answered.trainSeconds, stepsRun: answered.stepsRun, validationLoss: answered.validationLoss,
    teacherCalls: servers.teacher.calls() - calls,
  };
}

/** A student's answers as kept beside its project. */
interface CachedAnswers { signature: string; answers: string[]; logAnswers: string[]; trainSeconds: number; stepsRun: number; validationLoss: number }

/** The kept answers when they were given to the same prompts with the same settings, else null. */
async function readCache(file: string, signature: string): Promise<CachedAnswers | null> {
  try {
    const cached = JSON.parse(await readFile(file, 'utf8')) as CachedAnswers;
    return cached.signature === signature ? cached : null;
  } catch {
    return null;
  }
}

/** The answers the attacker's store holds: what it trained on. */
async function harvestedAnswers(database: string): Promise<string[]> {
  const store = openSqliteStore(database);
  try {
    return (await store.listResponses()).map((response) => response.text);
  } finally {
    await store.close();
  }
}
