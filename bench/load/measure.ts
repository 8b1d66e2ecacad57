/** Shared pieces of the load benchmarks: request bodies, CPU accounting of child servers, spreads of runs. */
import os from 'node:os';
import type { ChildServer } from './child.js';
import type { LoadResult } from './http-load.js';
import { spread, type Metric } from '../report.js';

/** A chat completion body as a distillation client sends it (logprobs over the synthetic task's four labels). */
export function chatBody(model: string): string {
  return JSON.stringify({ model, messages: [{ role: 'user', content: 'the striker took a penalty and the keeper saved it in the match' }], logprobs: true, top_logprobs: 4, max_tokens: 1 });
}

/** A load run plus the CPU time (user + system) each listed child spent per answered request, in µs. */
export interface MeasuredLoad extends LoadResult {
  cpuMicrosPerRequest: number[];
}

/** Runs `load` and charges the CPU the children used meanwhile to its answered requests. */
export async function withServerCpu(children: readonly ChildServer[], load: () => Promise<LoadResult>): Promise<MeasuredLoad> {
  const before = await Promise.all(children.map((child) => child.cpuMicros()));
  const result = await load();
  const after = await Promise.all(children.map((child) => child.cpuMicros()));
  return { ...result, cpuMicrosPerRequest: after.map((micros, index) => (micros - (before[index] ?? 0)) / Math.max(1, result.answered)) };
}

/** A metric from per-repeat values of both sides. */
export function metric(name: string, unit: string, better: 'higher' | 'lower', ours: readonly number[], peer: readonly number[] | null): Metric {
  return { name, unit, better, ours: spread(ours), peer: peer === null ? null : spread(peer) };
}

/** Median of a list. */
export const median = (values: readonly number[]): number => spread(values).median;

/** "met" / "missed" against a goal, for the notes. */
export function verdict(value: number, goal: number, better: 'higher' | 'lower'): string {
  return (better === 'higher' ? value >= goal : value <= goal) ? 'met' : 'missed';
}

/** The 1-minute load average and core count, noted with every figure so a busy machine shows. */
export function loadNote(): string {
  const [one] = os.loadavg();
  return `Load average when the section started: ${(one ?? 0).toFixed(2)} on ${os.cpus().length} cores; the load generator and every server run as separate processes, so a busy or small machine lowers all figures and raises p99.`;
}

/** Where `--profile=DIR` puts the children's `--cpu-prof` profiles, or null. */
export function profileDir(argument: (name: string) => string | undefined): string | null {
  return argument('profile') ?? null;
}
