/**
 * Writes benchmark figures to docs/benchmarks.md (for people) and docs/benchmarks.json (for scripts).
 * Each benchmark script owns one section, delimited in the Markdown by `<!-- bench:ID -->` markers and
 * tagged `section: ID` in the JSON, and rewrites only its own: running one script never erases another's figures.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Minimum, median and maximum of repeated measurements. */
export interface Spread { min: number; median: number; max: number }

/** One measured quantity for both sides; ratio = ours / peer on medians. */
export interface Metric { name: string; unit: string; better: 'higher' | 'lower'; ours: Spread; peer: Spread | null }

/** One benchmark: what was run, on what, and its figures. */
export interface BenchmarkEntry {
  id: string; title: string; command: string; dataset: string; settings: string; peerName: string; repeats: number; metrics: Metric[];
  /** Sentences printed under the table. */
  notes: string[];
  /** Raw per-repeat figures (and anything else machine-readable) kept in the JSON only. */
  extra: Record<string, unknown>;
  /** Markdown placed between the settings line and the table (e.g. a chart image, a custom table). */
  body?: string;
  /** Column heading for our side; default 'Distillery'. */
  oursName?: string;
}

/** The sections in the order they appear in docs/benchmarks.md; a section not listed goes last. */
export const SECTION_ORDER = ['student-vs-fasttext', 'distillation-effect', 'hinton-fashion-mnist', 'student-vs-teacher', 'machinery', 'guard-detection', 'guard-overhead', 'production', 'watermark-calibration', 'evidence-gating', 'evidence', 'lm-student', 'generative'] as const;

/** Where reports go: docs/ for full runs; quick runs default elsewhere so they never overwrite the published figures. */
let DOCS = 'docs';
let MARKDOWN = path.join(DOCS, 'benchmarks.md');
let JSON_FILE = path.join(DOCS, 'benchmarks.json');

/** Sets the folder benchmarks.md, benchmarks.json and the charts are written to. */
export function setOutputDirectory(directory: string): void {
  DOCS = directory;
  MARKDOWN = path.join(DOCS, 'benchmarks.md');
  JSON_FILE = path.join(DOCS, 'benchmarks.json');
}

/** The folder reports are written to. */
export function outputDirectory(): string {
  return DOCS;
}

/** Min / median / max of a list. */
export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0] ?? Number.NaN, median: sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN, max: sorted[sorted.length - 1] ?? Number.NaN };
}

/** Cores, CPU, Node and (when given) the fastText peer's version: the facts a reader needs to compare figures. */
export function machineFacts(fastText: string | null = null): Record<string, string> {
  const facts: Record<string, string> = { cores: String(os.cpus().length), cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version, date: new Date().toISOString().slice(0, 10) };
  if (fastText) {
    try {
      facts['fastText'] = execFileSync('dpkg-query', ['-W', '-f=${Version}', 'fasttext'], { encoding: 'utf8' });
    } catch {
      facts['fastText'] = 'unknown version';
    }
  }
  return facts;
}

/** One line describing the machine. */
export function machineLine(facts: Record<string, string>): string {
  return `${facts['cores']} cores (${facts['cpu']}), Node ${facts['node']}${facts['fastText'] ? `, fastText ${facts['fastText']}` : ''}, ${facts['date']}`;
}

/** A figure with sensible precision. */
export const format = (value: number) => (!Number.isFinite(value) ? String(value) : Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(1) : Math.abs(value) >= 0.01 || value === 0 ? value.toFixed(2) : value.toPrecision(2));
const cell = (value: Spread | null) => (value === null ? 'n/a' : `${format(value.min)} / **${format(value.median)}** / ${format(value.max)}`);

/** Markdown for standard entries: settings, table with ratios, notes. */
export function renderEntries(entries: readonly BenchmarkEntry[], facts: Record<string, string>): string[] {
  const lines: string[] = [];
  for (const entry of entries) {
    lines.push(`### ${entry.title}`, '', `Reproduce: \`${entry.command}\`. Machine: ${machineLine(facts)}.`, '', `Data: ${entry.dataset}.`, '', `Settings: ${entry.settings}. Repeats: ${entry.repeats}.`, '');
    if (entry.body) lines.push(entry.body, '');
    if (entry.metrics.length > 0) {
      lines.push(`| metric | ${entry.oursName ?? 'Distillery'} | ${entry.peerName} | ratio |`, '|---|---|---|---|');
      for (const metric of entry.metrics) {
        const ratio = metric.peer === null ? 'n/a' : `${format(metric.ours.median / metric.peer.median)}× (${metric.better} is better)`;
        lines.push(`| ${metric.name} (${metric.unit}) | ${cell(metric.ours)} | ${cell(metric.peer)} | ${ratio} |`);
      }
      lines.push('');
    }
    lines.push(...entry.notes.map((note) => `- ${note}`), '');
  }
  return lines;
}

/** The JSON form of an entry: every metric with its ratio. */
function jsonEntry(section: string, entry: BenchmarkEntry, quick: boolean, facts: Record<string, string>): Record<string, unknown> {
  const { body: _body, ...rest } = entry;
  return { section, quick, machine: facts, ...rest, metrics: entry.metrics.map((metric) => ({ ...metric, ratio: metric.peer === null ? null : metric.ours.median / metric.peer.median })) };
}

const START = (id: string) => `<!-- bench:${id} -->`;
const END = (id: string) => `<!-- /bench:${id} -->`;
const HEADER = ['# Benchmarks', '', 'Every figure below was measured by the command printed with it, on the machine named with it. Figures are min / **median** / max over the repeats; ratios compare medians (Distillery ÷ peer) measured in the same run. Data are loaded from npm or Debian packages at bench time, never copied into the repository. `npm run bench` runs every section; `npm run bench -- --quick` is the small version CI runs.', ''].join('\n');

/** Splits docs/benchmarks.md into its sections by id. */
function readSections(): Map<string, string> {
  const sections = new Map<string, string>();
  if (!existsSync(MARKDOWN)) return sections;
  const text = readFileSync(MARKDOWN, 'utf8');
  for (const match of text.matchAll(/<!-- bench:([\w-]+) -->\n([\s\S]*?)<!-- \/bench:\1 -->/g)) sections.set(match[1] as string, match[2] as string);
  return sections;
}

function sectionRank(id: string): number {
  const index = (SECTION_ORDER as readonly string[]).indexOf(id);
  return index === -1 ? SECTION_ORDER.length : index;
}

/** What one benchmark script publishes. */
export interface SectionReport {
  /** Section id (see SECTION_ORDER). */
  id: string;
  /** The section heading (## level). */
  title: string;
  /** Markdown under the heading, before the entries (e.g. a summary table or chart). */
  intro?: string;
  entries: readonly BenchmarkEntry[];
  quick: boolean;
  facts: Record<string, string>;
  /** A run of part of the section: previous entries it does not rewrite are kept as they were (and the previous intro, when `intro` is absent). */
  partial?: boolean;
}

/** The previous Markdown of the entries a partial run keeps, and the heading and intro before them. */
function keptMarkdown(body: string | undefined, titles: readonly string[]): { preamble: string | null; blocks: string[] } {
  if (body === undefined) return { preamble: null, blocks: [] };
  const parts = body.split(/^(?=### )/m);
  const blocks = parts.slice(1).filter((block) => titles.some((title) => block.startsWith(`### ${title}\n`)));
  return { preamble: parts[0] ?? null, blocks: blocks.map((block) => block.trimEnd()) };
}

/** Replaces this section in docs/benchmarks.md and its entries in docs/benchmarks.json; other sections (and, for a partial run, the entries it does not rewrite) are kept. */
export function writeSection(report: SectionReport): void {
  mkdirSync(DOCS, { recursive: true });
  const sections = readSections();
  let previous: Array<Record<string, unknown>> = [];
  if (existsSync(JSON_FILE)) {
    try {
      const parsed = JSON.parse(readFileSync(JSON_FILE, 'utf8')) as { benchmarks?: Array<Record<string, unknown>> };
      previous = (parsed.benchmarks ?? []).filter((entry) => typeof entry['section'] === 'string');
    } catch {
      previous = [];
    }
  }
  const rewritten = new Set(report.entries.map((entry) => entry.id));
  const keptHere = report.partial ? previous.filter((entry) => entry['section'] === report.id && !rewritten.has(String(entry['id']))) : [];
  const kept = keptMarkdown(sections.get(report.id), keptHere.map((entry) => String(entry['title'])));
  const preamble = report.partial && report.intro === undefined && kept.preamble !== null
    ? [kept.preamble.trimEnd(), '']
    : [`## ${report.title}`, '', ...(report.quick ? ['**Quick mode**: smaller sets, one repeat; figures are indicative only.', ''] : []), ...(report.intro ? [report.intro, ''] : [])];
  const lines = [...preamble, ...kept.blocks.flatMap((block) => [block, '']), ...renderEntries(report.entries, report.facts)];
  sections.set(report.id, `${lines.join('\n').trimEnd()}\n`);
  const ordered = [...sections.entries()].sort((a, b) => sectionRank(a[0]) - sectionRank(b[0]));
  writeFileSync(MARKDOWN, `${HEADER}\n${ordered.map(([id, body]) => `${START(id)}\n${body}${END(id)}`).join('\n\n')}\n`);

  const others = previous.filter((entry) => entry['section'] !== report.id);
  const benchmarks = [...others, ...keptHere, ...report.entries.map((entry) => jsonEntry(report.id, entry, report.quick, report.facts))].sort((a, b) => sectionRank(String(a['section'])) - sectionRank(String(b['section'])));
  writeFileSync(JSON_FILE, `${JSON.stringify({ benchmarks }, null, 2)}\n`);
}

/** Writes an SVG chart under docs/benchmarks/ and returns the Markdown that shows it. */
export function writeChart(fileName: string, svg: string, alt: string): string {
  const directory = path.join(DOCS, 'benchmarks');
  mkdirSync(directory, { recursive: true });
  writeFileSync(path.join(directory, fileName), svg);
  return `![${alt}](benchmarks/${fileName})`;
}
