/**
 * The demo's inputs: real source files every install already has (the project's node_modules, npm's
 * own installation with node-gyp's Python, Node's C/C++ headers), cut into snippets and labelled by
 * file extension. Selection is deterministic — sorted walks and hash-based sampling, never
 * Math.random — so the same install always yields the same corpus.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256Hex, unitInterval } from '../util/hash.js';
import { labelForPath } from './extension-labels.js';

/** One corpus input: a snippet, the language its file extension says, and where it came from. */
export interface CorpusItem {
  /** Content address of `text` (16 hex digits). */
  id: string;
  text: string;
  /** Language id from the file name (one of LANGUAGE_LABELS). */
  gold: string;
  /** Root folder name + path inside it, with '/' separators (stable across machines). */
  path: string;
}

/** How to build the corpus. */
export interface CodeCorpusOptions {
  /** Folders to walk; default `defaultCorpusRoots()`. */
  roots?: string[];
  /** Most snippets overall (default 3000: ~1 minute of teacher calls at ~17 ms each). */
  limit?: number;
  /** Most snippets per language, so js/ts/json do not swamp the set (default 500). */
  perLabelCap?: number;
  /** Longest snippet in characters (default 1500). */
  maxChars?: number;
}

/** A file worth considering, before it is read. */
interface Candidate {
  absolute: string;
  shown: string;
  gold: string;
}

/** Files shorter than this say too little about their language. */
const MIN_CHARS = 100;
/** Bigger files are bundles or generated data; reading them would only slow the walk. */
const MAX_FILE_BYTES = 512 * 1024;
/** A line longer than this marks a minified or generated file. */
const MAX_LINE_CHARS = 1000;

/** The nearest node_modules above this module (works from src/ and from an installed dist/). */
function projectNodeModules(): string | null {
  const start = path.dirname(fileURLToPath(import.meta.url));
  for (let folder = start; ; folder = path.dirname(folder)) {
    if (path.basename(folder) === 'node_modules') return folder;
    if (path.dirname(folder) === folder) break;
  }
  for (let folder = start; ; folder = path.dirname(folder)) {
    const candidate = path.join(folder, 'node_modules');
    if (existsSync(candidate)) return candidate;
    if (path.dirname(folder) === folder) return null;
  }
}

/** The folders every install has: this project's node_modules, npm's installation, Node's headers. */
export function defaultCorpusRoots(): string[] {
  const nodeBin = path.dirname(process.execPath);
  const candidates = [
    projectNodeModules(),
    path.resolve(nodeBin, '../lib/node_modules/npm'),
    // Windows installs keep npm next to node.exe.
    path.resolve(nodeBin, 'node_modules/npm'),
    path.resolve(nodeBin, '../include/node'),
  ];
  return [...new Set(candidates.filter((root): root is string => root !== null && existsSync(root)))];
}

/** Byte-order comparison: locale-independent, so every machine sorts alike. */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Folders that hold no source worth sampling (version control, caches). */
const SKIPPED_FOLDERS = new Set(['.git', '.cache', '.hg', '.svn']);

/** Every labelled file under `root`, in sorted order; symlinks are not followed (no cycles, no duplicates). */
async function walk(root: string): Promise<Candidate[]> {
  const found: Candidate[] = [];
  const rootName = path.basename(root);
  const visit = async (folder: string): Promise<void> => {
    const entries = (await readdir(folder, { withFileTypes: true })).sort((a, b) => byCodeUnits(a.name, b.name));
    for (const entry of entries) {
      const absolute = path.join(folder, entry.name);
      if (entry.isDirectory() && !SKIPPED_FOLDERS.has(entry.name)) await visit(absolute);
      if (!entry.isFile()) continue;
      const gold = labelForPath(entry.name);
      if (gold !== null) found.push({ absolute, shown: `${rootName}/${path.relative(root, absolute).split(path.sep).join('/')}`, gold });
    }
  };
  await visit(root);
  return found;
}

/** Whether text is usable source: not binary, not minified. */
function isPlainSource(text: string): boolean {
  if (text.includes('\u0000') || text.includes('\uFFFD')) return false;
  return text.split('\n').every((line) => line.length <= MAX_LINE_CHARS);
}

/** Up to `maxChars` of whole lines from a hash-chosen line start, so snippets are not all license headers. */
export function snippetOf(text: string, key: string, maxChars: number): string {
  const source = text.replace(/\r\n/g, '\n');
  let start = 0;
  if (source.length > maxChars) {
    const offset = Math.floor(unitInterval(`start:${key}`) * (source.length - maxChars));
    start = offset === 0 ? 0 : source.indexOf('\n', offset) + 1;
  }
  let piece = source.slice(start, start + maxChars);
  const lastNewline = piece.lastIndexOf('\n');
  if (start + maxChars < source.length && lastNewline > 0) piece = piece.slice(0, lastNewline);
  return piece.replace(/^(?:[ \t]*\n)+/, '').trimEnd();
}

/** Reads a candidate into a snippet, or null when the file is unusable. */
async function readSnippet(candidate: Candidate, maxChars: number): Promise<{ file: string; snippet: string } | null> {
  const size = (await stat(candidate.absolute)).size;
  if (size < MIN_CHARS || size > MAX_FILE_BYTES) return null;
  const file = await readFile(candidate.absolute, 'utf8');
  if (!isPlainSource(file)) return null;
  const snippet = snippetOf(file, candidate.shown, maxChars);
  return snippet.length < MIN_CHARS ? null : { file, snippet };
}

/** Candidates grouped by language, each group in hash order (a fixed pseudo-random sample). */
function groupByLabel(candidates: readonly Candidate[]): Map<string, Candidate[]> {
  const groups = new Map<string, Candidate[]>();
  for (const candidate of candidates) {
    const group = groups.get(candidate.gold);
    if (group === undefined) groups.set(candidate.gold, [candidate]);
    else group.push(candidate);
  }
  for (const group of groups.values()) {
    const keys = new Map(group.map((candidate) => [candidate, unitInterval(`sample:${candidate.shown}`)]));
    group.sort((a, b) => (keys.get(a) ?? 0) - (keys.get(b) ?? 0) || byCodeUnits(a.shown, b.shown));
  }
  return new Map([...groups.entries()].sort(([a], [b]) => byCodeUnits(a, b)));
}

/** Takes labels in turn (first of each, then second of each, …), so any prefix is balanced. */
function interleave(groups: readonly CorpusItem[][], limit: number): CorpusItem[] {
  const items: CorpusItem[] = [];
  for (let rank = 0; items.length < limit; rank++) {
    const row = groups.flatMap((group) => (rank < group.length ? [group[rank] as CorpusItem] : []));
    if (row.length === 0) break;
    items.push(...row.slice(0, limit - items.length));
  }
  return items;
}

/** Builds the demo corpus deterministically: same install and options → same items in the same order. */
export async function buildCodeCorpus(options: CodeCorpusOptions = {}): Promise<CorpusItem[]> {
  const { limit = 3000, perLabelCap = 500, maxChars = 1500 } = options;
  const roots = options.roots ?? defaultCorpusRoots();
  const candidates = (await Promise.all(roots.map((root) => walk(root)))).flat();
  const seen = new Set<string>();
  const groups: CorpusItem[][] = [];
  for (const [gold, group] of groupByLabel(candidates)) {
    const picked: CorpusItem[] = [];
    for (const candidate of group) {
      if (picked.length >= perLabelCap) break;
      const read = await readSnippet(candidate, maxChars);
      if (read === null) continue;
      // The same file ships in many packages; one copy (and one copy of each snippet) is enough.
      const fileKey = `file:${sha256Hex(read.file)}`;
      const id = sha256Hex(read.snippet).slice(0, 16);
      if (seen.has(fileKey) || seen.has(id)) continue;
      seen.add(fileKey).add(id);
      picked.push({ id, text: read.snippet, gold, path: candidate.shown });
    }
    groups.push(picked);
  }
  return interleave(groups, limit);
}

/** Writes corpus items as JSONL with the fields text, gold and path (the import format). */
export async function writeCorpusJsonl(items: readonly CorpusItem[], file: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const lines = items.map((item) => JSON.stringify({ text: item.text, gold: item.gold, path: item.path }));
  await writeFile(file, lines.length === 0 ? '' : `${lines.join('\n')}\n`, 'utf8');
}
