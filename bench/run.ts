/**
 * Benchmark: Distillery's n-gram student vs Debian's fastText, same data, same hard labels, same run.
 *   npm run bench            # 3 repeats, writes docs/benchmarks.md and docs/benchmarks.json
 *   npm run bench -- --quick # 1 repeat on a smaller set (kept alive by hand; not part of CI yet)
 * Data: source snippets from this install (the demo's corpus), labelled by file extension.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildCodeCorpus } from '../src/demo/corpus.js';
import { taskSpecSchema } from '../src/spec/schema.js';
import { createStudent } from '../src/student/index.js';
import { unitInterval } from '../src/util/hash.js';
import { ensureFastText, runFastText, type FastTextRun } from './fasttext-peer.js';
import { machineFacts, spread, writeReport, type BenchmarkEntry } from './report.js';

const quick = process.argv.includes('--quick');
const repeats = quick ? 1 : 3;
const hyper = { dim: 16, wordNgrams: 2, bucket: 1 << 17, epoch: 25, lr: 0.5 };

/** The student's settings matching fastText's hyper-parameters. */
function studentSettings(seed: number) {
  const base = { name: 'bench', teacher: { baseURL: 'http://127.0.0.1/v1', model: 'none' }, prompt: { messages: [{ role: 'user', content: '{{text}}' }] }, labels: ['a', 'b'], inputs: { path: 'none' }, budget: { maxUSD: 1 } };
  return taskSpecSchema.parse({ ...base, student: { dim: hyper.dim, wordNgrams: hyper.wordNgrams, buckets: hyper.bucket, epochs: hyper.epoch, learningRate: hyper.lr, seed } }).student;
}

const fastTextLine = (label: string, text: string) => `__label__${label} ${text.replace(/\s+/g, ' ').trim()}\n`;

async function main(): Promise<void> {
  const binary = ensureFastText();
  const corpus = await buildCodeCorpus({ limit: quick ? 1500 : 6000, perLabelCap: quick ? 400 : 1500 });
  const labels = [...new Set(corpus.map((item) => item.gold))].sort();
  const split = (id: string) => (unitInterval(`bench:${id}`) < 0.8 ? 'train' : 'test');
  const train = corpus.filter((item) => split(item.id) === 'train');
  const test = corpus.filter((item) => split(item.id) === 'test');
  // The student early-stops on a slice of its training data; fastText trains on all of it.
  const validation = train.filter((item) => unitInterval(`val:${item.id}`) < 0.1);
  const folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-bench-'));
  const files = { train: path.join(folder, 'train.txt'), test: path.join(folder, 'test.txt'), testOne: path.join(folder, 'one.txt'), model: path.join(folder, 'model') };
  writeFileSync(files.train, train.map((item) => fastTextLine(item.gold, item.text)).join(''));
  writeFileSync(files.test, test.map((item) => fastTextLine(item.gold, item.text)).join(''));
  writeFileSync(files.testOne, fastTextLine(test[0]?.gold ?? 'js', test[0]?.text ?? ''));
  const toExample = (item: { text: string; gold: string }) => ({ text: item.text, label: labels.indexOf(item.gold), soft: null });
  const trainTokens = train.reduce((sum, item) => sum + item.text.split(/\s+/).filter(Boolean).length, 0);

  const ours: Array<{ trainSeconds: number; accuracy: number; modelBytes: number; predictMicroseconds: number; tokensPerSecond: number }> = [];
  const peer: Array<FastTextRun & { tokensPerSecond: number }> = [];
  for (let repeat = 0; repeat < repeats; repeat++) {
    const student = createStudent('ngram', labels, studentSettings(repeat + 1));
    const fit = student.fit(train.map(toExample), validation.map(toExample));
    const start = performance.now();
    let correct = 0;
    for (const item of test) if (student.predict(item.text).label === item.gold) correct++;
    const predictMicroseconds = ((performance.now() - start) / test.length) * 1000;
    ours.push({ trainSeconds: fit.seconds, accuracy: correct / test.length, modelBytes: student.toBytes().length, predictMicroseconds, tokensPerSecond: (trainTokens * fit.epochs.length) / fit.seconds });
    if (binary) {
      const run = runFastText(binary, files, { ...hyper, threads: 2 }, test.length);
      peer.push({ ...run, tokensPerSecond: (trainTokens * hyper.epoch) / run.trainSeconds });
    }
    process.stderr.write(`repeat ${repeat + 1}/${repeats}: student ${(ours.at(-1)?.accuracy ?? 0).toFixed(3)}${binary ? `, fastText ${(peer.at(-1)?.accuracy ?? 0).toFixed(3)}` : ''}\n`);
  }
  const metric = (name: string, unit: string, better: 'higher' | 'lower', pick: (run: { trainSeconds: number; accuracy: number; modelBytes: number; predictMicroseconds: number; tokensPerSecond: number }) => number) => ({
    name, unit, better, ours: spread(ours.map(pick)), peer: peer.length > 0 ? spread(peer.map(pick)) : null,
  });
  const entry: BenchmarkEntry = {
    id: 'student-vs-fasttext-code-language',
    title: 'n-gram student vs fastText: code language by file extension',
    command: `npm run bench${quick ? ' -- --quick' : ''}`,
    dataset: `${corpus.length} source snippets from this install (${labels.length} labels), ${train.length} train / ${test.length} test by hash`,
    settings: `dim ${hyper.dim}, word n-grams ${hyper.wordNgrams}, ${hyper.bucket} buckets, ${hyper.epoch} epochs max, lr ${hyper.lr}; student 1 thread with early stopping on 10% of train, fastText 2 threads`,
    peerName: binary ? 'fastText (Debian)' : 'fastText (not available)',
    repeats,
    metrics: [
      metric('accuracy', '%', 'higher', (run) => run.accuracy * 100),
      metric('training time', 's', 'lower', (run) => run.trainSeconds),
      metric('training throughput', 'tokens/s', 'higher', (run) => run.tokensPerSecond),
      metric('model size', 'KiB', 'lower', (run) => run.modelBytes / 1024),
      metric('inference', 'µs/example', 'lower', (run) => run.predictMicroseconds),
    ],
  };
  mkdirSync('docs', { recursive: true });
  writeReport([entry], machineFacts(binary), quick);
  process.stderr.write('wrote docs/benchmarks.md and docs/benchmarks.json\n');
}

await main();
