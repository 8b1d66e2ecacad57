/** The benchmark entries of the KGW evidence story, from the seeds' results (measuring is in kgw-arms.ts). */
import { lineChart } from '../../src/eval/charts.js';
import type { BenchOptions } from '../options.js';
import { format, spread, writeChart, type BenchmarkEntry, type Metric } from '../report.js';
import { LOGGED, ROBUSTNESS_ARMS, type ArmResult, type KgwPlan, type SeedResult } from './kgw-arms.js';
import type { OwnerSettings } from './kgw-owner.js';

/** What the entries say about the setup. */
export interface KgwContext {
  plan: KgwPlan;
  owner: { settings: OwnerSettings; parameters: number; validationLoss: number; trainWindows: number };
  paraphraser: { settings: OwnerSettings; sentences: number; validationLoss: number } | null;
  answerWords: number;
  load: { before: number[]; after: number[] };
}

const metric = (name: string, unit: string, better: 'higher' | 'lower', ours: readonly number[], peer: readonly number[] | null): Metric => ({ name, unit, better, ours: spread(ours), peer: peer === null ? null : spread(peer) });
const armOf = (result: SeedResult, arm: string): ArmResult | undefined => result.arms.find((entry) => entry.arm === arm);
const loadLine = (context: KgwContext) => `Load average (1 min) ${context.load.before[0]!.toFixed(1)} before and ${context.load.after[0]!.toFixed(1)} after, on 2 cores shared with other sessions; no figure here is a timing.`;

/** The shared data and settings lines. */
function setup(context: KgwContext, results: readonly SeedResult[]): { dataset: string; settings: string } {
  const { owner, plan } = context;
  const harvest = results.map((result) => result.harvest.marked);
  return {
    dataset: `owner: a Distillery language model (${(owner.parameters / 1e6).toFixed(2)}M parameters, width ${owner.settings.width}, ${owner.settings.layers} layers, BPE ${owner.settings.vocabularySize}, ${owner.settings.steps} steps; validation loss ${format(owner.validationLoss)} nats/token) trained on ${owner.trainWindows} windows of Debian's /usr/share/common-licenses ("continue: 6 words" → the next ${context.answerWords}); per seed the attacker sends ${plan.harvestPrompts} prompts (the unseen licence windows the trace and quality prompts leave, then "continue: " and the first 6 words of README sentences of installed npm packages; ${spread(harvest).min}–${spread(harvest).max} answers kept after the pipeline's truncation filter), the trace ${plan.tracePrompts} other unseen licence prompts (repeated in rounds) or, in the "logged prompts" rows, the prompts of the owner's logs (those the attacker sent through the guard)`,
    settings: `KGW γ ${plan.gamma}, δ ${plan.delta}, h = ${plan.contextWidth}, a key per seed; owner served by startLanguageModelServer (serve --watermark) at temperature 1 behind the guard gateway (startGateway, detectors off); attacker: a generate task through runTask (collect → curate → train), student width ${plan.student.width}, ${plan.student.layers} layers, hidden ${plan.student.hiddenWidth}, BPE ${plan.student.vocabularySize}, ${plan.student.steps} steps, lr ${plan.student.learningRate}; trace: runTrace over HTTP against the student served by startLanguageModelServer (no key), the suspect asked to sample at temperature ${plan.traceTemperature}, answers tokenised with the owner's tokenizer, run-wide tuple de-duplication, prompt tuples skipped, stop at ${plan.maxScored} tuples or looks × p < 1e-12`,
  };
}

/** At most about `points` evenly spaced points of a curve, the last always kept (the JSON keeps the shape, not every answer). */
function thin<T>(curve: readonly T[], points: number): T[] {
  if (curve.length <= points) return [...curve];
  const step = curve.length / points;
  return [...Array.from({ length: points }, (_, index) => curve[Math.floor(index * step)]!), curve[curve.length - 1]!];
}

/** Writes the p-value curves chart (exported so a chart can be redrawn from saved seed results): every seed's distilled, 10%-watermarked and control student. */
export function radioactivityChart(results: readonly SeedResult[]): string {
  const series = results.flatMap((result) => ['distilled', 'watermarked-10%', 'control'].flatMap((arm) => {
    const found = armOf(result, arm);
    return found === undefined ? [] : [{ name: `${arm} s${result.seed}`, points: thin(found.trace.curve.filter((point) => point.scored > 0), 60).map((point) => ({ x: point.scored, y: point.log10P })) }];
  }));
  const lowest = Math.min(-7, ...series.flatMap((entry) => entry.points.map((point) => point.y)));
  const svg = lineChart(series, 'KGW radioactivity: log10 p against tuples scored', {
    xLabel: 'distinct tuples scored', yLabel: 'log10 p-value', logX: true, yRange: [Math.floor(lowest) - 1, 0],
    yMarks: [{ at: -6, label: 'p = 1e-6' }, { at: -3, label: 'p = 1e-3' }],
  });
  return writeChart('evidence-kgw-radioactivity.svg', svg, 'log10 p of distilled, 10%-watermarked and control students against tuples scored');
}

/** Why the distilled student carries less of the mark than its data: the figures that say it. */
function profileNote(results: readonly SeedResult[]): string {
  const distilled = results.flatMap((result) => result.arms.filter((arm) => arm.arm === 'distilled'));
  const median = (values: number[]) => format(spread(values).median);
  return `Profile: the distilled students trained on ${median(distilled.map((arm) => arm.trainExamples))} watermarked answers (median; the pipeline's truncation filter and validation split take the rest of the harvest), whose distinct tuples were ${median(distilled.map((arm) => arm.data.greenShare * 100))}% green; the students write ${median(distilled.map((arm) => arm.trace.greenShare * 100))}% green at a validation loss of ${median(distilled.map((arm) => arm.validationLoss))} nats/token: a student passes the owner's keyed bigram preferences on only where it has learnt the owner's bigrams.`;
}

/** The radioactivity entry. */
function radioactivityEntry(options: BenchOptions, results: readonly SeedResult[], context: KgwContext): BenchmarkEntry {
  const { dataset, settings } = setup(context, results);
  const log10 = (arm: string) => results.flatMap((result) => { const found = armOf(result, arm); return found === undefined ? [] : [found.trace.log10P]; });
  const controlKeys = results.map((result) => Math.min(...result.controlRandomKeys));
  const allKeys = results.flatMap((result) => result.controlRandomKeys);
  const reachedBy = (arm: string) => results.map((result) => armOf(result, arm)?.trace.scoredAt1e6 ?? null);
  const detectedBy = (arm: string) => reachedBy(arm).filter((value) => value !== null && value <= context.plan.maxScored).length;
  const ranBy = (arm: string) => results.filter((result) => armOf(result, arm) !== undefined).length;
  const controlOwn = log10('control');
  const loggedKeys = results.flatMap((result) => result.controlLoggedRandomKeys ?? []);
  const cell = (result: SeedResult, arm: string) => {
    const found = armOf(result, arm);
    return found === undefined ? 'n/a' : `${format(found.trace.log10P)} (${found.trace.scored}, ${format(found.trace.greenShare * 100)}% green)`;
  };
  const reachedCell = (result: SeedResult, arm: string) => (armOf(result, arm) === undefined ? 'n/a' : armOf(result, arm)?.trace.scoredAt1e6 ?? 'not reached');
  const smallest = (values: readonly number[] | undefined) => (values === undefined || values.length === 0 ? 'n/a' : format(Math.min(...values)));
  const rows = results.map((result) => `| ${result.seed} | ${cell(result, 'distilled')} | ${reachedCell(result, 'distilled')} | ${cell(result, 'watermarked-10%')} | ${reachedCell(result, 'watermarked-10%')} | ${cell(result, 'control')} | ${smallest(result.controlRandomKeys)} |`);
  const loggedRows = results.map((result) => `| ${result.seed} | ${cell(result, `distilled${LOGGED}`)} | ${reachedCell(result, `distilled${LOGGED}`)} | ${cell(result, `watermarked-10%${LOGGED}`)} | ${reachedCell(result, `watermarked-10%${LOGGED}`)} | ${cell(result, `control${LOGGED}`)} | ${smallest(result.controlLoggedRandomKeys)} |`);
  const header = '| seed | distilled: log10 p (tuples, green) | tuples to looks × p < 1e-6 | 10% watermarked: log10 p | tuples to looks × p < 1e-6 | control: log10 p | control, smallest log10 p over random keys |\n|---|---|---|---|---|---|---|';
  const sweep = (keys: readonly number[]) => `${keys.length} in all: ${keys.filter((value) => value <= -3).length} p-values ≤ 1e-3, against ${format(keys.length * 1e-3)} expected of a calibrated test, smallest log10 p ${smallest(keys)}`;
  return {
    id: 'evidence-kgw-radioactivity', title: 'KGW radioactivity: a student distilled through the guard is traced, its control is not', command: options.command, dataset, settings,
    peerName: 'control student (unwatermarked answers)', oursName: 'distilled student (watermarked answers)', repeats: results.length,
    body: [
      radioactivityChart(results), '',
      `Fresh prompts (${context.plan.tracePrompts} unseen licence windows, none of them sent by the attacker):`, '', header, ...rows, '',
      'Logged prompts (the trace asks the prompts the owner\'s server answered through the guard; for the 10% student, only the prompts of the answers the attacker took from the owner):', '', header, ...loggedRows,
    ].join('\n'),
    metrics: [
      metric(`log10 p at the end of the trace (≤ ${context.plan.maxScored} tuples)`, 'log10', 'lower', log10('distilled'), controlOwn),
      metric('log10 p, student with 10% of its answers watermarked', 'log10', 'lower', log10('watermarked-10%'), controlOwn),
      metric('green share of scored tuples', '%', 'higher', results.map((result) => (armOf(result, 'distilled')?.trace.greenShare ?? Number.NaN) * 100), results.map((result) => (armOf(result, 'control')?.trace.greenShare ?? Number.NaN) * 100)),
      metric(`control: smallest log10 p over ${context.plan.randomKeys} random keys`, 'log10', 'higher', controlKeys, null),
      ...(ranBy(`distilled${LOGGED}`) === 0 ? [] : [
        metric('logged prompts: log10 p at the end of the trace', 'log10', 'lower', log10(`distilled${LOGGED}`), log10(`control${LOGGED}`)),
        metric('logged prompts: log10 p, student with 10% of its answers watermarked', 'log10', 'lower', log10(`watermarked-10%${LOGGED}`), log10(`control${LOGGED}`)),
      ]),
    ],
    notes: [
      `Goal "distilled p < 1e-6 within 5,000 scored tokens" (looks × p, the optional-stopping correction trace uses), fresh prompts: met on ${detectedBy('distilled')} of ${ranBy('distilled')} seeds; with 10% of the training answers watermarked: ${detectedBy('watermarked-10%')} of ${ranBy('watermarked-10%')}.`,
      ...(ranBy(`distilled${LOGGED}`) === 0 ? [] : [`Logged prompts: met on ${detectedBy(`distilled${LOGGED}`)} of ${ranBy(`distilled${LOGGED}`)} seeds; with 10% watermarked: ${detectedBy(`watermarked-10%${LOGGED}`)} of ${ranBy(`watermarked-10%${LOGGED}`)}; control under its own key: smallest log10 p ${smallest(log10(`control${LOGGED}`))}.`]),
      `Control under its own key: smallest log10 p ${format(Math.min(...controlOwn))}. The control's answers under ${context.plan.randomKeys} random keys per seed, fresh prompts: ${sweep(allKeys)}${loggedKeys.length === 0 ? '' : `; logged prompts: ${sweep(loggedKeys)}`} (so "never below 1e-3 across ≥ 100 keys" holds only as often as chance allows: about 90% of 100-key sweeps).`,
      profileNote(results),
      loadLine(context),
    ],
    extra: { results: results.map((result) => ({ seed: result.seed, controlRandomKeys: result.controlRandomKeys, controlLoggedRandomKeys: result.controlLoggedRandomKeys ?? [], arms: result.arms.filter((arm) => ['distilled', 'control', 'watermarked-10%'].some((name) => arm.arm === name || arm.arm === `${name}${LOGGED}`)).map((arm) => ({ ...arm, trace: { ...arm.trace, curve: thin(arm.trace.curve, 40) } })) })), owner: context.owner, plan: context.plan },
  };
}

/** The robustness entry: each arm's detection, medians over the seeds that ran it. */
function robustnessEntry(options: BenchOptions, results: readonly SeedResult[], context: KgwContext): BenchmarkEntry {
  const { dataset, settings } = setup(context, results);
  const names = [...new Set(results.flatMap((result) => result.arms.map((arm) => arm.arm)))];
  const rows = names.map((name) => {
    const arms = results.flatMap((result) => result.arms.filter((arm) => arm.arm === name));
    const median = (values: number[]) => format(spread(values).median);
    const detected = arms.filter((arm) => arm.trace.scoredAt1e6 !== null).length;
    return `| ${name} | ${arms.length} | ${format(spread(arms.map((arm) => arm.watermarkedShare * 100)).median)}% | ${median(arms.map((arm) => arm.data.greenShare * 100))}% | ${median(arms.map((arm) => arm.trace.greenShare * 100))}% | ${median(arms.map((arm) => arm.trace.log10P))} (${arms.map((arm) => format(arm.trace.log10P)).join(', ')}) | ${detected} of ${arms.length} |`;
  });
  const notes = [...new Set(results.flatMap((result) => result.arms.flatMap((arm) => (arm.note === undefined ? [] : [`${arm.arm} (seed ${result.seed}): ${arm.note}.`]))))];
  const byArm = (name: string) => results.flatMap((result) => result.arms.filter((arm) => arm.arm === name).map((arm) => arm.trace.log10P));
  return {
    id: 'watermark-robustness-kgw', title: 'KGW robustness: detection after what a distiller would try', command: options.command, dataset,
    settings: `${settings}; robustness arms on seed(s) ${results.filter((result) => result.arms.some((arm) => arm.arm.startsWith('mixed'))).map((result) => result.seed).join(', ') || 'none (this run)'}; each arm: the attacker's edited harvest replayed through the same runTask pipeline (same prompts, same student settings)${context.paraphraser === null ? '' : `; paraphraser: a Distillery LM (width ${context.paraphraser.settings.width}, ${context.paraphraser.settings.layers} layers, BPE ${context.paraphraser.settings.vocabularySize}, ${context.paraphraser.settings.steps} steps, validation loss ${format(context.paraphraser.validationLoss)}) trained on ${context.paraphraser.sentences} README sentences of installed npm packages to write a sentence back from its words with every third dropped, sampling at 0.7`}`,
    peerName: 'n/a', repeats: results.length,
    body: ['| arm | seeds | answers watermarked | data green share | student green share | student log10 p, median (per seed) | looks × p < 1e-6 |', '|---|---|---|---|---|---|---|', ...rows].join('\n'),
    metrics: names.filter((name) => name !== 'control').map((name) => metric(`log10 p: ${name}`, 'log10', 'lower', byArm(name), byArm('control'))),
    notes: [
      ...notes,
      '"data green share" is the green share of the training answers themselves (distinct tuples, prompt tuples skipped): what the attacker\'s edits left of the mark before any training; "student green share" is what the trained student writes.',
      loadLine(context),
    ],
    extra: { arms: results.map((result) => ({ seed: result.seed, arms: result.arms.map(({ trace: { curve: _curve, ...trace }, ...arm }) => ({ ...arm, trace })) })) },
  };
}

/** The quality-cost entry: students (and the teacher) with and without the watermark. */
function qualityEntry(options: BenchOptions, results: readonly SeedResult[], context: KgwContext): BenchmarkEntry {
  const { dataset, settings } = setup(context, results);
  const pick = (side: 'distilled' | 'control' | 'teacherMarked' | 'teacherClean', field: 'chrfVsCleanTeacher' | 'exactVsCleanTeacher' | 'chrfVsText') => results.map((result) => result.quality[side][field] * (field === 'exactVsCleanTeacher' ? 100 : 1));
  const validation = (arm: string) => results.map((result) => armOf(result, arm)?.validationLoss ?? Number.NaN);
  return {
    id: 'watermark-quality-cost-kgw', title: 'KGW quality cost: students distilled from watermarked against unwatermarked answers', command: options.command, dataset,
    settings: `${settings}; quality on ${context.plan.qualityPrompts} further unseen prompts, greedy answers of each student against the clean owner's greedy answers (chrF, exact match) and against the licence text's own continuation (chrF)`,
    peerName: 'student of unwatermarked answers', oursName: 'student of watermarked answers', repeats: results.length,
    metrics: [
      metric('chrF against the clean owner\'s greedy answer', 'chrF', 'higher', pick('distilled', 'chrfVsCleanTeacher'), pick('control', 'chrfVsCleanTeacher')),
      metric('exact match with the clean owner\'s greedy answer', '%', 'higher', pick('distilled', 'exactVsCleanTeacher'), pick('control', 'exactVsCleanTeacher')),
      metric('chrF against the licence text', 'chrF', 'higher', pick('distilled', 'chrfVsText'), pick('control', 'chrfVsText')),
      metric('student validation loss (on its own harvest\'s validation split)', 'nats/token', 'lower', validation('distilled'), validation('control')),
      metric('the owner itself, watermarked vs clean: chrF against the licence text', 'chrF', 'higher', pick('teacherMarked', 'chrfVsText'), pick('teacherClean', 'chrfVsText')),
      metric('the owner itself, watermarked greedy answer vs its clean greedy answer', 'chrF', 'higher', pick('teacherMarked', 'chrfVsCleanTeacher'), null),
    ],
    notes: [
      'The validation losses are each on the student\'s own harvest (watermarked answers are harder to predict by design: δ moves probability to tokens the model ranked lower), so they are not a like-for-like quality comparison; the chrF rows are, being scored against the same references.',
      loadLine(context),
    ],
    extra: { quality: results.map((result) => ({ seed: result.seed, ...result.quality })) },
  };
}

/** The three entries and the section intro. */
export function kgwEntries(options: BenchOptions, results: readonly SeedResult[], context: KgwContext): { entries: BenchmarkEntry[]; intro: string } {
  return {
    // A run without robustness arms leaves the published robustness entry as it is.
    entries: [radioactivityEntry(options, results, context), ...(results.some((result) => result.arms.some((arm) => ROBUSTNESS_ARMS.some((name) => name === arm.arm))) ? [robustnessEntry(options, results, context)] : []), qualityEntry(options, results, context)],
    intro: 'The story end to end, KGW variant: the owner\'s model (a Distillery language model trained on public text) is served with a KGW watermark behind the guard; an attacker distils it with Distillery itself; `distillery trace` (runTrace) asks the attacker\'s student the owner\'s prompts and turns its answers into a p-value; a control student is trained on the same prompts with the same model\'s unwatermarked answers.',
  };
}
