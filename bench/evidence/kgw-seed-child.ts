/**
 * One seed (or one robustness arm of a seed) of the KGW evidence story in its own process (bench/evidence/kgw.ts runs a few at once:
 * training is single-threaded, and on a shared machine each process gets its own share of the CPU).
 * `node --import tsx bench/evidence/kgw-seed-child.ts job.json` reads the job, writes the result JSON
 * to job.result; the owner and paraphraser models are loaded from the files the parent trained.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { runRobustnessArm, runSeed, type KgwPlan, type SeparateArm } from './kgw-arms.js';
import type { TextWindow } from './kgw-corpus.js';
import { loadModel } from './kgw-owner.js';

/** What the parent hands a child. */
export interface SeedJob {
  seed: number;
  ownerFile: string;
  paraphraserFile: string | null;
  windows: { harvest: TextWindow[]; trace: TextWindow[]; quality: TextWindow[] };
  synonymSets: string[][];
  plan: KgwPlan;
  /** A robustness arm of a seed whose main job is done; absent: the seed's main job. */
  arm?: SeparateArm;
  folder: string;
  resultFile: string;
}

const job = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as SeedJob;
const synonyms = new Map<string, readonly string[]>();
for (const set of job.synonymSets) for (const word of set) synonyms.set(word, set);
const owner = loadModel(job.ownerFile);
const paraphraser = job.paraphraserFile === null ? null : loadModel(job.paraphraserFile);
const result = job.arm === undefined
  ? await runSeed(job.seed, owner, paraphraser, job.windows, synonyms, job.plan, job.folder)
  : await runRobustnessArm(job.seed, job.arm, owner, paraphraser, job.windows, synonyms, job.plan, job.folder);
writeFileSync(job.resultFile, JSON.stringify(result));
