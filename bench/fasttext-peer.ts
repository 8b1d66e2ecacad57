/** Debian's `fasttext` binary as a benchmark peer: install where missing, train, test, time prediction. */
import { execFileSync, spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';

/** The fasttext binary's path, installing Debian's package where it is missing; null when impossible. */
export function ensureFastText(): string | null {
  const found = spawnSync('sh', ['-c', 'command -v fasttext'], { encoding: 'utf8' });
  if (found.status === 0) return found.stdout.trim();
  process.stderr.write('fasttext is missing: trying apt-get install -y fasttext\n');
  const install = spawnSync('sh', ['-c', 'apt-get install -y -qq fasttext >/dev/null 2>&1 || (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq fasttext >/dev/null 2>&1)'], { stdio: 'inherit' });
  if (install.status !== 0) return null;
  return spawnSync('sh', ['-c', 'command -v fasttext'], { encoding: 'utf8' }).stdout.trim() || null;
}

/** Seconds a command takes, process start-up included. */
function timed(binary: string, args: readonly string[]): { seconds: number; stdout: string } {
  const start = performance.now();
  const stdout = execFileSync(binary, args, { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] });
  return { seconds: (performance.now() - start) / 1000, stdout };
}

/** Fastest of `times` runs (start-up noise only ever adds time). */
function fastest(binary: string, args: readonly string[], times: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let run = 0; run < times; run++) best = Math.min(best, timed(binary, args).seconds);
  return best;
}

/** One fastText training and evaluation. */
export interface FastTextRun {
  trainSeconds: number;
  accuracy: number;
  modelBytes: number;
  /** Prediction time per example, the process start-up and model load (timed on one line) subtracted. */
  predictMicroseconds: number;
  /** Start-up plus model load of `fasttext predict` (the one-line run), for the notes. */
  predictStartupSeconds: number;
  /** The quantised model (`fasttext quantize`, no retraining): size and accuracy; null when it failed. */
  quantisedBytes: number | null;
  quantisedAccuracy: number | null;
}

/** fastText's hyper-parameters as used here. */
export interface FastTextOptions { dim: number; wordNgrams: number; bucket: number; epoch: number; lr: number; threads: number; seed: number }

/** Precision at one from `fasttext test` (equals accuracy with one label per line). */
function testAccuracy(binary: string, model: string, testFile: string): number {
  const precision = /P@1\s+([0-9.]+)/.exec(timed(binary, ['test', model, testFile]).stdout);
  return precision?.[1] ? Number(precision[1]) : Number.NaN;
}

/** Trains on `files.train` (fastText's `__label__` format), scores on `files.test`, times prediction, quantises. */
export function runFastText(binary: string, files: { train: string; test: string; testOne: string; model: string }, options: FastTextOptions, testCount: number, what: { timing: boolean; extras?: boolean } = { timing: true }): FastTextRun {
  const train = timed(binary, ['supervised', '-input', files.train, '-output', files.model, '-dim', String(options.dim), '-wordNgrams', String(options.wordNgrams), '-bucket', String(options.bucket), '-epoch', String(options.epoch), '-lr', String(options.lr), '-thread', String(options.threads), '-seed', String(options.seed), '-verbose', '0']);
  const model = `${files.model}.bin`;
  const accuracy = testAccuracy(binary, model, files.test);
  // Selection runs need only the accuracy.
  if (!what.timing) return { trainSeconds: train.seconds, accuracy, modelBytes: statSync(model).size, predictMicroseconds: Number.NaN, predictStartupSeconds: Number.NaN, quantisedBytes: null, quantisedAccuracy: null };
  // Without extras (quick mode): predict timed once, no quantised model.
  const extras = what.extras ?? true;
  const all = fastest(binary, ['predict', model, files.test], extras ? 3 : 1);
  const one = fastest(binary, ['predict', model, files.testOne], extras ? 3 : 1);
  let quantisedBytes: number | null = null;
  let quantisedAccuracy: number | null = null;
  if (extras) try {
    timed(binary, ['quantize', '-input', files.train, '-output', files.model]);
    quantisedBytes = statSync(`${files.model}.ftz`).size;
    quantisedAccuracy = testAccuracy(binary, `${files.model}.ftz`, files.test);
  } catch {
    // quantize is optional: its figures stay null
  }
  return {
    trainSeconds: train.seconds,
    accuracy,
    modelBytes: statSync(model).size,
    predictMicroseconds: (Math.max(0, all - one) / Math.max(1, testCount - 1)) * 1e6,
    predictStartupSeconds: one,
    quantisedBytes,
    quantisedAccuracy,
  };
}
