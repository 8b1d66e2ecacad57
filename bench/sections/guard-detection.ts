/**
 * The guard's harvesting detectors against simulated traffic: benign people built from real text
 * (nlp-corpus, UCI reviews, WordNet) and distillers with several strategies, replayed on a simulated
 * clock through every detector. The risk model's weights are fitted on one seed's traffic, its
 * threshold calibrated on a second's, and it is
 * evaluated on another seed's. Knobs: --fit-seed=1 --calibration-seed=3 --eval-seed=2 --budget=0.01.
 */
import { defaultDetectors, MmdReference } from '../../src/guard/detectors/index.js';
import { combineRiskWith, DEFAULT_RISK_MODEL, type RiskModel } from '../../src/guard/risk.js';
import { lineChart, type LineSeries } from '../../src/eval/charts.js';
import { detectorCosts, type DetectorCosts } from '../guard/cost.js';
import { loadTrafficCorpus, type TrafficCorpus } from '../guard/corpus.js';
import { calibratedModel, detectorMaximum, fitWeights, inBudget, outcomes, PERSONAL_PERSONAS, type KeyOutcome } from '../guard/evaluate.js';
import { DETECTION_HORIZON, DISTILLER_STRATEGIES } from '../guard/distillers.js';
import { median, rocAuc, rocCurve } from '../guard/detection-metrics.js';
import { arrivals, replay, type Replay, type SimulatedClock } from '../guard/simulate.js';
import { simulatePopulation, type Population, type PopulationSize } from '../guard/traffic.js';
import type { BenchOptions } from '../options.js';
import { format, machineFacts, writeChart, writeSection } from '../report.js';

const QUICK: PopulationSize = { benign: 120, perStrategy: 1, cohortSize: 15, days: 7, referenceKeys: 50 };
const FULL: PopulationSize = { benign: 700, perStrategy: 10, cohortSize: 40, days: 14, referenceKeys: 150 };
/** Requests timed per detector for the cost figures. */
const COST_SAMPLE = { quick: 5000, full: 40_000 };

/** One seed simulated and replayed. */
interface SeedRun { population: Population; reference: MmdReference; replay: Replay }

function simulateAndReplay(corpus: TrafficCorpus, seed: number, size: PopulationSize): SeedRun {
  return replayPopulation(simulatePopulation(corpus, seed, size));
}

/** Replays a population through a fresh default detector set, its MMD reference built from the population's reference prompts. */
function replayPopulation(population: Population): SeedRun {
  const started = performance.now();
  const reference = MmdReference.fromTexts(population.reference);
  const clock: SimulatedClock = { now: 0 };
  const result = replay(population.keys, defaultDetectors({ now: () => clock.now, reference }), clock);
  process.stderr.write(`seed ${population.seed}: ${population.keys.length} keys, ${result.requests.toLocaleString('en')} requests replayed in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  return { population, reference, replay: result };
}

/** Per-request costs over the first `count` requests of a population (on copies, so the replay sketches afresh). */
function measureCosts(population: Population, count: number): DetectorCosts & { requests: number } {
  const order = arrivals(population.keys).slice(0, count).map((arrival) => ({ ...arrival, features: { ...arrival.features } }));
  const reference = MmdReference.fromTexts(population.reference);
  return { ...detectorCosts(population.keys, order, (clock) => defaultDetectors({ now: () => clock.now, reference })), requests: order.length };
}

const share = (count: number, total: number) => (total === 0 ? 'n/a' : `${count}/${total} (${((100 * count) / total).toFixed(count === total || count === 0 ? 0 : 1)}%)`);

/** Per strategy: keys caught within the horizon and the median queries it took. */
function strategyTable(results: readonly KeyOutcome[], model: RiskModel, names: readonly string[]): { lines: string[]; rows: Array<Record<string, unknown>> } {
  const lines = ['| distiller strategy | keys | caught within 2,000 queries | median queries until caught | caught mostly by | what it does |', '|---|---|---|---|---|---|'];
  const rows: Array<Record<string, unknown>> = [];
  for (const [strategy, description] of Object.entries(DISTILLER_STRATEGIES)) {
    const keys = results.filter((item) => item.trajectory.key.kind === strategy);
    const caught = keys.filter((item) => item.detectedAt !== null);
    const queries = median(caught.map((item) => item.detectedAt as number));
    const sent = median(keys.map((item) => Math.min(DETECTION_HORIZON, item.trajectory.key.requests.length)));
    lines.push(`| ${strategy} | ${keys.length} | ${share(caught.length, keys.length)} | ${Number.isNaN(queries) ? '—' : format(queries)}${sent < DETECTION_HORIZON ? ` (each key sent ${format(sent)})` : ''} | ${contributors(caught, model, names)} | ${description} |`);
    rows.push({ strategy, keys: keys.length, caught: caught.length, medianQueries: queries, medianSent: sent });
  }
  const distillers = results.filter((item) => item.trajectory.key.group === 'distiller');
  for (const [label, cohort] of [['**all single-key distillers**', false], ['**all slow-and-low cohort keys**', true]] as const) {
    const keys = distillers.filter((item) => item.trajectory.key.kind.startsWith('slow-and-low') === cohort);
    const caught = keys.filter((item) => item.detectedAt !== null);
    lines.push(`| ${label} | ${keys.length} | **${share(caught.length, keys.length)}** | ${format(median(caught.map((item) => item.detectedAt as number)))} | | |`);
  }
  return { lines, rows };
}

/** The detectors that contributed most to a key's risk at the request where it was first flagged. */
function flaggedBy(item: KeyOutcome, model: RiskModel, names: readonly string[]): string[] {
  if (item.detectedAt === null) return [];
  const row = item.detectedAt - 1;
  return names
    .map((name, index) => ({ name, contribution: (model.weights[name] ?? 0) * (item.trajectory.scores[row * names.length + index] as number) }))
    .filter((entry) => entry.contribution > 0)
    .sort((a, b) => b.contribution - a.contribution)
    .slice(0, 2)
    .map((entry) => entry.name);
}

/** 'name ×count' for the most common contributors among flagged keys. */
function contributors(items: readonly KeyOutcome[], model: RiskModel, names: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const item of items) for (const name of flaggedBy(item, model, names)) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([name, count]) => `${name} ×${count}`).join(', ') || '—';
}

/** Per benign persona: keys ever flagged (risk ≥ 0.5 at any request), and by which detectors. */
function benignTable(results: readonly KeyOutcome[], model: RiskModel, names: readonly string[]): { lines: string[]; rows: Array<Record<string, unknown>>; personalRate: number } {
  const lines = ['| benign persona | keys | median requests per key | ever flagged (false positives) | flagged mostly by |', '|---|---|---|---|---|'];
  const rows: Array<Record<string, unknown>> = [];
  const benign = results.filter((item) => item.trajectory.key.group === 'benign');
  for (const persona of [...PERSONAL_PERSONAS, 'app']) {
    const keys = benign.filter((item) => item.trajectory.key.kind === persona);
    const flagged = keys.filter((item) => item.detectedAt !== null).length;
    lines.push(`| ${persona}${persona === 'app' ? ' (integration, not in the budget)' : ''} | ${keys.length} | ${format(median(keys.map((item) => item.trajectory.key.requests.length)))} | ${share(flagged, keys.length)} | ${contributors(keys.filter((item) => item.detectedAt !== null), model, names)} |`);
    rows.push({ persona, keys: keys.length, flagged });
  }
  const personal = benign.filter((item) => inBudget(item.trajectory));
  const personalFlagged = personal.filter((item) => item.detectedAt !== null).length;
  lines.push(`| **all personal keys** | ${personal.length} | ${format(median(personal.map((item) => item.trajectory.key.requests.length)))} | **${share(personalFlagged, personal.length)}** | |`);
  return { lines, rows, personalRate: personalFlagged / Math.max(1, personal.length) };
}

/** Each distiller key weighs 1 / (keys of its strategy), so every strategy counts once in a ROC, whatever its key count. */
function strategyWeights(kinds: readonly string[]): number[] {
  const counts = new Map<string, number>();
  for (const kind of kinds) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return kinds.map((kind) => 1 / (counts.get(kind) ?? 1));
}

/** ROC AUC per detector and combined (distillers vs benign personal keys, and vs integrations), plus the chart's curves. */
function rocFigures(run: SeedRun, results: readonly KeyOutcome[]): { lines: string[]; aucs: Record<string, number>; chart: string } {
  const { names, trajectories } = run.replay;
  const distillers = trajectories.filter((item) => item.key.group === 'distiller');
  const weights = strategyWeights(distillers.map((item) => item.key.kind));
  const personal = trajectories.filter((item) => item.key.group === 'benign' && inBudget(item));
  const apps = trajectories.filter((item) => item.key.group === 'benign' && !inBudget(item));
  const lines = ['| detector | ROC AUC: distillers vs benign personal keys | vs integration keys |', '|---|---|---|'];
  const aucs: Record<string, number> = {};
  const series: LineSeries[] = names.map((name, index) => {
    const positives = distillers.map((item, key) => ({ score: detectorMaximum(item, index, names.length), weight: weights[key] as number }));
    const negatives = personal.map((item) => detectorMaximum(item, index, names.length));
    aucs[name] = rocAuc(positives, negatives);
    lines.push(`| ${name} | ${(aucs[name] as number).toFixed(3)} | ${rocAuc(positives, apps.map((item) => detectorMaximum(item, index, names.length))).toFixed(3)} |`);
    return { name, points: thin(rocCurve(positives, negatives)) };
  });
  const distillerResults = results.filter((item) => item.trajectory.key.group === 'distiller');
  const resultWeights = strategyWeights(distillerResults.map((item) => item.trajectory.key.kind));
  const positives = distillerResults.map((item, key) => ({ score: item.maxLogOdds, weight: resultWeights[key] as number }));
  const negativesOf = (personalKeys: boolean) => results.filter((item) => item.trajectory.key.group === 'benign' && inBudget(item.trajectory) === personalKeys).map((item) => item.maxLogOdds);
  aucs['combined'] = rocAuc(positives, negativesOf(true));
  lines.push(`| **combined risk** | **${(aucs['combined'] as number).toFixed(3)}** | ${rocAuc(positives, negativesOf(false)).toFixed(3)} |`);
  // Dashed: the chart has eight colours, so the tenth curve needs another mark to stand out.
  series.push({ name: 'combined', points: thin(rocCurve(positives, negativesOf(true))), dashed: true });
  const chart = lineChart(series, 'ROC per detector and combined (each key at its highest score; every distiller strategy weighted equally)', { xLabel: 'false-positive rate (benign personal keys)', yLabel: 'detection rate (distiller keys)', xRange: [0, 1], yRange: [0, 1] });
  return { lines, aucs, chart };
}

/** At most ~60 points of a curve, keeping its ends. */
function thin(points: Array<{ x: number; y: number }>): Array<{ x: number; y: number }> {
  const step = Math.max(1, Math.ceil(points.length / 60));
  return points.filter((_, index) => index % step === 0 || index === points.length - 1);
}

function costTable(costs: DetectorCosts): string[] {
  return ['| per request | CPU µs |', '|---|---|', `| shared prompt sketch (once per request) | ${costs.sketch.toFixed(1)} |`, ...costs.detectors.map((item) => `| ${item.name} (observe + score) | ${item.microseconds.toFixed(1)} |`), `| all detectors together | ${costs.detectors.reduce((sum, item) => sum + item.microseconds, costs.sketch).toFixed(1)} |`];
}

/** The combined reasons for the first caught key of a few strategies, as the guard would show them. */
function exampleReasons(results: readonly KeyOutcome[], model: RiskModel): string[] {
  const lines: string[] = [];
  for (const strategy of ['template-expansion', 'reasoning-traces', 'slow-and-low-template']) {
    const example = results.find((item) => item.trajectory.key.kind === strategy && item.detectedAt !== null);
    if (example === undefined) continue;
    const verdict = combineRiskWith(model, example.trajectory.lastReasons);
    lines.push(`- **${strategy}** (${example.trajectory.key.id}, after its last request): ${verdict.reasons.slice(0, 4).map((reason) => reason.replace(/\|/g, '\\|')).join(' · ')}`);
  }
  return lines;
}

/** Runs the section and writes it. */
export async function run(options: BenchOptions): Promise<void> {
  const size = options.quick ? QUICK : FULL;
  const fitSeed = Number(options.argument('fit-seed') ?? 1);
  const evalSeed = Number(options.argument('eval-seed') ?? 2);
  const calibrationSeed = Number(options.argument('calibration-seed') ?? 3);
  const budget = Number(options.argument('budget') ?? 0.01);
  if (new Set([fitSeed, evalSeed, calibrationSeed]).size < 3) throw new Error('--fit-seed, --calibration-seed and --eval-seed must differ: the model is evaluated on traffic it was neither fitted nor calibrated on');
  const corpus = loadTrafficCorpus();
  // Weights from one seed, threshold from another: a threshold set on the traffic the weights were
  // searched on sits at that population's edge, and a fresh population overshoots it.
  // Half the budget on the fitting seeds, so that sampling noise in a fresh population stays inside it.
  const fittingBudget = budget / 2;
  const weights = fitWeights(simulateAndReplay(corpus, fitSeed, size).replay, fittingBudget);
  const model = calibratedModel(simulateAndReplay(corpus, calibrationSeed, size).replay, weights, fittingBudget, `${options.command}: weights fitted on seed ${fitSeed}, threshold at ${fittingBudget * 100}% of seed ${calibrationSeed}'s benign personal keys`);
  const evaluation = simulatePopulation(corpus, evalSeed, size);
  const costs = measureCosts(evaluation, options.quick ? COST_SAMPLE.quick : COST_SAMPLE.full);
  const evaluated = replayPopulation(evaluation);
  const results = outcomes(evaluated.replay, model);
  const committed = outcomes(evaluated.replay, DEFAULT_RISK_MODEL);
  const names = evaluated.replay.names;
  const strategies = strategyTable(results, model, names);
  const benign = benignTable(results, model, names);
  const roc = rocFigures(evaluated, results);
  const chart = writeChart('guard-detection-roc.svg', roc.chart, 'ROC curves of each guard detector and the combined risk');
  const committedBenign = benignTable(committed, DEFAULT_RISK_MODEL, names);
  const committedCaught = committed.filter((item) => item.trajectory.key.group === 'distiller' && item.detectedAt !== null).length;
  const sameModel = JSON.stringify(model.weights) === JSON.stringify(DEFAULT_RISK_MODEL.weights) && model.intercept === DEFAULT_RISK_MODEL.intercept;
  const body = [
    '**Distillers caught** (risk ≥ 0.5, the default flag threshold, at any request among a key\'s first 2,000):', '', ...strategies.lines, '',
    '**False positives** (a benign key counts once flagged at any request of its whole simulated period):', '', ...benign.lines, '',
    '**ROC AUC** (each key scored by its highest value over its requests):', '', ...roc.lines, '', chart, '',
    `**Cost per request** (CPU time over the first ${costs.requests.toLocaleString('en')} requests of seed ${evalSeed}, each detector alone after the shared sketch; taken before the replays, on a machine shared with other work):`, '', ...costTable(costs), '',
    `**Fitted model** (weights: seed ${fitSeed}; threshold: seed ${calibrationSeed}): intercept ${model.intercept}; weights ${Object.entries(model.weights).map(([name, weight]) => `${name} ${weight}`).join(', ')}. ${sameModel ? 'The committed DEFAULT_RISK_MODEL in src/guard/risk.ts is this model.' : `The committed DEFAULT_RISK_MODEL in src/guard/risk.ts differs (${DEFAULT_RISK_MODEL.provenance}); on seed ${evalSeed} it catches ${committedCaught} distiller keys and flags ${(committedBenign.personalRate * 100).toFixed(1)}% of benign personal keys.`}`, '',
    '**What the guard says** (combined reasons, evaluation seed):', '', ...exampleReasons(results, model),
  ].join('\n');
  const totalRequests = evaluated.replay.requests;
  writeSection({
    id: 'guard-detection', title: 'Guard: detecting distillation', quick: options.quick, facts: machineFacts(),
    intro: `Simulated keys replayed on a simulated clock through all ${evaluated.replay.names.length} detectors (\`defaultDetectors\`), each request observed then scored as the policy engine does. The risk model (src/guard/risk.ts) has its **weights fitted on seed ${fitSeed}'s traffic, its threshold calibrated on seed ${calibrationSeed}'s, and is evaluated on seed ${evalSeed}'s** (different people, distillers and draws from the same corpora). Goal: ≥ 95% of distiller keys caught within 2,000 queries at ≤ 1% false positives on benign keys.`,
    entries: [{
      id: 'guard-detection', title: 'Detection rate, queries until detection, false positives, ROC', command: options.command, dataset: corpus.source, peerName: 'none', repeats: 1, metrics: [],
      settings: `${size.benign} benign keys (${Object.entries({ personal: [...PERSONAL_PERSONAS].join('/'), integration: 'app' }).map(([group, names]) => `${group}: ${names}`).join('; ')}) over ${size.days} simulated days; ${size.perStrategy} distiller keys per content strategy and pacing and ${size.perStrategy} adaptive ones, two slow-and-low cohorts of ${size.cohortSize} keys; ${totalRequests.toLocaleString('en')} requests on the evaluation seed; MMD reference: prompts of ${size.referenceKeys} further benign keys; false-positive budget ${budget * 100}% (weights searched and threshold set at ${fittingBudget * 100}% of the benign personal keys of seeds ${fitSeed} and ${calibrationSeed})`,
      body,
      notes: NOTES,
      extra: { model, committedModel: DEFAULT_RISK_MODEL, strategies: strategies.rows, benign: benign.rows, auc: roc.aucs, costs, fitSeed, calibrationSeed, evalSeed, budget, fittingBudget, size },
    }],
  });
}

/** What the figures do and do not show; read them with these in mind. */
const NOTES = [
  'Everything here is simulated. The benign side rests on an assumption that matters: a person has a few interests, so their prompts share vocabulary. A real person who asks about everything under the sun, at volume, looks like a sweep to the diversity detector (which is what catches the paced uniform sweep and the adaptive distiller).',
  'False positives come from developers (prompt refinement, test loops, the odd evaluation batch of a few hundred prompts through a popular instruction; here one developer\'s batch tripped the rate signal) and, in tuning runs with other thresholds, from students who ask for step-by-step answers most of the time. A benign batch job of thousands of prompts a day is, to every per-key signal, a harvest: it would be flagged, and arguably is one.',
  'Integration keys (an app wrapping its users\' text in a fixed instruction, around the clock, some with logprobs) are automated template traffic: rate, template, cohort and elicitation all see them, and the combined risk flags them all. They are left out of the false-positive budget on purpose: run them under their own tier (`tiers` in the policy config) with flagging raised or off. A distiller that looks exactly like such an app (a fixed instruction around free text from a real corpus) would be missed in that tier.',
  'Slow-and-low spread across many keys: per-key detectors cannot see it (each key sends a few dozen queries at a person\'s pace). The cross-key cohort detector, with the per-key template detector, catches about half of the keys of the cohort that shares templates, because their prompts are near copies of one another\'s; the cohort sweeping natural text (no shared wording) is not caught by anything here. Paraphrasing each template fill, or giving each key its own template, would also defeat the cohort detector.',
  'What an adaptive distiller could still get past: (1) spread over many keys with no shared wording, as above; (2) at a person\'s pace, paraphrasing is caught less than half the time, because prompt refinement by developers looks the same and keeps the near-duplicate weight low; (3) keep each key narrow (one topic area per key) and the diversity detector sees a person; (4) rotate keys before 150–200 prompts, when the window-based detectors (diversity, near-duplicate, PRADA, MMD) first have enough evidence; (5) keep the instruction to reason out of the phrases the elicitation detector knows (or distil final answers only), and ask for top_logprobs ≤ 3 (counted at half weight, as integrations do); (6) stay under ~600 requests a day per key, below the daily volume signal; (7) look exactly like an integration and get the integration tier.',
  'PRADA was designed for images, where the distances of natural queries are roughly normal. For text they are not: a developer refining prompts, or anyone with a few hundred natural prompts, fails the test too, so PRADA alone has many false positives; MMD against pooled benign traffic likewise fires on every narrow user and every batch job. Both have high AUCs in the table but end with weight 0 in the combined risk: at a 1% false-positive budget they add nothing the other detectors do not.',
  'The combined risk\'s weights are non-negative by construction (an alarm can only raise risk): logistic regression on snapshots of the scores, then a coordinate search for the weights that catch the most distiller keys (every strategy counted equally) at the budget. The threshold comes from a second seed and the figures from a third; with about 600 benign personal keys the false-positive rate has a resolution of 0.17 points.',
  'Costs are CPU time on a 2-core machine shared with other work, so they are upper bounds; the shared sketch (normalising, hashing, a 64-function MinHash over character shingles) is the largest single cost and is paid once per request.',
];
