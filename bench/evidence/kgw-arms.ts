/**
 * One seed of the KGW evidence story: a key, the owner's model served with it behind the guard and
 * without it, the attacker's Distillery runs (the distilled student, the control, and the arms a
 * distiller would try: mixing in unwatermarked answers, synonym and random word substitution,
 * paraphrase by another model, each in runRobustnessArm), each student traced, and each student's quality.
 */
import path from 'node:path';
import { corpusChrf, exactMatch } from '../../src/eval/text-metrics.js';
import type { WatermarkKey } from '../../src/evidence/watermark-key.js';
import type { GenerativeStudent } from '../../src/student/lm/index.js';
import { createRandom } from '../../src/util/random.js';
import { mixAnswers, paraphraseInput, substituteRandomWords, substituteSynonyms, type TextWindow } from './kgw-corpus.js';
import { distil, storedHarvest, type Distilled, type StudentSettings } from './kgw-attacker.js';
import { deployOwner, OWNER_MODEL } from './kgw-owner.js';
import { randomKeyLog10Ps, scoreTexts, traceStudent, type SuspectTrace } from './kgw-trace.js';

/** The sizes of one run. */
export interface KgwPlan {
  gamma: number;
  delta: number;
  contextWidth: number;
  harvestPrompts: number;
  tracePrompts: number;
  qualityPrompts: number;
  maxScored: number;
  randomKeys: number;
  maxTokens: number;
  /** The temperature the trace asks the suspect to sample at (a request parameter of the owner's, as any API client sets it). */
  traceTemperature: number;
  student: StudentSettings;
  /** Whether the students are traced a second time with the prompts of the owner's logs (off in the quick run). */
  loggedTrace: boolean;
  /** Whether this seed trains the student with 10% of its answers watermarked. */
  tenth: boolean;
}

/** What a traced arm reached. */
export interface ArmResult {
  arm: string;
  /** Share of the training answers that came from the watermarked model unedited. */
  watermarkedShare: number;
  trace: Omit<SuspectTrace, 'answers' | 'result'> & { curve: Array<{ scored: number; log10P: number }>; verdict: string; adjustedLog10P: number };
  trainExamples: number;
  validationLoss: number;
  trainSeconds: number;
  /** Training data scored under the key (what the student saw). */
  data: { scored: number; greenShare: number; log10P: number };
  note?: string;
}

/** Everything one seed measured. */
export interface SeedResult {
  seed: number;
  arms: ArmResult[];
  /** The control's answers under random keys: log10 p per key. */
  controlRandomKeys: number[];
  /** The same for the control's answers to the owner's logged prompts (absent in runs before these were traced). */
  controlLoggedRandomKeys?: number[];
  quality: { distilled: Quality; control: Quality; teacherMarked: Quality; teacherClean: Quality };
  harvest: { marked: number; clean: number; calls: number };
}

/** A student's (or the teacher's) answers against the clean teacher's greedy answers and the true continuation. */
export interface Quality { chrfVsCleanTeacher: number; exactVsCleanTeacher: number; chrfVsText: number }

/** The suffix of an arm traced with the prompts of the owner's logs (the attacker's prompts) rather than fresh ones. */
export const LOGGED = ' (logged prompts)';

/** The seed's key: a secret drawn from the seed, so a run is reproducible. */
export function seedKey(seed: number, plan: Pick<KgwPlan, 'gamma' | 'delta' | 'contextWidth'>): WatermarkKey {
  const random = createRandom(0x5eed_0000 + seed);
  const secret = Uint8Array.from({ length: 32 }, () => random.nextInt(256));
  return { scheme: 'kgw', version: 1, secret, gamma: plan.gamma, delta: plan.delta, contextWidth: plan.contextWidth, seedingScheme: 'lefthash' };
}

/** Greedy answers of `generate` to the windows' prompts, scored against the clean teacher's and the text's. */
function quality(answer: (prompt: string) => string, windows: readonly TextWindow[], cleanTeacher: readonly string[]): Quality {
  const answers = windows.map((window) => answer(window.prompt));
  return {
    chrfVsCleanTeacher: corpusChrf(answers, cleanTeacher),
    exactVsCleanTeacher: answers.filter((text, index) => exactMatch(text, cleanTeacher[index] ?? '')).length / Math.max(1, answers.length),
    chrfVsText: corpusChrf(answers, windows.map((window) => window.answer)),
  };
}

/** Traces one student and condenses what it found. */
async function traced(seed: number, arm: string, distilled: Distilled, share: number, data: ReadonlyMap<string, string>, owner: GenerativeStudent, key: WatermarkKey, plan: KgwPlan, tracePrompts: readonly string[], note?: string): Promise<ArmResult & { answers: SuspectTrace['answers'] }> {
  const trace = await traceStudent(distilled.student, owner.tokenizer, key, tracePrompts, plan.maxScored, plan.maxTokens, plan.traceTemperature);
  const { result, answers, ...figures } = trace;
  process.stderr.write(`  seed ${seed} ${arm}: log10 p ${figures.log10P.toFixed(1)} over ${figures.scored} tuples (green ${(figures.greenShare * 100).toFixed(1)}%), student val loss ${distilled.validationLoss.toFixed(3)}\n`);
  return {
    arm, watermarkedShare: share, answers,
    trace: { ...figures, curve: result.curve.map((point) => ({ scored: point.scored, log10P: point.log10P })), verdict: result.verdict, adjustedLog10P: result.adjustedLog10P },
    trainExamples: distilled.trainExamples, validationLoss: distilled.validationLoss, trainSeconds: distilled.trainSeconds,
    data: scoreTexts([...data].map(([prompt, text]) => ({ prompt, text })), owner.tokenizer, key),
    ...(note === undefined ? {} : { note }),
  };
}

/** The answers of a harvest as a map, edited by `edit`. */
const edited = (harvest: ReadonlyMap<string, string>, edit: (text: string, index: number) => string) => new Map([...harvest].map(([prompt, text], index) => [prompt, edit(text, index)]));

/** The robustness arms: each an edit of the seed's watermarked harvest a distiller would try. */
export const ROBUSTNESS_ARMS = ['mixed-10%-unwatermarked', 'mixed-50%-unwatermarked', 'synonym-substitution', 'random-substitution-25%', 'paraphrased'] as const;

/** An arm a child job can run apart: a robustness arm, or `replayed` (the watermarked harvest unchanged, for a student of other settings: the profile of what training buys). */
export type SeparateArm = (typeof ROBUSTNESS_ARMS)[number] | 'replayed';

/** The training answers of one robustness arm, from the seed's watermarked and clean harvests. */
function robustnessAnswers(arm: SeparateArm, marked: ReadonlyMap<string, string>, clean: ReadonlyMap<string, string>, seed: number, synonyms: ReadonlyMap<string, readonly string[]>, paraphraser: GenerativeStudent | null, maxTokens: number): { answers: Map<string, string>; share: number; note?: string } {
  if (arm === 'replayed') return { answers: new Map(marked), share: 1, note: `the watermarked harvest unchanged, student trained STEPS steps` };
  if (arm.startsWith('mixed')) {
    const mixed = mixAnswers(marked, clean, arm === 'mixed-10%-unwatermarked' ? 0.9 : 0.5, seed);
    return { answers: new Map([...mixed].map(([prompt, entry]) => [prompt, entry.answer])), share: [...mixed.values()].filter((entry) => entry.fromFirst).length / Math.max(1, mixed.size) };
  }
  if (arm === 'synonym-substitution') {
    let swapped = 0;
    let words = 0;
    const answers = edited(marked, (text, index) => {
      const result = substituteSynonyms(text, synonyms, seed * 100_003 + index);
      swapped += result.swapped;
      words += result.words;
      return result.text;
    });
    return { answers, share: 1, note: `${swapped} of ${words} words swapped for a WordNet synonym (the lexical watermark's sets)` };
  }
  if (arm === 'random-substitution-25%') {
    const vocabulary = [...new Set([...clean.values()].flatMap((text) => text.split(' ')))];
    return { answers: edited(marked, (text, index) => substituteRandomWords(text, 0.25, vocabulary, seed * 100_019 + index)), share: 1, note: '25% of the words replaced by a random word of the clean harvest' };
  }
  if (paraphraser === null) throw new Error('the paraphrase arm needs the paraphraser model');
  const answers = edited(marked, (text, index) => paraphraser.generate(paraphraseInput(text), { maxTokens, temperature: 0.7, seed: seed * 1000 + index }).text);
  return { answers, share: 1, note: 'every answer rewritten by the paraphraser (another Distillery LM, trained on README sentences of npm packages) from its words with every third one dropped' };
}

/** One robustness arm of a seed whose main run is done (its harvests are read back from the attacker's stores). */
export async function runRobustnessArm(seed: number, arm: SeparateArm, owner: GenerativeStudent, paraphraser: GenerativeStudent | null, windows: { harvest: readonly TextWindow[]; trace: readonly TextWindow[] }, synonyms: ReadonlyMap<string, readonly string[]>, plan: KgwPlan, folder: string): Promise<ArmResult> {
  const key = seedKey(seed, plan);
  const marked = storedHarvest(path.join(folder, `seed-${seed}`, 'distilled'));
  const clean = storedHarvest(path.join(folder, `seed-${seed}`, 'control'));
  const { answers, share, note } = robustnessAnswers(arm, marked, clean, seed, synonyms, paraphraser, plan.maxTokens);
  const run = await distil(path.join(folder, `seed-${seed}`, arm === 'replayed' ? `replayed-${plan.student.steps}-steps` : arm), windows.harvest.map((window) => window.prompt), { answers }, plan.student, seed, plan.maxTokens);
  const { answers: _answers, ...result } = await traced(seed, arm === 'replayed' ? `replayed-${plan.student.steps}-steps` : arm, run, share, answers, owner, key, plan, windows.trace.map((window) => window.prompt), note?.replace('STEPS', String(plan.student.steps)));
  return result;
}

/** Runs one seed end to end (the robustness arms run apart, in runRobustnessArm). */
export async function runSeed(seed: number, owner: GenerativeStudent, paraphraser: GenerativeStudent | null, windows: { harvest: readonly TextWindow[]; trace: readonly TextWindow[]; quality: readonly TextWindow[] }, synonyms: ReadonlyMap<string, readonly string[]>, plan: KgwPlan, folder: string): Promise<SeedResult> {
  const key = seedKey(seed, plan);
  const deployment = await deployOwner(owner, key);
  const prompts = windows.harvest.map((window) => window.prompt);
  const tracePrompts = windows.trace.map((window) => window.prompt);
  try {
    const student = plan.student;
    const distilledRun = await distil(path.join(folder, `seed-${seed}`, 'distilled'), prompts, { url: deployment.guardedURL, model: OWNER_MODEL, apiKey: deployment.guardKey }, student, seed, plan.maxTokens);
    const controlRun = await distil(path.join(folder, `seed-${seed}`, 'control'), prompts, { url: deployment.cleanURL, model: OWNER_MODEL, apiKey: 'unused' }, student, seed, plan.maxTokens);
    const marked = distilledRun.harvest;
    const clean = controlRun.harvest;
    const arms: Array<ArmResult & { answers: SuspectTrace['answers'] }> = [];
    arms.push(await traced(seed, 'distilled', distilledRun, 1, marked, owner, key, plan, tracePrompts));
    arms.push(await traced(seed, 'control', controlRun, 0, clean, owner, key, plan, tracePrompts));
    const mix = (share: number) => {
      const mixed = mixAnswers(marked, clean, share, seed);
      return { answers: new Map([...mixed].map(([prompt, entry]) => [prompt, entry.answer])), share: [...mixed.values()].filter((entry) => entry.fromFirst).length / Math.max(1, mixed.size) };
    };
    let tenthRun: { run: Distilled; answers: Map<string, string>; share: number; logged: string[] } | null = null;
    if (plan.tenth) {
      const tenth = mix(0.1);
      const mixed = mixAnswers(marked, clean, 0.1, seed);
      const run = await distil(path.join(folder, `seed-${seed}`, 'watermarked-10%'), prompts, { answers: tenth.answers }, student, seed, plan.maxTokens);
      arms.push(await traced(seed, 'watermarked-10%', run, tenth.share, tenth.answers, owner, key, plan, tracePrompts));
      // The owner's logs hold only the prompts whose answers the attacker took from the owner.
      tenthRun = { run, ...tenth, logged: [...mixed].filter(([, entry]) => entry.fromFirst).map(([prompt]) => prompt) };
    }
    // The trace again, asking the prompts of the owner's logs (the prompts its server answered through the guard) instead of fresh ones.
    if (plan.loggedTrace) {
      arms.push(await traced(seed, `distilled${LOGGED}`, distilledRun, 1, marked, owner, key, plan, prompts));
      arms.push(await traced(seed, `control${LOGGED}`, controlRun, 0, clean, owner, key, plan, prompts));
      if (tenthRun !== null) arms.push(await traced(seed, `watermarked-10%${LOGGED}`, tenthRun.run, tenthRun.share, tenthRun.answers, owner, key, plan, tenthRun.logged));
    }
    const controlArm = arms.find((arm) => arm.arm === 'control')!;
    const controlRandomKeys = randomKeyLog10Ps(controlArm.answers, owner.tokenizer, key, plan.randomKeys);
    const controlLogged = arms.find((arm) => arm.arm === `control${LOGGED}`);
    const controlLoggedRandomKeys = controlLogged === undefined ? [] : randomKeyLog10Ps(controlLogged.answers, owner.tokenizer, key, plan.randomKeys);
    const cleanTeacher = windows.quality.map((window) => owner.generate(window.prompt, { temperature: 0, maxTokens: plan.maxTokens }).text);
    const studentAnswer = (model: GenerativeStudent) => (prompt: string) => model.generate(prompt, { temperature: 0, maxTokens: plan.maxTokens }).text;
    const { kgwProcessor } = await import('../../src/evidence/kgw.js');
    const processor = kgwProcessor(key);
    const markedTeacher = (prompt: string) => owner.generate(prompt, { temperature: 0, maxTokens: plan.maxTokens, logitsProcessor: (logits, state) => processor(logits, state.generated) }).text;
    return {
      seed, controlRandomKeys, controlLoggedRandomKeys,
      arms: arms.map(({ answers: _answers, ...arm }) => arm),
      quality: {
        distilled: quality(studentAnswer(distilledRun.student), windows.quality, cleanTeacher),
        control: quality(studentAnswer(controlRun.student), windows.quality, cleanTeacher),
        teacherMarked: quality(markedTeacher, windows.quality, cleanTeacher),
        teacherClean: quality(studentAnswer(owner), windows.quality, cleanTeacher),
      },
      harvest: { marked: marked.size, clean: clean.size, calls: distilledRun.calls + controlRun.calls },
    };
  } finally {
    await deployment.close();
  }
}
