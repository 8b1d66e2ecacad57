/** Writes benchmark entries to docs/benchmarks.md (for people) and docs/benchmarks.json (for scripts). */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';

/** Minimum, median and maximum of repeated measurements. */
export interface Spread { min: number; median: number; max: number }

/** One measured quantity for both tools; ratio = ours / peer on medians. */
export interface Metric { name: string; unit: string; better: 'higher' | 'lower'; ours: Spread; peer: Spread | null }

/** One benchmark: what was run, on what, and its figures. */
export interface BenchmarkEntry {
  id: string; title: string; command: string; dataset: string; settings: string; peerName: string; repeats: number; metrics: Metric[];
  /** Sentences printed under the table. */
  notes: string[];
  /** Raw per-repeat figures kept in the JSON only. */
  extra: Record<string, unknown>;
}

/** Min / median / max of a list. */
export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0] ?? Number.NaN, median: sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN, max: sorted[sorted.length - 1] ?? Number.NaN };
}

/** Cores, CPU, Node and the peer's version: the facts a reader needs to compare figures. */
export function machineFacts(fastText: string | null): Record<string, string> {
  let peerVersion = 'not installed';
  if (fastText) {
    try {
      peerVersion = execFileSync('dpkg-query', ['-W', '-f=${Version}', 'fasttext'], { encoding: 'utf8' });
    } catch {
      peerVersion = 'unknown version';
    }
  }
  return { cores: String(os.cpus().length), cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version, fastText: peerVersion, date: new Date().toISOString().slice(0, 10) };
}

const format = (value: number) => (Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(2));
const cell = (value: Spread | null) => (value === null ? 'n/a' : `${format(value.min)} / **${format(value.median)}** / ${format(value.max)}`);

/** Writes both files. */
export function writeReport(entries: readonly BenchmarkEntry[], facts: Record<string, string>, quick: boolean): void {
  const machine = `${facts['cores']} cores (${facts['cpu']}), Node ${facts['node']}, fastText ${facts['fastText']}, ${facts['date']}`;
  const lines = ['# Benchmarks', '', `Machine: ${machine}.${quick ? ' **Quick mode**: smaller sets, one repeat.' : ''}`, '', 'Figures are min / **median** / max over the repeats; the ratio compares medians (Distillery ÷ peer). Every benchmark trains both tools on the same split with the same hard labels in the same run; the data are loaded from npm packages at bench time (devDependencies), never copied into the repository.', ''];
  for (const entry of entries) {
    lines.push(`## ${entry.title}`, '', `Reproduce: \`${entry.command}\`. Machine: ${machine}.`, '', `Data: ${entry.dataset}.`, '', `Settings: ${entry.settings}. Repeats: ${entry.repeats}.`, '', `| metric | Distillery | ${entry.peerName} | ratio |`, '|---|---|---|---|');
    for (const metric of entry.metrics) {
      const ratio = metric.peer === null ? 'n/a' : `${(metric.ours.median / metric.peer.median).toFixed(2)}× (${metric.better} is better)`;
      lines.push(`| ${metric.name} (${metric.unit}) | ${cell(metric.ours)} | ${cell(metric.peer)} | ${ratio} |`);
    }
    lines.push('', ...entry.notes.map((note) => `- ${note}`), '');
  }
  writeFileSync('docs/benchmarks.md', `${lines.join('\n')}\n`);
  const json = entries.map((entry) => ({ ...entry, metrics: entry.metrics.map((metric) => ({ ...metric, ratio: metric.peer === null ? null : metric.ours.median / metric.peer.median })) }));
  writeFileSync('docs/benchmarks.json', `${JSON.stringify({ machine: facts, quick, benchmarks: json }, null, 2)}\n`);
}
