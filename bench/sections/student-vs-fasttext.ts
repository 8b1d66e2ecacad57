/**
 * Distillery's text students vs Debian's fastText, same data, same hard labels, same run, on four
 * offline data sets (code language, SpamAssassin, UCI sentiment sentences, WordNet glosses).
 * Knobs: --sets=code-language,spam-assassin (default: all four); --threads=1,2 the training thread counts of
 * both tools (student.threads Hogwild, fastText -thread), the first for the main rows, each further one adding
 * rows trained in the same repeats (default 1,2; 1 with --quick); --variants=ngram,ngram+inputs,... the student
 * configurations (first = the table's Distillery column; `+inputs` pre-trains on train and test inputs
 * without labels, `+shipped` starts from the shipped WordNet vectors; default: ngram alone).
 * fastText is installed with apt-get where missing; when that fails the student runs alone (noted).
 * --quick (CI): smaller sets, one thread count, fastText's lr taken from the published full run (docs/benchmarks.json)
 * instead of four selection trainings, and none of the peer's side runs (quantised model, student tokenisation).
 */
import { readFileSync } from 'node:fs';
import { unitInterval } from '../../src/util/hash.js';
import { compare, type Hyper, type StudentVariant } from '../compare.js';
import { codeLanguage, sentences, spamAssassin, wordnetGlosses, type BenchDataset } from '../datasets.js';
import { ensureFastText } from '../fasttext-peer.js';
import type { BenchOptions } from '../options.js';
import { machineFacts, writeSection, type BenchmarkEntry } from '../report.js';

const hyper: Hyper = { dim: 16, wordNgrams: 2, bucket: 1 << 17, epoch: 25, lr: 0.5 };

/** Deterministic rank for subsets (quick mode). */
const rank = (id: string) => unitInterval(`bench-subset:${id}`);

/** `kind` or `kind+pretrain` → a student variant (bag-mlp at 64 hidden units, the auto grid's middle width). */
export function parseVariant(text: string): StudentVariant {
  const [kind = '', pretrain = 'none'] = text.split('+');
  if (!['ngram', 'bag-mlp'].includes(kind) || !['none', 'inputs', 'shipped'].includes(pretrain)) {
    throw new Error(`--variants: "${text}" is not kind[+pretrain] with kind ngram or bag-mlp and pretrain none, inputs or shipped`);
  }
  const settings: Record<string, unknown> = { pretrain };
  if (kind === 'bag-mlp') settings['bagMlp'] = { hiddenSizes: [64] };
  return { name: pretrain === 'none' ? kind : `${kind}, pretrain ${pretrain}`, kind, settings, unlabelledTest: pretrain === 'inputs' };
}

/** The published (full-run) entries, where quick mode reads fastText's learning rate. */
const PUBLISHED = new URL('../../docs/benchmarks.json', import.meta.url);

/**
 * fastText's learning rate the published full run chose on validation for set `id` (extra.peerLearningRate, or
 * its settings line), so that quick mode (CI) skips the four selection trainings; null when not published.
 */
export function publishedPeerLr(id: string, file: URL = PUBLISHED): number | null {
  let entries: Array<{ id?: unknown; quick?: unknown; settings?: unknown; extra?: { peerLearningRate?: unknown } }>;
  try {
    entries = (JSON.parse(readFileSync(file, 'utf8')) as { benchmarks?: typeof entries }).benchmarks ?? [];
  } catch {
    return null;
  }
  const entry = entries.find((candidate) => candidate.id === `student-vs-fasttext-${id}` && candidate.quick !== true);
  if (typeof entry?.extra?.peerLearningRate === 'number') return entry.extra.peerLearningRate;
  const match = typeof entry?.settings === 'string' ? /\/ ([0-9.]+) \(fastText, chosen on validation\)/.exec(entry.settings) : null;
  return match?.[1] ? Number(match[1]) : null;
}

/** Runs the section and writes it. */
export async function run(options: BenchOptions): Promise<void> {
  const loaders: Record<string, () => BenchDataset | Promise<BenchDataset>> = {
    'code-language': () => codeLanguage(options.quick),
    'spam-assassin': () => spamAssassin(options.quick, rank),
    'sentiment-sentences': () => sentences(),
    'wordnet-lexname': () => wordnetGlosses(options.quick, rank),
  };
  const sets = options.argument('sets')?.split(',').filter(Boolean) ?? null;
  const unknown = (sets ?? []).filter((id) => !(id in loaders));
  if (unknown.length > 0) throw new Error(`unknown data set(s) ${unknown.join(', ')}; known: ${Object.keys(loaders).join(', ')}`);
  // Quick mode (CI) trains one thread count only; the Hogwild path has its own tests.
  const threads = (options.argument('threads') ?? (options.quick ? '1' : '1,2')).split(',').filter(Boolean).map(Number);
  if (threads.length === 0 || !threads.every((count) => Number.isInteger(count) && count >= 1)) throw new Error(`--threads must be positive integers separated by commas, got ${options.argument('threads')}`);
  const variants = (options.argument('variants') ?? 'ngram').split(',').filter(Boolean).map(parseVariant);
  const fastText = ensureFastText();
  if (!fastText) process.stderr.write('NOTE: fastText is not available (apt-get install -y fasttext failed); the student runs alone and the peer columns read n/a.\n');
  const entries: BenchmarkEntry[] = [];
  for (const [id, load] of Object.entries(loaders)) {
    if (sets && !sets.includes(id)) continue;
    const started = performance.now();
    const dataset = await load();
    process.stderr.write(`${id}: ${dataset.items.length} examples loaded in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    // Quick mode (CI) takes fastText's lr from the published full run instead of four selection trainings, and skips the peer's side figures.
    const publishedLr = options.quick ? publishedPeerLr(id) : null;
    const peerLr = publishedLr === null ? null : { lr: publishedLr, from: 'quick mode takes the published full run\'s choice on validation (docs/benchmarks.json)' };
    const entry = compare(dataset, { hyper, repeats: options.repeats, fastText, command: options.command, threads, variants, peerLr, peerExtras: !options.quick });
    if (variants.length > 1) entry.notes.push(variantNote(variants, id));
    entries.push(entry);
  }
  // With --sets, the other sets' entries stay as they were (so sets can be re-run one at a time).
  writeSection({ id: 'student-vs-fasttext', title: 'text students vs fastText', entries, quick: options.quick, partial: sets !== null, facts: machineFacts(fastText),
    intro: 'Both tools train on the same split with the same hard labels in the same run; fastText is Debian\'s binary, ' + (threads[0] === 1 ? 'single-threaded like the student' : `on ${threads[0]} threads like the student`)
      + (threads.length > 1 ? `; the rows "N threads each" train both again with ${threads.slice(1).join(', ')} threads (student.threads, Hogwild over worker_threads; fastText -thread) in the same repeats.` : '.')
      + ` Student variants (rows suffixed by their name; the plain rows are ${variants[0]?.name ?? 'ngram'}): ${variants.map((variant) => variant.name).join('; ')}.` });
}

/** What the pre-training rows mean, and which set they overlap. */
function variantNote(variants: readonly StudentVariant[], id: string): string {
  const parts = ['"pretrain inputs": skip-gram with subwords (src/student/pretrain/skipgram.ts) on the training and test inputs, test labels never seen (inputs are free, answers cost); its time is inside the training time.',
    '"pretrain shipped": word rows start from assets/pretrained/wordnet-vectors.bin (bench/train-shipped-vectors.ts, WordNet 3.1 glosses).'];
  if (id === 'wordnet-lexname' && variants.some((variant) => variant.name.endsWith('shipped'))) parts.push('On this set the shipped vectors were trained on these very glosses (test ones included, labels not), so its "shipped" row is transductive like "inputs"; the other three sets are the honest test of shipped vectors.');
  return parts.join(' ');
}
