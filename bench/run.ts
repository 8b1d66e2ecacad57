/**
 * Benchmarks: Distillery's n-gram student vs Debian's fastText, same data, same hard labels, same run,
 * on four offline data sets (code language, SpamAssassin, UCI sentiment sentences, WordNet glosses).
 *   npm run bench                       # full sets, 3 repeats (min / median / max), writes docs/benchmarks.{md,json}
 *   npm run bench -- --quick            # smaller subsets, 1 repeat (under a minute)
 *   npm run bench -- --only=spam-assassin,sentiment-sentences   # some of the sets
 *   npm run bench -- --repeats=5
 * fastText is installed with apt-get where missing; when that fails the student runs alone (noted).
 */
import { mkdirSync } from 'node:fs';
import { unitInterval } from '../src/util/hash.js';
import { compare, type Hyper } from './compare.js';
import { codeLanguage, sentences, spamAssassin, wordnetGlosses, type BenchDataset } from './datasets.js';
import { ensureFastText } from './fasttext-peer.js';
import { machineFacts, writeReport, type BenchmarkEntry } from './report.js';

const argument = (name: string) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const quick = process.argv.includes('--quick');
const repeats = Number(argument('repeats') ?? (quick ? 1 : 3));
const only = argument('only')?.split(',').filter(Boolean) ?? null;
const hyper: Hyper = { dim: 16, wordNgrams: 2, bucket: 1 << 17, epoch: 25, lr: 0.5 };

/** Deterministic rank for subsets (quick mode). */
const rank = (id: string) => unitInterval(`bench-subset:${id}`);

const loaders: Record<string, () => BenchDataset | Promise<BenchDataset>> = {
  'code-language': () => codeLanguage(quick),
  'spam-assassin': () => spamAssassin(quick, rank),
  'sentiment-sentences': () => sentences(),
  'wordnet-lexname': () => wordnetGlosses(quick, rank),
};

async function main(): Promise<void> {
  if (!Number.isInteger(repeats) || repeats < 1) throw new Error('--repeats must be a positive integer');
  const unknown = (only ?? []).filter((id) => !(id in loaders));
  if (unknown.length > 0) throw new Error(`unknown data set(s) ${unknown.join(', ')}; known: ${Object.keys(loaders).join(', ')}`);
  const fastText = ensureFastText();
  if (!fastText) process.stderr.write('NOTE: fastText is not available (apt-get install -y fasttext failed); the student runs alone and the peer columns read n/a.\n');
  const flags = [quick ? '--quick' : '', only ? `--only=${only.join(',')}` : '', argument('repeats') ? `--repeats=${repeats}` : ''].filter(Boolean);
  const command = `npm run bench${flags.length > 0 ? ` -- ${flags.join(' ')}` : ''}`;
  const entries: BenchmarkEntry[] = [];
  for (const [id, load] of Object.entries(loaders)) {
    if (only && !only.includes(id)) continue;
    const started = performance.now();
    const dataset = await load();
    process.stderr.write(`${id}: ${dataset.items.length} examples loaded in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    entries.push(compare(dataset, { hyper, repeats, fastText, command }));
  }
  mkdirSync('docs', { recursive: true });
  writeReport(entries, machineFacts(fastText), quick);
  process.stderr.write('wrote docs/benchmarks.md and docs/benchmarks.json\n');
}

await main();
