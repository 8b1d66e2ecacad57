/**
 * lm-two-cores: what a second core could add to training, measured as the combined tokens/s of two
 * independent single-thread training processes run at the same time against one run alone (same
 * model, batch and steps). Data-parallel training over two workers can at best reach that combined
 * rate (it also pays for summing gradients and waiting for the slower half), so when the ratio is
 * near 1 on this machine a second worker cannot pay here.
 */
import { execFile } from 'node:child_process';
import os from 'node:os';
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

/** What the ratio says, given the load it was measured under. */
export function twoCoresFindings(ratio: number, load: number, cores: number): string[] {
  const findings = [`The combined rate is ${format(ratio)}× one process's: the most that splitting each batch over two worker threads could gain on this machine at this moment, before the cost of summing gradients every step and waiting for the slower half.`];
  if (load > cores) findings.push(`The machine was oversubscribed (load ${load.toFixed(0)} on ${cores} cores), so the scheduler shares the cores among all runnable threads: two processes get about twice one process's share whether or not a core is free, and the ratio measures that share, not a free second core. This run cannot tell whether data-parallel training pays on a dedicated 2-core machine; training stays on one thread (there is no \`threads\` setting).`);
  else findings.push(ratio >= 1.3 ? 'A second core was free here: data-parallel training could pay.' : 'The second core was mostly taken by other work, so training stays on one thread (there is no `threads` setting).');
  return findings;
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
    notes: twoCoresFindings(ratio, os.loadavg()[0] as number, os.cpus().length),
    extra: { alone, together, ratio },
  };
}
