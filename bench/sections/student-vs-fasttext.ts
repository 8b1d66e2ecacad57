/**
 * Distillery's n-gram student vs Debian's fastText, same data, same hard labels, same run, on four
 * offline data sets (code language, SpamAssassin, UCI sentiment sentences, WordNet glosses).
 * Knobs: --sets=code-language,spam-assassin (default: all four); --threads=2 trains both tools on two threads
 * (student.threads Hogwild, fastText -thread; default 1).
 * fastText is installed with apt-get where missing; when that fails the student runs alone (noted).
 */
import { unitInterval } from '../../src/util/hash.js';
import { compare, type Hyper } from '../compare.js';
import { codeLanguage, sentences, spamAssassin, wordnetGlosses, type BenchDataset } from '../datasets.js';
import { ensureFastText } from '../fasttext-peer.js';
import type { BenchOptions } from '../options.js';
import { machineFacts, writeSection, type BenchmarkEntry } from '../report.js';

const hyper: Hyper = { dim: 16, wordNgrams: 2, bucket: 1 << 17, epoch: 25, lr: 0.5 };

/** Deterministic rank for subsets (quick mode). */
const rank = (id: string) => unitInterval(`bench-subset:${id}`);

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
  const threads = Number(options.argument('threads') ?? '1');
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`--threads must be a positive integer, got ${options.argument('threads')}`);
  const fastText = ensureFastText();
  if (!fastText) process.stderr.write('NOTE: fastText is not available (apt-get install -y fasttext failed); the student runs alone and the peer columns read n/a.\n');
  const entries: BenchmarkEntry[] = [];
  for (const [id, load] of Object.entries(loaders)) {
    if (sets && !sets.includes(id)) continue;
    const started = performance.now();
    const dataset = await load();
    process.stderr.write(`${id}: ${dataset.items.length} examples loaded in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    entries.push(compare(dataset, { hyper, repeats: options.repeats, fastText, command: options.command, threads }));
  }
  writeSection({ id: 'student-vs-fasttext', title: 'n-gram student vs fastText', entries, quick: options.quick, facts: machineFacts(fastText),
    intro: 'Both tools train on the same split with the same hard labels in the same run; fastText is Debian\'s binary, ' + (threads === 1 ? 'single-threaded like the student.' : `on ${threads} threads like the student.`) });
}
