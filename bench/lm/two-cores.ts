/**
 * lm-two-cores: what a second core could add to training, measured as the combined tokens/s of two
 * independent single-thread training processes run at the same time against one run alone (same
 * model, batch and steps). Data-parallel training over two workers can at best reach that combined
 * rate (it also pays for summing gradients and waiting for the slower half), so when the ratio is
 * near 1 on this machine a second worker cannot pay here.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { parameterCountOf } from '../../src/student/lm/config.js';
import type { BenchOptions } from '../options.js';
import { format, spread, type BenchmarkEntry } from '../report.js';
import { sizedConfig } from './training-entries.js';

const here = path.dirname(new URL(import.meta.url).pathname);
const run = promisify(execFile);

/** Training tokens/s of one probe process. */
async function probeSpeed(request: Record<string, unknown>): Promise<number> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', path.join(here, 'probe.ts'), JSON.stringify(request)], { encoding: 'utf8' });
  return (JSON.parse(stdout) as { tokensPerSecond: number }).tokensPerSecond;
}

/** The lm-two-cores entry. */
export async function twoCoresEntry(options: BenchOptions): Promise<BenchmarkEntry> {
  const length = Number(options.argument('lm-length') ?? 64);
  const config = sizedConfig(2048, 256, 6, length);
  const request = { mode: 'train', config, batch: 8, length, steps: options.quick ? 2 : 6 };
  const alone: number[] = [];
  const together: number[] = [];
  for (let repeat = 0; repeat < options.repeats; repeat++) {
    alone.push(await probeSpeed(request));
    const pair = await Promise.all([probeSpeed(request), probeSpeed(request)]);
    together.push(pair[0] + pair[1]);
  }
  const ratio = spread(together).median / spread(alone).median;
  return {
    id: 'lm-two-cores', title: 'Language-model student: what a second core adds to training', command: options.command,
    dataset: 'fixed tokens', settings: `${(parameterCountOf(config) / 1e6).toFixed(1)}M parameters, batch 8 × ${length}, ${request.steps} timed steps; two single-thread training processes at once vs one alone`,
    peerName: 'one process alone', oursName: 'two processes at once (sum)', repeats: options.repeats,
    metrics: [{ name: 'combined training throughput', unit: 'tokens/s', better: 'higher', ours: spread(together), peer: spread(alone) }],
    notes: [
      `The combined rate is ${format(ratio)}× one process's: the most that splitting each batch over two worker threads could gain on this machine at this moment, before the cost of summing gradients every step and waiting for the slower half.`,
      ratio >= 1.3 ? 'A second core is available here: data-parallel training could pay.' : 'The second core is mostly taken by other work on this shared machine, so training stays on one thread (there is no `threads` setting); on a machine without other load the ceiling would be higher, which this run does not measure.',
    ],
    extra: { alone, together, ratio },
  };
}
