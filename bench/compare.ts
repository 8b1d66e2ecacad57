/**
 * One benchmark: Distillery's n-gram student vs fastText on one data set, same split, same hard
 * labels, comparable hyper-parameters, in the same run.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { taskSpecSchema } from '../src/task/schema.js';
import { createStudent } from '../src/student/index.js';
import type { TrainingExample } from '../src/student/index.js';
import { unitInterval } from '../src/util/hash.js';
import type { BenchDataset, BenchItem } from './datasets.js';
import { runFastText, type FastTextRun } from './fasttext-peer.js';
import { spread, type BenchmarkEntry, type Metric } from './report.js';

/** Hyper-parameters shared by both tools. */
export interface Hyper { dim: number; wordNgrams: number; bucket: number; epoch: number; lr: number }

/**
 * One student configuration a comparison trains: `kind` and task `student:` settings over the shared hyper-parameters;
 * `unlabelledTest` hands the test split's texts (never their labels) to fit as unlabelled inputs, as a
 * user's unpaid inputs would be. The first variant is the table's Distillery column; the others add rows.
 */
export interface StudentVariant { name: string; kind: string; settings?: Record<string, unknown>; unlabelledTest?: boolean }

/** The default: the n-gram student alone, as before variants existed. */
export const NGRAM_VARIANT: StudentVariant = { name: 'ngram', kind: 'ngram' };

/** The student's settings matching fastText's hyper-parameters. */
function studentSettings(hyper: Hyper, seed: number, threads: number, variant: StudentVariant = NGRAM_VARIANT) {
  const base = { name: 'bench', teacher: { baseURL: 'http://127.0.0.1/v1', model: 'none' }, prompt: { messages: [{ role: 'user', content: '{{text}}' }] }, labels: ['a', 'b'], inputs: { path: 'none' }, budget: { maxUSD: 1 } };
  return taskSpecSchema.parse({ ...base, student: { dim: hyper.dim, wordNgrams: hyper.wordNgrams, buckets: hyper.bucket, epochs: hyper.epoch, learningRate: hyper.lr, seed, threads, ...variant.settings, kind: variant.kind } }).student;
}

/** fastText splits on white space only; this splits the way the student does (words, and each other char). */
export function studentTokens(text: string): string {
  return (text.match(/[\p{L}\p{N}_$]+|[^\s\p{L}\p{N}_$]/gu) ?? []).join(' ');
}

const fastTextLine = (label: string, text: string) => `__label__${label} ${text.replace(/\s+/g, ' ').trim()}\n`;
const whitespaceTokens = (text: string) => text.split(/\s+/).filter(Boolean).length;

/** Figures of one training run of either tool. */
interface RunFigures { trainSeconds: number; accuracy: number; modelBytes: number; predictMicroseconds: number; tokensPerSecond: number }

/** Writes train/test files in fastText's format; `tokenise` pre-splits the text the student's way. */
function writeFastTextFiles(folder: string, name: string, train: BenchItem[], test: BenchItem[], tokenise: boolean) {
  const text = (item: BenchItem) => (tokenise ? studentTokens(item.text) : item.text);
  const files = { train: path.join(folder, `${name}-train.txt`), test: path.join(folder, `${name}-test.txt`), testOne: path.join(folder, `${name}-one.txt`), model: path.join(folder, `${name}-model`) };
  // fastText reads its training file in order without shuffling; data sets grouped by label (WordNet's files are)
  // would train it one class at a time, so the lines are put in a fixed pseudo-random order, as its docs advise.
  // (Each item's key hashed once, not inside the comparator.)
  const shuffled = train.map((item) => ({ item, key: unitInterval(`fasttext-order:${item.id}`) })).sort((a, b) => a.key - b.key).map(({ item }) => item);
  writeFileSync(files.train, shuffled.map((item) => fastTextLine(item.label, text(item))).join(''));
  writeFileSync(files.test, test.map((item) => fastTextLine(item.label, text(item))).join(''));
  const first = test[0];
  writeFileSync(files.testOne, first ? fastTextLine(first.label, text(first)) : '');
  return files;
}

/** Learning rates fastText is tried at. */
const PEER_LEARNING_RATES = [0.1, 0.25, 0.5, 1.0] as const;

/** fastText's learning rate with the best accuracy on `validation` when trained on the rest of `train`. */
function chooseFastTextLr(binary: string, folder: string, train: BenchItem[], validation: BenchItem[], hyper: Hyper): { lr: number; tried: Array<{ lr: number; accuracy: number }> } | null {
  if (validation.length === 0) return null;
  const held = new Set(validation);
  const files = writeFastTextFiles(folder, 'select', train.filter((item) => !held.has(item)), validation, false);
  const tried = PEER_LEARNING_RATES.map((lr) => ({ lr, accuracy: runFastText(binary, files, { ...hyper, lr, threads: 1, seed: 1 }, validation.length, { timing: false }).accuracy }));
  const best = tried.reduce((top, trial) => (trial.accuracy > top.accuracy ? trial : top));
  return { lr: best.lr, tried };
}

/** Accuracy, training time and throughput rows of a non-main variant, against the same fastText runs. */
function variantMetrics(name: string, runs: readonly RunFigures[], peer: readonly RunFigures[]): Metric[] {
  const row = (metric: string, unit: string, better: 'higher' | 'lower', pick: (run: RunFigures) => number): Metric => ({
    name: `${metric}, ${name}`, unit, better, ours: spread(runs.map(pick)), peer: peer.length > 0 ? spread(peer.map(pick)) : null,
  });
  return [
    row('accuracy', '%', 'higher', (run) => run.accuracy * 100),
    row('training time', 's', 'lower', (run) => run.trainSeconds),
    row('training throughput', 'tokens/s', 'higher', (run) => run.tokensPerSecond),
  ];
}

const threadsName = (threads: number): string => `${threads} thread${threads === 1 ? '' : 's'}`;

/** Accuracy, training time and throughput of both tools at another thread count, measured in the same repeats. */
function threadMetrics(threads: number, runs: readonly RunFigures[], peer: readonly RunFigures[]): Metric[] {
  const row = (metric: string, unit: string, better: 'higher' | 'lower', pick: (run: RunFigures) => number): Metric => ({
    name: `${metric}, ${threadsName(threads)} each`, unit, better, ours: spread(runs.map(pick)), peer: peer.length > 0 ? spread(peer.map(pick)) : null,
  });
  return [
    row('accuracy', '%', 'higher', (run) => run.accuracy * 100),
    row('training time', 's', 'lower', (run) => run.trainSeconds),
    row('training throughput', 'tokens/s', 'higher', (run) => run.tokensPerSecond),
  ];
}

/** The 1-minute load average, as `uptime` prints it. */
const loadNow = (): number => os.loadavg()[0] ?? Number.NaN;

/**
 * Runs the comparison `repeats` times and returns the benchmark entry. `threads` (default [1]): training
 * threads of both tools (student.threads = Hogwild over worker_threads, fastText -thread); the first
 * count fills the table's main rows, every further count adds accuracy, time and throughput rows for
 * both tools, trained in the same repeat so that the ratios share the machine's load.
 */
export function compare(dataset: BenchDataset, options: {
  hyper: Hyper; repeats: number; fastText: string | null; command: string; threads?: number | readonly number[]; variants?: StudentVariant[];
  /** fastText's learning rate taken as given (quick mode: the full run's validation choice) instead of chosen here; `from` says where it came from. */
  peerLr?: { lr: number; from: string } | null;
  /** The peer's side figures (quantised model, the student's tokenisation, predict timed fastest of 3): true unless quick. */
  peerExtras?: boolean;
}): BenchmarkEntry {
  const { hyper, repeats, fastText } = options;
  const [threads = 1, ...moreThreads] = typeof options.threads === 'number' ? [options.threads] : options.threads ?? [1];
  const loadAtStart = loadNow();
  const labels = [...new Set(dataset.items.map((item) => item.label))].sort();
  const inTest = (item: BenchItem) => unitInterval(`bench-split:${dataset.id}:${item.id}`) >= 0.8;
  const train = dataset.items.filter((item) => !inTest(item));
  const test = dataset.items.filter(inTest);
  // The student early-stops on a slice of its training data (and also trains on it); fastText trains on all of it for every epoch.
  const validation = train.filter((item) => unitInterval(`bench-val:${dataset.id}:${item.id}`) < 0.1);
  const toExample = (item: BenchItem): TrainingExample => ({ text: item.text, label: labels.indexOf(item.label), soft: null });
  const trainExamples = train.map(toExample);
  const validationExamples = validation.map(toExample);
  const trainTokens = train.reduce((sum, item) => sum + whitespaceTokens(item.text), 0);
  // fastText's input matrix has a row per word of its vocabulary (white-space words of the training file, minCount 1,
  // plus its end-of-line token </s>) and `bucket` rows for the n-grams; the student hashes words and n-grams into one
  // table, so it gets as many rows as fastText has: fewer collisions on sets with many words (WordNet's 100k).
  const vocabulary = new Set(train.flatMap((item) => item.text.split(/\s+/).filter(Boolean))).size + 1;
  const studentHyper: Hyper = { ...hyper, bucket: hyper.bucket + vocabulary };
  const folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-bench-'));
  const rawFiles = writeFastTextFiles(folder, 'raw', train, test, false);
  const tokenisedFiles = options.peerExtras ?? true ? writeFastTextFiles(folder, 'tok', train, test, true) : rawFiles;

  // fastText's best learning rate differs by data set (lr 0.5 diverges on the 45-label WordNet set): pick it on a
  // validation split it does not train on, never on the test set, so the peer is compared at its best.
  const givenLr = options.peerLr ?? null;
  const peerExtras = options.peerExtras ?? true;
  const peerLr = fastText && givenLr === null ? chooseFastTextLr(fastText, folder, train, validation, hyper) : null;
  const peerHyper = givenLr !== null ? { ...hyper, lr: givenLr.lr } : peerLr === null ? hyper : { ...hyper, lr: peerLr.lr };
  const ours: RunFigures[] = [];
  const peer: Array<RunFigures & FastTextRun> = [];
  const peerTokenised: FastTextRun[] = [];
  const studentEpochs: number[] = [];
  const studentOwnTokensPerSecond: number[] = [];
  const [main = NGRAM_VARIANT, ...others] = options.variants ?? [NGRAM_VARIANT];
  const otherRuns = others.map(() => [] as RunFigures[]);
  const threadRuns = moreThreads.map(() => ({ ours: [] as RunFigures[], peer: [] as RunFigures[] }));
  const testTexts = test.map((item) => item.text);
  const runStudent = (variant: StudentVariant, seed: number, studentThreads = threads) => {
    const student = createStudent(variant.kind, labels, studentSettings(studentHyper, seed, studentThreads, variant));
    // A fresh array per run: pre-training is cached per training array, and every variant's time must include its own.
    const fit = student.fit([...trainExamples], validationExamples, variant.unlabelledTest === true ? { unlabelledTexts: testTexts } : {});
    for (const item of test.slice(0, 50)) student.predict(item.text); // warm the predict path
    const start = performance.now();
    let correct = 0;
    for (const item of test) if (student.predict(item.text).label === item.label) correct++;
    const predictMicroseconds = ((performance.now() - start) / test.length) * 1000;
    const figures: RunFigures = { trainSeconds: fit.seconds, accuracy: correct / test.length, modelBytes: student.toBytes().length, predictMicroseconds, tokensPerSecond: (trainTokens * fit.epochs.length) / fit.seconds };
    return { fit, figures };
  };
  for (let repeat = 0; repeat < repeats; repeat++) {
    const { fit, figures } = runStudent(main, repeat + 1);
    studentEpochs.push(fit.epochs.length);
    studentOwnTokensPerSecond.push(fit.tokensPerSecond);
    ours.push(figures);
    others.forEach((variant, index) => {
      const run = runStudent(variant, repeat + 1).figures;
      (otherRuns[index] as RunFigures[]).push(run);
      process.stderr.write(`  ${dataset.id} repeat ${repeat + 1}/${repeats}: ${variant.name} ${run.accuracy.toFixed(3)} in ${run.trainSeconds.toFixed(1)} s\n`);
    });
    if (fastText) {
      const ftOptions = { ...peerHyper, threads, seed: repeat + 1 };
      const run = runFastText(fastText, rawFiles, ftOptions, test.length, { timing: true, extras: peerExtras });
      peer.push({ ...run, tokensPerSecond: (trainTokens * peerHyper.epoch) / run.trainSeconds });
      if (peerExtras) peerTokenised.push(runFastText(fastText, tokenisedFiles, ftOptions, test.length));
    }
    process.stderr.write(`  ${dataset.id} repeat ${repeat + 1}/${repeats}: ${main.name} ${(ours.at(-1)?.accuracy ?? 0).toFixed(3)} in ${(ours.at(-1)?.trainSeconds ?? 0).toFixed(1)} s${fastText ? `, fastText ${(peer.at(-1)?.accuracy ?? 0).toFixed(3)} in ${(peer.at(-1)?.trainSeconds ?? 0).toFixed(1)} s` : ''}\n`);
    moreThreads.forEach((count, index) => {
      const runs = threadRuns[index] as { ours: RunFigures[]; peer: RunFigures[] };
      runs.ours.push(runStudent(main, repeat + 1, count).figures);
      if (fastText) {
        const run = runFastText(fastText, rawFiles, { ...peerHyper, threads: count, seed: repeat + 1 }, test.length, { timing: false });
        runs.peer.push({ ...run, tokensPerSecond: (trainTokens * peerHyper.epoch) / run.trainSeconds });
      }
      process.stderr.write(`  ${dataset.id} repeat ${repeat + 1}/${repeats}, ${threadsName(count)}: ${main.name} ${(runs.ours.at(-1)?.accuracy ?? 0).toFixed(3)} in ${(runs.ours.at(-1)?.trainSeconds ?? 0).toFixed(1)} s${fastText ? `, fastText ${(runs.peer.at(-1)?.accuracy ?? 0).toFixed(3)} in ${(runs.peer.at(-1)?.trainSeconds ?? 0).toFixed(1)} s` : ''} (load ${loadNow().toFixed(1)})\n`);
    });
  }
  rmSync(folder, { recursive: true, force: true });
  const loadAtEnd = loadNow();

  const metric = (name: string, unit: string, better: 'higher' | 'lower', pick: (run: RunFigures) => number): Metric => ({
    name, unit, better, ours: spread(ours.map(pick)), peer: peer.length > 0 ? spread(peer.map(pick)) : null,
  });
  const median = (values: readonly number[]) => spread(values).median;
  const notes = [
    `Student: ${hyper.epoch} epochs at most with early stopping (patience 4) on ${validation.length} validation examples taken from the training split; epochs run: ${studentEpochs.join(', ')}. Its own FitReport throughput (its own tokeniser, training passes only): median ${Math.round(median(studentOwnTokensPerSecond)).toLocaleString('en')} tokens/s.`,
    'Throughput above uses one definition for both: white-space tokens of the training split × epochs run ÷ training wall time. fastText\'s time is the whole `fasttext supervised` process (start-up, reading, saving the .bin); the student\'s is `fit` (featurising once, validation each epoch).',
    `Load average (1 min, as \`uptime\` prints it) ${loadAtStart.toFixed(1)} at the start of this entry and ${loadAtEnd.toFixed(1)} at its end, on ${os.availableParallelism()} cores: the machine was shared, so absolute times are slow and noisy; the ratios compare the two tools trained one after the other in the same repeat.`,
    'Inference: the student is timed in-process over the test split (featurising included, after a warm-up of 50 calls); fastText is `fasttext predict` over the test file minus the same command on one line (fastest of 3 each), divided by the examples.',
  ];
  if (givenLr !== null) notes.push(`fastText's learning rate ${givenLr.lr} was not chosen in this run: ${givenLr.from}. The student keeps lr ${hyper.lr} (Adagrad) on every set.`);
  if (peerLr !== null) notes.push(`fastText's learning rate was chosen on the validation examples (trained without them) from ${peerLr.tried.map((trial) => `${trial.lr} → ${(trial.accuracy * 100).toFixed(1)} %`).join(', ')}: lr ${peerLr.lr}. The student keeps lr ${hyper.lr} (Adagrad) on every set.`);
  if (peer.length > 0) {
    notes.push(`fastText \`predict\` start-up + model load (one line): median ${(median(peer.map((run) => run.predictStartupSeconds)) * 1000).toFixed(0)} ms, excluded above.`);
    const quantised = peer.filter((run) => run.quantisedBytes !== null);
    if (!peerExtras) notes.push('Quick mode: fastText `predict` timed once (not fastest of 3); no quantised model and no run on the student\'s tokenisation.');
    if (quantised.length > 0) notes.push(`fastText quantised (\`fasttext quantize\`, no retraining) .ftz: ${(median(quantised.map((run) => run.quantisedBytes ?? 0)) / 1024).toFixed(0)} KiB, accuracy ${(median(quantised.map((run) => run.quantisedAccuracy ?? 0)) * 100).toFixed(1)} %.`);
    if (peerTokenised.length > 0) notes.push(`fastText fed the student's tokenisation (punctuation split off, as the student's featuriser does): accuracy ${(median(peerTokenised.map((run) => run.accuracy)) * 100).toFixed(1)} %, training ${median(peerTokenised.map((run) => run.trainSeconds)).toFixed(2)} s — the table's fastText gets the raw text, white-space split.`);
  }
  return {
    id: `student-vs-fasttext-${dataset.id}`,
    title: `n-gram student vs fastText: ${dataset.title}`,
    command: options.command,
    dataset: `${dataset.items.length} examples, ${labels.length} labels, ${train.length} train / ${test.length} test by hash; ${dataset.source}`,
    settings: `dim ${hyper.dim}, word n-grams ${hyper.wordNgrams}, ${hyper.bucket} buckets (fastText's n-gram rows, besides a row for each of its ${vocabulary} vocabulary words; the student's buckets ${studentHyper.bucket}, as many rows in one hashed table), ${hyper.epoch} epochs, lr ${hyper.lr} (student) / ${peerHyper.lr} (fastText, ${givenLr !== null ? 'the full run\'s choice on validation' : 'chosen on validation'}), softmax, hard labels only; ${threads === 1 ? 'both single-threaded (fastText -thread 1)' : `${threads} training threads each (student.threads ${threads}, Hogwild; fastText -thread ${threads})`}${moreThreads.map((count) => `; rows "${threadsName(count)} each": student.threads ${count} (Hogwild over worker_threads) and fastText -thread ${count}`).join('')}`,
    peerName: fastText ? 'fastText (Debian)' : 'fastText (not available)',
    repeats,
    metrics: [
      metric('accuracy', '%', 'higher', (run) => run.accuracy * 100),
      metric('training time', 's', 'lower', (run) => run.trainSeconds),
      metric('training throughput', 'tokens/s', 'higher', (run) => run.tokensPerSecond),
      metric('model size', 'KiB', 'lower', (run) => run.modelBytes / 1024),
      metric('inference', 'µs/example', 'lower', (run) => run.predictMicroseconds),
      ...moreThreads.flatMap((count, index) => threadMetrics(count, threadRuns[index]?.ours ?? [], threadRuns[index]?.peer ?? [])),
      ...others.flatMap((variant, index) => variantMetrics(variant.name, otherRuns[index] as RunFigures[], peer)),
    ],
    notes,
    extra: {
      studentVariants: [main, ...others],
      variantRuns: Object.fromEntries(others.map((variant, index) => [variant.name, otherRuns[index]])),
      studentEpochsRun: studentEpochs,
      threads: [threads, ...moreThreads],
      threadRuns: Object.fromEntries(moreThreads.map((count, index) => [count, threadRuns[index]])),
      loadAverage: { start: loadAtStart, end: loadAtEnd },
      peerLearningRate: peerHyper.lr,
      studentBuckets: studentHyper.bucket,
      peerLearningRateTried: peerLr?.tried ?? null,
      studentOwnTokensPerSecond,
      peerQuantised: peer.map((run) => ({ bytes: run.quantisedBytes, accuracy: run.quantisedAccuracy })),
      peerStudentTokenisation: peerTokenised.map((run) => ({ accuracy: run.accuracy, trainSeconds: run.trainSeconds, modelBytes: run.modelBytes, predictMicroseconds: run.predictMicroseconds })),
      peerPredictStartupSeconds: peer.map((run) => run.predictStartupSeconds),
    },
  };
}
