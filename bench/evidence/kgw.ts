/**
 * The KGW variant of bench section `evidence` (issue 11): an owner's language model, trained with
 * Distillery on Debian's licence texts and served by the real server with a KGW key behind the real
 * guard; an attacker distilling it with Distillery itself (a generate task through `runTask` into the
 * language-model student); `runTrace` (the code of `distillery trace`) against that student over
 * HTTP; beside it a control student trained on the same prompts with the same model's unwatermarked
 * answers. Entries: evidence-kgw-radioactivity, watermark-robustness-kgw, watermark-quality-cost-kgw.
 * Knobs: --kgw-seeds=N (default 5; 1 with --quick), --kgw-robust-seeds=N (seeds that also run the
 * robustness arms; default 2, 1 with --quick), --kgw-delta=D, --kgw-h=H.
 */
import os from 'node:os';
import path from 'node:path';
import { defaultSynonymTable } from '../../src/evidence/lexical/synonyms.js';
import type { BenchOptions } from '../options.js';
import type { BenchmarkEntry } from '../report.js';
import { licenceWindows, otherText } from './kgw-corpus.js';
import { runSeed, type KgwPlan, type SeedResult } from './kgw-arms.js';
import { kgwEntries } from './kgw-entries.js';
import { ownerModel, paraphraserModel, type OwnerSettings } from './kgw-owner.js';

/** The sizes of a quick and of a full run. */
function sizes(options: BenchOptions): { owner: OwnerSettings; paraphraser: OwnerSettings; plan: KgwPlan; seeds: number; robustSeeds: number; answerWords: number } {
  const quick = options.quick;
  const delta = Number(options.argument('kgw-delta') ?? 2);
  const contextWidth = Number(options.argument('kgw-h') ?? 1);
  const owner: OwnerSettings = quick
    ? { vocabularySize: 320, width: 32, layers: 1, hiddenWidth: 64, context: 64, steps: 40, learningRate: 1e-2 }
    : { vocabularySize: 384, width: 64, layers: 2, hiddenWidth: 176, context: 80, steps: 400, learningRate: 1e-2 };
  const paraphraser: OwnerSettings = quick
    ? { ...owner, steps: 20 }
    : { vocabularySize: 512, width: 64, layers: 2, hiddenWidth: 176, context: 128, steps: 300, learningRate: 1e-2 };
  const plan: KgwPlan = {
    gamma: 0.25, delta, contextWidth,
    harvestPrompts: quick ? 60 : 600, tracePrompts: quick ? 20 : 200, qualityPrompts: quick ? 10 : 100,
    maxScored: 5000, randomKeys: 100, maxTokens: quick ? 32 : 48,
    student: quick ? { vocabularySize: 320, width: 32, layers: 1, hiddenWidth: 64, steps: 30, learningRate: 1e-2 } : { vocabularySize: 384, width: 64, layers: 2, hiddenWidth: 176, steps: 300, learningRate: 1e-2 },
    robustness: true,
  };
  return { owner, paraphraser, plan, seeds: Number(options.argument('kgw-seeds') ?? (quick ? 1 : 5)), robustSeeds: Number(options.argument('kgw-robust-seeds') ?? (quick ? 1 : 2)), answerWords: quick ? 10 : 14 };
}

/** Measures the KGW story and returns its entries (the section writer adds them to `evidence`). */
export async function kgwEvidence(options: BenchOptions): Promise<{ entries: BenchmarkEntry[]; intro?: string }> {
  const { owner: ownerSettings, paraphraser: paraphraserSettings, plan, seeds, robustSeeds, answerWords } = sizes(options);
  const loadBefore = os.loadavg();
  const windows = licenceWindows(answerWords);
  const ownerTrain = windows.slice(0, Math.floor(windows.length / 2));
  const rest = windows.slice(ownerTrain.length);
  const owner = ownerModel(ownerTrain, rest.slice(0, 60), ownerSettings);
  process.stderr.write(`  owner model: ${owner.student.parameterCount()} parameters, validation loss ${owner.validationLoss.toFixed(3)}${owner.cached ? ' (cached)' : `, trained in ${owner.seconds.toFixed(0)} s`}\n`);
  const sentences = otherText(options.quick ? 200 : 2000);
  const paraphraser = sentences.length >= 40 ? paraphraserModel(sentences, paraphraserSettings) : null;
  const synonyms = new Map<string, readonly string[]>();
  for (const set of defaultSynonymTable().sets) for (const word of set) synonyms.set(word, set);
  const folder = path.resolve('.bench-cache', 'evidence-kgw', 'projects');
  const results: SeedResult[] = [];
  const unseen = rest.slice(60);
  for (let seed = 1; seed <= seeds; seed++) {
    // Each seed: its own key, its own harvest prompts (a rotation of the unseen windows), fresh trace and quality prompts.
    const offset = ((seed - 1) * 97) % Math.max(1, unseen.length);
    const rotated = [...unseen.slice(offset), ...unseen.slice(0, offset)];
    const harvest = rotated.slice(0, plan.harvestPrompts);
    const trace = rotated.slice(plan.harvestPrompts, plan.harvestPrompts + plan.tracePrompts);
    const quality = rotated.slice(plan.harvestPrompts + plan.tracePrompts, plan.harvestPrompts + plan.tracePrompts + plan.qualityPrompts);
    process.stderr.write(`  seed ${seed}:\n`);
    results.push(await runSeed(seed, owner.student, paraphraser?.student ?? null, { harvest, trace, quality }, synonyms, { ...plan, robustness: seed <= robustSeeds }, folder));
  }
  const loadAfter = os.loadavg();
  return kgwEntries(options, results, {
    plan, owner: { settings: ownerSettings, parameters: owner.student.parameterCount(), validationLoss: owner.validationLoss, trainWindows: ownerTrain.length },
    paraphraser: paraphraser === null ? null : { settings: paraphraserSettings, sentences: sentences.length, validationLoss: paraphraser.validationLoss },
    answerWords, load: { before: loadBefore, after: loadAfter },
  });
}
