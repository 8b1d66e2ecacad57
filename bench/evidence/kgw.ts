/**
 * The KGW variant of bench section `evidence` (issue 11): an owner's language model, trained with
 * Distillery on Debian's licence texts and served by the real server with a KGW key behind the real
 * guard; an attacker distilling it with Distillery itself (a generate task through `runTask` into the
 * language-model student); `runTrace` (the code of `distillery trace`) against that student over
 * HTTP; beside it a control student trained on the same prompts with the same model's unwatermarked
 * answers. Entries: evidence-kgw-radioactivity, watermark-robustness-kgw, watermark-quality-cost-kgw.
 * Knobs: --kgw-seeds=N (default 5; 1 with --quick), --kgw-robust-seeds=N (seeds that also run the
 * robustness arms; default 1, 0 with --quick), --kgw-tenth-seeds=N (seeds with the 10%-watermarked
 * student; default 5), --kgw-parallel=N (child processes at once; default 2), --kgw-delta=D (3), --kgw-h=H (1),
 * --kgw-harvest=N (prompts the attacker sends; default 2000: the ~830 unseen licence windows the
 * trace and quality prompts leave, then prompts from README sentences), --kgw-student-steps=N (600),
 * --kgw-student-width=N (64) and --kgw-student-hidden=N (176), --kgw-trace-temperature=T (the
 * temperature the trace asks the suspect for; 0.5, 1 with --quick). The full run also traces each
 * student with the prompts of the owner's logs. With 830 prompts, a width-48 student of 400 steps and
 * the trace at temperature 1, p < 1e-6 was reached on 2 of 5 seeds. --kgw-reuse=true reads back the
 * result of a seed (or arm) whose job is identical to one already run (a resumed run; off by default).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultSynonymTable } from '../../src/evidence/lexical/synonyms.js';
import type { BenchOptions } from '../options.js';
import type { BenchmarkEntry } from '../report.js';
import { licenceWindows, otherPrompts, otherText } from './kgw-corpus.js';
import { ROBUSTNESS_ARMS, type ArmResult, type KgwPlan, type SeedResult } from './kgw-arms.js';
import { kgwEntries } from './kgw-entries.js';
import { ownerModel, paraphraserModel, type OwnerSettings } from './kgw-owner.js';
import type { SeedJob } from './kgw-seed-child.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'kgw-seed-child.ts');

/** Runs one job in a child process (its stderr passed through); resolves with its result. With `reuse`, a result left by an identical job (same job file, result written after it) is read back instead. */
function runChild<T>(job: SeedJob, reuse: boolean): Promise<T> {
  const jobFile = `${job.resultFile}.job.json`;
  const text = JSON.stringify(job);
  if (reuse && existsSync(job.resultFile) && existsSync(jobFile) && readFileSync(jobFile, 'utf8') === text && statSync(job.resultFile).mtimeMs >= statSync(jobFile).mtimeMs) {
    process.stderr.write(`  seed ${job.seed}${job.arm === undefined ? '' : ` ${job.arm}`}: result of an identical job reused (${job.resultFile})\n`);
    return Promise.resolve(JSON.parse(readFileSync(job.resultFile, 'utf8')) as T);
  }
  return new Promise((resolve, reject) => {
    writeFileSync(jobFile, text);
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, jobFile], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(readFileSync(job.resultFile, 'utf8')) as T) : reject(new Error(`seed ${job.seed} failed (exit ${code})`))));
  });
}

/** A pool running at most `parallel` child jobs at once. */
function pool(parallel: number, reuse: boolean): <T>(job: SeedJob) => Promise<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async <T>(job: SeedJob): Promise<T> => {
    if (running >= parallel) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await runChild<T>(job, reuse);
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

/** Every seed's main job, and the robustness arms of the first `robustSeeds` seeds once their main job is done; results in seed order. */
async function runJobs(jobs: readonly SeedJob[], robustSeeds: number, parallel: number, reuse: boolean): Promise<SeedResult[]> {
  const submit = pool(parallel, reuse);
  return Promise.all(jobs.map(async (job) => {
    const result = await submit<SeedResult>(job);
    if (job.seed > robustSeeds) return result;
    const arms = await Promise.all(ROBUSTNESS_ARMS.map((arm) => submit<ArmResult>({ ...job, arm, resultFile: job.resultFile.replace(/\.result\.json$/u, `.${arm}.result.json`) })));
    return { ...result, arms: [...result.arms, ...arms] };
  }));
}

/** The sizes of a quick and of a full run. */
function sizes(options: BenchOptions): { owner: OwnerSettings; paraphraser: OwnerSettings; plan: KgwPlan; seeds: number; robustSeeds: number; tenthSeeds: number; parallel: number; answerWords: number } {
  const quick = options.quick;
  const number = (name: string, full: number, small: number) => Number(options.argument(name) ?? (quick ? small : full));
  const owner: OwnerSettings = quick
    ? { vocabularySize: 320, width: 32, layers: 1, hiddenWidth: 64, context: 64, steps: 40, learningRate: 1e-2 }
    : { vocabularySize: 512, width: 64, layers: 2, hiddenWidth: 176, context: 80, steps: 250, learningRate: 1e-2 };
  const paraphraser: OwnerSettings = quick
    ? { ...owner, steps: 20 }
    : { vocabularySize: 512, width: 48, layers: 2, hiddenWidth: 128, context: 112, steps: 150, learningRate: 1e-2 };
  const plan: KgwPlan = {
    gamma: 0.25, delta: number('kgw-delta', 3, 3), contextWidth: number('kgw-h', 1, 1),
    harvestPrompts: number('kgw-harvest', 2000, 32), tracePrompts: quick ? 20 : 200, qualityPrompts: quick ? 10 : 60,
    maxScored: quick ? 1500 : 5000, randomKeys: 100, maxTokens: quick ? 24 : 40, traceTemperature: number('kgw-trace-temperature', 0.5, 1),
    student: quick
      ? { vocabularySize: 320, width: 32, layers: 1, hiddenWidth: 64, steps: 20, learningRate: 1e-2 }
      : { vocabularySize: 512, width: number('kgw-student-width', 64, 32), layers: 2, hiddenWidth: number('kgw-student-hidden', 176, 64), steps: number('kgw-student-steps', 600, 20), learningRate: 1e-2 },
    loggedTrace: !quick, tenth: true,
  };
  return {
    owner, paraphraser, plan, answerWords: quick ? 8 : 14,
    seeds: number('kgw-seeds', 5, 1), robustSeeds: number('kgw-robust-seeds', 1, 0), tenthSeeds: number('kgw-tenth-seeds', 5, 1), parallel: number('kgw-parallel', 2, 1),
  };
}

/** Measures the KGW story and returns its entries (the section writer adds them to `evidence`). */
export async function kgwEvidence(options: BenchOptions): Promise<{ entries: BenchmarkEntry[]; intro?: string }> {
  const { owner: ownerSettings, paraphraser: paraphraserSettings, plan, seeds, robustSeeds, tenthSeeds, parallel, answerWords } = sizes(options);
  const loadBefore = os.loadavg();
  const windows = licenceWindows(answerWords);
  const ownerTrain = windows.slice(0, Math.floor(windows.length / 2));
  const rest = windows.slice(ownerTrain.length);
  const owner = ownerModel(ownerTrain, rest.slice(0, 60), ownerSettings);
  process.stderr.write(`  owner model: ${owner.student.parameterCount()} parameters, validation loss ${owner.validationLoss.toFixed(3)}${owner.cached ? ' (cached)' : `, trained in ${owner.seconds.toFixed(0)} s`}\n`);
  const sentences = otherText(options.quick ? 200 : 2000);
  const paraphraser = robustSeeds > 0 && sentences.length >= 40 ? paraphraserModel(sentences, paraphraserSettings) : null;
  const synonymSets = defaultSynonymTable().sets.map((set) => [...set]);
  const folder = path.resolve('.bench-cache', 'evidence-kgw', options.quick ? 'quick' : 'full');
  mkdirSync(folder, { recursive: true });
  const jobs: SeedJob[] = [];
  const unseen = rest.slice(60);
  const fixed = plan.tracePrompts + plan.qualityPrompts;
  // The attacker's prompts: the unseen licence windows the trace and quality prompts leave, then prompts of the same form from other text (README sentences).
  const extra = otherPrompts(options.quick ? sentences : otherText(100_000), Math.max(0, plan.harvestPrompts - (unseen.length - fixed))).map((prompt) => ({ prompt, answer: '' }));
  if (plan.harvestPrompts > unseen.length - fixed + extra.length) throw new Error(`--kgw-harvest=${plan.harvestPrompts}: the licence texts give ${unseen.length - fixed} prompts besides the ${fixed} trace and quality prompts, and the README sentences ${extra.length} more; use at most --kgw-harvest=${unseen.length - fixed + extra.length}`);
  for (let seed = 1; seed <= seeds; seed++) {
    // Each seed: its own key, its own trace and quality prompts (a rotation of the unseen windows), the rest of them and the README prompts as its harvest.
    const offset = ((seed - 1) * 97) % Math.max(1, unseen.length);
    const rotated = [...unseen.slice(offset), ...unseen.slice(0, offset)];
    const trace = rotated.slice(0, plan.tracePrompts);
    const quality = rotated.slice(plan.tracePrompts, fixed);
    const harvest = [...rotated.slice(fixed), ...extra].slice(0, plan.harvestPrompts);
    jobs.push({ seed, ownerFile: owner.file, paraphraserFile: paraphraser?.file ?? null, windows: { harvest, trace, quality }, synonymSets, plan: { ...plan, tenth: seed <= tenthSeeds }, folder, resultFile: path.join(folder, `seed-${seed}.result.json`) });
  }
  const results = await runJobs(jobs, robustSeeds, parallel, options.argument('kgw-reuse') === 'true');
  const loadAfter = os.loadavg();
  return kgwEntries(options, results, {
    plan, owner: { settings: ownerSettings, parameters: owner.student.parameterCount(), validationLoss: owner.validationLoss, trainWindows: ownerTrain.length },
    paraphraser: paraphraser === null ? null : { settings: paraphraserSettings, sentences: sentences.length, validationLoss: paraphraser.validationLoss },
    answerWords, load: { before: loadBefore, after: loadAfter },
  });
}
