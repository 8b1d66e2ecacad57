/** Debian's `fasttext` binary as a benchmark peer: install where missing, train, test, time prediction. */
import { execFileSync, spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';

/** The fasttext binary's path, installing Debian's package where it is missing; null when impossible. */
export function ensureFastText(): string | null {
  const found = spawnSync('sh', ['-c', 'command -v fasttext'], { encoding: 'utf8' });
  if (found.status === 0) return found.stdout.trim();
  const install = spawnSync('sh', ['-c', 'apt-get install -y -qq fasttext >/dev/null 2>&1 || (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq fasttext >/dev/null 2>&1)'], { stdio: 'inherit' });
  if (install.status !== 0) return null;
  return spawnSync('sh', ['-c', 'command -v fasttext'], { encoding: 'utf8' }).stdout.trim() || null;
}

/** Seconds a command takes, start-up included. */
function timed(binary: string, args: readonly string[]): { seconds: number; stdout: string } {
  const start = performance.now();
  const stdout = execFileSync(binary, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  return { seconds: (performance.now() - start) / 1000, stdout };
}

/** One fastText training and evaluation with the given hyper-parameters. */
export interface FastTextRun {
  trainSeconds: number;
  accuracy: number;
  modelBytes: number;
  /** Prediction time per example with the process start-up (measured on one line) subtracted. */
  predictMicroseconds: number;
}

/** Trains on `trainFile`, scores on `testFile` (fastText's `__label__` format), and times prediction. */
export function runFastText(binary: string, files: { train: string; test: string; testOne: string; model: string }, options: { dim: number; wordNgrams: number; bucket: number; epoch: number; lr: number; threads: number }, testCount: number): FastTextRun {
  const train = timed(binary, ['supervised', '-input', files.train, '-output', files.model, '-dim', String(options.dim), '-wordNgrams', String(options.wordNgrams), '-bucket', String(options.bucket), '-epoch', String(options.epoch), '-lr', String(options.lr), '-thread', String(options.threads), '-verbose', '0']);
  const test = timed(binary, ['test', `${files.model}.bin`, files.test]);
  const precision = /P@1\s+([0-9.]+)/.exec(test.stdout);
  const all = timed(binary, ['predict', `${files.model}.bin`, files.test]);
  const one = timed(binary, ['predict', `${files.model}.bin`, files.testOne]);
  return {
    trainSeconds: train.seconds,
    accuracy: precision?.[1] ? Number(precision[1]) : Number.NaN,
    modelBytes: statSync(`${files.model}.bin`).size,
    predictMicroseconds: (Math.max(0, all.seconds - one.seconds) / Math.max(1, testCount - 1)) * 1e6,
  };
}
