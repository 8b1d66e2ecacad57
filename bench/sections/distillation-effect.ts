/**
 * The distillation effect on the demo task: at equal student size and equal numbers of teacher calls,
 * students trained on the teacher's soft labels (top-20 logprobs), on its hard labels, and on gold
 * labels (file extensions). Learning curves of agreement with the teacher against the number of calls
 * and their cost at an API price; the calls needed for 95 % / 98 % agreement.
 * Knob: --limit=N corpus snippets (default 20000, about 9,900 snippets after the per-language caps; 1500 in quick mode).
 * Also the `distillation-effect` entry (bench/active-selection-entry.ts): active vs random selection at
 * equal calls. --part=active runs that entry alone (keeping the others), --part=labels the others alone.
 */
import { createStudent, type TrainingExample } from '../../src/student/index.js';
import { lineChart } from '../../src/eval/charts.js';
import { unitInterval } from '../../src/util/hash.js';
import { apiCallCostUSD, DEMO_LABELS, DEMO_STUDENT, PRICED_MODEL, pricedModel } from '../demo-task.js';
import { languageTeacherLabels, type TeacherLabelled } from '../language-teacher-labels.js';
import type { BenchOptions } from '../options.js';
import { format, machineFacts, spread, writeChart, writeSection, type BenchmarkEntry, type Metric, type Spread } from '../report.js';
import { benchStudentSettings } from '../student-settings.js';
import { activeSelectionEntry } from '../active-selection-entry.js';

/** What the student learns from. */
type LabelSource = 'soft' | 'hard' | 'gold';
const SOURCES: readonly LabelSource[] = ['soft', 'hard', 'gold'];
const SOURCE_NAMES: Record<LabelSource, string> = { soft: 'teacher soft labels (logprobs)', hard: 'teacher hard labels', gold: 'gold labels (no teacher)' };
/** A teacher answer at least this confident is "clear"; agreement on those is reported apart. */
const CONFIDENT = 0.8;
const TARGETS = [95, 98] as const;
const SECTION_TITLE = 'The distillation effect: soft vs hard vs gold labels, active vs random selection, and what agreement costs';

/** One trained point of a curve. */
interface Point { calls: number; costUSD: number; agreement: number; confidentAgreement: number; accuracy: number; trainSeconds: number }

const isTest = (item: TeacherLabelled) => unitInterval(`effect-test:${item.id}`) < 0.2;

/** The example a student sees for `item` under `source`. */
function example(item: TeacherLabelled, source: LabelSource): TrainingExample {
  if (source === 'gold') return { text: item.text, label: item.gold, soft: null };
  return { text: item.text, label: item.teacher, soft: source === 'soft' ? Float32Array.from(item.soft) : null };
}

/** Trains on the first `calls` items of `ordered` (90 % train, 10 % early-stopping validation, both paid calls) and scores on `test`. */
function trainPoint(ordered: readonly TeacherLabelled[], calls: number, source: LabelSource, test: readonly TeacherLabelled[], seed: number, costs: Map<string, number>): Point {
  const paid = ordered.slice(0, calls);
  const validation = paid.filter((item) => unitInterval(`effect-val:${item.id}`) < 0.1);
  const train = paid.filter((item) => unitInterval(`effect-val:${item.id}`) >= 0.1);
  const student = createStudent('ngram', DEMO_LABELS, benchStudentSettings({ ...DEMO_STUDENT, seed }));
  const started = performance.now();
  student.fit(train.map((item) => example(item, source)), validation.map((item) => example(item, source)));
  const trainSeconds = (performance.now() - started) / 1000;
  let agree = 0;
  let correct = 0;
  let confident = 0;
  let confidentAgree = 0;
  for (const item of test) {
    const predicted = student.predict(item.text).index;
    if (predicted === item.teacher) agree += 1;
    if (predicted === item.gold) correct += 1;
    if ((item.soft[item.teacher] ?? 0) >= CONFIDENT) {
      confident += 1;
      if (predicted === item.teacher) confidentAgree += 1;
    }
  }
  const costUSD = source === 'gold' ? 0 : paid.reduce((sum, item) => sum + (costs.get(item.id) ?? 0), 0);
  return { calls, costUSD, agreement: (100 * agree) / test.length, confidentAgreement: (100 * confidentAgree) / Math.max(1, confident), accuracy: (100 * correct) / test.length, trainSeconds };
}

/** Numbers of calls on the curve: 100, 200, 500, 1000, … up to all. */
function callCounts(total: number, quick: boolean): number[] {
  const steps = quick ? [100, 300] : [100, 200, 500, 1000, 2000, 5000, 10_000, 20_000];
  return [...steps.filter((count) => count < total), total];
}

/** The fewest calls whose median agreement reaches `target`, or null. */
function callsFor(target: number, curve: ReadonlyArray<{ calls: number; agreement: Spread }>): number | null {
  return curve.find((point) => point.agreement.median >= target)?.calls ?? null;
}

const dollars = (value: number) => (value >= 1 ? `$${value.toFixed(2)}` : value >= 0.01 ? `$${value.toFixed(3)}` : `$${value.toPrecision(2)}`);

/** Runs the section and writes it. */
export async function run(options: BenchOptions): Promise<void> {
  const part = options.argument('part') ?? 'all';
  if (!['all', 'active', 'labels'].includes(part)) throw new Error(`--part must be all, active or labels, got ${part}`);
  const activeEntry = part === 'labels' ? [] : [await activeSelectionEntry(options)];
  if (part === 'active') {
    writeSection({ id: 'distillation-effect', title: SECTION_TITLE, entries: activeEntry, quick: options.quick, facts: machineFacts(), partial: true });
    return;
  }
  const limit = Number(options.argument('limit') ?? (options.quick ? 1500 : 20_000));
  const items = await languageTeacherLabels(limit, (line) => process.stderr.write(`${line}\n`));
  const test = items.filter(isTest);
  const pool = items.filter((item) => !isTest(item));
  const prices = pricedModel();
  const labels = DEMO_LABELS;
  const costs = new Map(items.map((item) => [item.id, apiCallCostUSD(item.text, labels[item.teacher] ?? '')]));
  const counts = callCounts(pool.length, options.quick);
  // points[source][countIndex] = one Point per repeat
  const points = new Map<LabelSource, Point[][]>(SOURCES.map((source) => [source, counts.map(() => [])]));
  for (let repeat = 0; repeat < options.repeats; repeat++) {
    // Each repeat draws the calls in a different order: which inputs a user happens to send first varies.
    const ordered = [...pool].sort((a, b) => unitInterval(`effect-order:${repeat}:${a.id}`) - unitInterval(`effect-order:${repeat}:${b.id}`));
    for (const [index, calls] of counts.entries()) {
      for (const source of SOURCES) {
        const point = trainPoint(ordered, calls, source, test, repeat + 1, costs);
        points.get(source)?.[index]?.push(point);
        process.stderr.write(`  repeat ${repeat + 1} calls ${calls} ${source}: agreement ${point.agreement.toFixed(1)} %, accuracy ${point.accuracy.toFixed(1)} %\n`);
      }
    }
  }
  const curves = new Map(SOURCES.map((source) => [source, counts.map((calls, index) => {
    const runs = points.get(source)?.[index] ?? [];
    return { calls, costUSD: runs[0]?.costUSD ?? 0, agreement: spread(runs.map((run) => run.agreement)), confidentAgreement: spread(runs.map((run) => run.confidentAgreement)), accuracy: spread(runs.map((run) => run.accuracy)), trainSeconds: spread(runs.map((run) => run.trainSeconds)) };
  })]));
  const soft = curves.get('soft') ?? [];
  const hard = curves.get('hard') ?? [];
  const gold = curves.get('gold') ?? [];
  const softCost = new Map(soft.map((point) => [point.calls, point.costUSD]));
  const xOf = (calls: number) => softCost.get(calls) ?? 0;

  const chart = writeChart('distillation-effect.svg', lineChart([
    { name: 'soft labels', points: soft.map((point) => ({ x: xOf(point.calls), y: point.agreement.median })) },
    { name: 'hard labels', points: hard.map((point) => ({ x: xOf(point.calls), y: point.agreement.median })) },
    { name: 'gold labels', points: gold.map((point) => ({ x: xOf(point.calls), y: point.agreement.median })) },
    { name: `soft, teacher conf. ≥ ${CONFIDENT}`, dashed: true, points: soft.map((point) => ({ x: xOf(point.calls), y: point.confidentAgreement.median })) },
  ], 'Agreement with the teacher vs what its calls cost', { xLabel: `cost of the teacher calls at ${PRICED_MODEL} prices (USD)`, yLabel: 'agreement on held-out inputs (%)', logX: true, xFormat: dollars, yFormat: (value) => value.toFixed(0), yRange: [50, 100], yMarks: TARGETS.map((target) => ({ at: target, label: `${target} %` })) }), 'agreement vs cost of teacher calls');

  const table = ['| teacher calls | cost at ' + PRICED_MODEL + ' | agreement: soft | hard | gold | soft, on confident answers | accuracy vs gold: soft | hard | gold |', '|---|---|---|---|---|---|---|---|---|'];
  for (const [index, point] of soft.entries()) {
    const hardPoint = hard[index];
    const goldPoint = gold[index];
    if (!hardPoint || !goldPoint) continue;
    table.push(`| ${point.calls} | ${dollars(point.costUSD)} | ${format(point.agreement.median)} | ${format(hardPoint.agreement.median)} | ${format(goldPoint.agreement.median)} | ${format(point.confidentAgreement.median)} | ${format(point.accuracy.median)} | ${format(hardPoint.accuracy.median)} | ${format(goldPoint.accuracy.median)} |`);
  }
  const reach: string[] = TARGETS.map((target) => {
    const calls = callsFor(target, soft);
    const confidentCalls = soft.find((point) => point.confidentAgreement.median >= target)?.calls ?? null;
    const best = Math.max(...soft.map((point) => point.agreement.median));
    return `${target} % agreement: ${calls === null ? `not reached with ${pool.length} calls (best ${best.toFixed(1)} %)` : `${calls} calls (${dollars(xOf(calls))})`}; on the teacher's confident answers (top probability ≥ ${CONFIDENT}): ${confidentCalls === null ? 'not reached' : `${confidentCalls} calls (${dollars(xOf(confidentCalls))})`}`;
  });
  const advantages = soft.map((point, index) => ({ calls: point.calls, gain: point.agreement.median - (hard[index]?.agreement.median ?? Number.NaN) }));
  const bestGain = advantages.reduce((best, entry) => (entry.gain > best.gain ? entry : best), { calls: 0, gain: -Infinity });
  const hardFinal = hard.at(-1)?.agreement.median ?? Number.NaN;
  const softReachesHardFinal = soft.find((point) => point.agreement.median >= hardFinal)?.calls ?? null;
  reach.push(`soft vs hard labels: soft leads by up to ${bestGain.gain.toFixed(1)} points of agreement (at ${bestGain.calls} calls); soft reaches hard labels' final ${hardFinal.toFixed(1)} % with ${softReachesHardFinal ?? 'n/a'} of the ${hard.at(-1)?.calls ?? 0} calls. Gold labels (the file extension) teach the task, not the teacher: best accuracy, lowest agreement`);
  const teacherAccuracy = (100 * test.filter((item) => item.teacher === item.gold).length) / test.length;
  const confidentShare = (100 * test.filter((item) => (item.soft[item.teacher] ?? 0) >= CONFIDENT).length) / test.length;
  const last = counts.length - 1;
  const metric = (name: string, unit: string, ours: Spread | undefined, peer: Spread | undefined): Metric => ({ name, unit, better: 'higher', ours: ours ?? spread([]), peer: peer ?? null });
  const entry = (peerSource: LabelSource): BenchmarkEntry => ({
    id: `distillation-effect-soft-vs-${peerSource}`,
    title: `Soft labels vs ${SOURCE_NAMES[peerSource]}, all ${counts[last]} calls`,
    command: options.command,
    dataset: `${items.length} demo-corpus snippets labelled by the demo teacher (VS Code's language detector, 54 labels); ${test.length} held out for scoring, ${pool.length} in the call pool`,
    settings: `n-gram student ${JSON.stringify(DEMO_STUDENT)} for every label source; soft = α 0.7, T 2 (the task defaults); calls split 90/10 train/early-stopping validation`,
    peerName: SOURCE_NAMES[peerSource],
    oursName: 'soft labels',
    repeats: options.repeats,
    metrics: [
      metric('agreement with the teacher', '%', soft[last]?.agreement, curves.get(peerSource)?.[last]?.agreement),
      metric('agreement on confident teacher answers', '%', soft[last]?.confidentAgreement, curves.get(peerSource)?.[last]?.confidentAgreement),
      metric('accuracy vs gold', '%', soft[last]?.accuracy, curves.get(peerSource)?.[last]?.accuracy),
    ],
    notes: [],
    extra: peerSource === 'hard' ? { curves: Object.fromEntries(curves), pricedModel: PRICED_MODEL, prices } : {},
  });
  const intro = [
    `Reproduce: \`${options.command}\`. Each point trains the same student (${JSON.stringify(DEMO_STUDENT)}) on the first N teacher calls of a shuffled pool; repeats shuffle differently (medians shown). Calls are costed at the built-in ${PRICED_MODEL} price ($${prices.inputPer1M} / $${prices.outputPer1M} per 1M input / output tokens) for the demo prompt (system prompt listing the 54 labels + the snippet) and a one-word answer; the gold curve needs no teacher calls and is drawn at the same x for comparison.`,
    '',
    chart,
    '',
    table.join('\n'),
    '',
    ...reach.map((line) => `- ${line}.`),
    `- The teacher itself agrees with the file extension on ${teacherAccuracy.toFixed(1)} % of the held-out snippets, and is confident (top probability ≥ ${CONFIDENT}) on ${confidentShare.toFixed(1)} % of them: on the rest its answer is a near-tie between languages (js vs ts, c vs cpp, …) that no other model can be expected to reproduce, which is what caps overall agreement.`,
  ].join('\n');
  writeSection({ id: 'distillation-effect', title: SECTION_TITLE, intro, entries: [...activeEntry, entry('hard'), entry('gold')], quick: options.quick, facts: machineFacts(), partial: part === 'labels' });
}
