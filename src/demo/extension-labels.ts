/**
 * File name → the detector's language id, used as the corpus's gold label. Only extensions whose
 * language the detector really knows are listed; ambiguous ones (.m: MATLAB or Objective-C, .pl:
 * Perl or Prolog, .v: Verilog or Coq) are left out rather than guessed.
 */
import path from 'node:path';
import type { LanguageLabel } from './language-labels.js';

/** Lower-case extension (without the dot) → language id. */
export const EXTENSION_LABELS: Readonly<Record<string, LanguageLabel>> = Object.freeze({
  js: 'js', mjs: 'js', cjs: 'js', jsx: 'js',
  ts: 'ts', mts: 'ts', cts: 'ts', tsx: 'ts',
  json: 'json',
  md: 'md', markdown: 'md',
  py: 'py',
  c: 'c', h: 'c',
  cc: 'cpp', cpp: 'cpp', cxx: 'cpp', hpp: 'cpp', hh: 'cpp', hxx: 'cpp',
  sh: 'sh', bash: 'sh',
  css: 'css',
  html: 'html', htm: 'html',
  yml: 'yaml', yaml: 'yaml',
  toml: 'toml',
  xml: 'xml',
  ps1: 'ps1',
  bat: 'bat', cmd: 'bat',
  rb: 'rb',
  go: 'go',
  rs: 'rs',
  java: 'java',
  cs: 'cs',
  php: 'php',
  lua: 'lua',
  sql: 'sql',
  tex: 'tex',
  ini: 'ini',
  csv: 'csv',
  mk: 'makefile',
  cmake: 'cmake',
  coffee: 'coffee',
  swift: 'swift',
  kt: 'kt', kts: 'kt',
  scala: 'scala',
  dart: 'dart',
  hs: 'hs',
  r: 'r',
  pm: 'pm',
  erl: 'erl',
  ex: 'ex', exs: 'ex',
  clj: 'clj',
  lisp: 'lisp',
  ml: 'ml',
  mm: 'mm',
  f90: 'f90',
  groovy: 'groovy', gradle: 'groovy',
  jl: 'jl',
  pas: 'pas',
  asm: 'asm',
  vba: 'vba',
  cbl: 'cbl', cob: 'cbl',
});

/** Whole file names that decide the language by themselves. */
const FILE_NAME_LABELS: Readonly<Record<string, LanguageLabel>> = Object.freeze({
  makefile: 'makefile',
  gnumakefile: 'makefile',
  dockerfile: 'dockerfile',
  'cmakelists.txt': 'cmake',
});

/** A table entry by own key only, so names like "constructor" never reach Object.prototype. */
function lookup(table: Readonly<Record<string, LanguageLabel>>, key: string): LanguageLabel | null {
  return Object.hasOwn(table, key) ? (table[key] ?? null) : null;
}

/** The language id of a file from its name, or null when its name does not say. */
export function labelForPath(filePath: string): LanguageLabel | null {
  const name = path.basename(filePath).toLowerCase();
  const byName = lookup(FILE_NAME_LABELS, name);
  if (byName !== null) return byName;
  if (name.endsWith('.min.js') || name.endsWith('.min.css')) return null;
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return null;
  return lookup(EXTENSION_LABELS, name.slice(dot + 1));
}
