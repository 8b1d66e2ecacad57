import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import fastGlob from 'fast-glob';
import type { TaskSpec } from '../task/schema.js';
import type { InputRecord } from '../store/types.js';
import { sha256Hex } from '../util/hash.js';
import { InputError } from './input-error.js';

type InputSettings = TaskSpec['inputs'];
type Format = Exclude<InputSettings['format'], 'auto'>;

/** One raw row before validation: its fields and where it was found. */
interface RawRow {
  fields: Record<string, unknown>;
  file: string;
  line: number;
}

/** The format of a file by its extension. */
export function formatOf(file: string, requested: InputSettings['format']): Format {
  if (requested !== 'auto') return requested;
  const extension = path.extname(file).toLowerCase();
  if (extension === '.jsonl' || extension === '.ndjson') return 'jsonl';
  if (extension === '.csv') return 'csv';
  if (extension === '.txt') return 'text';
  return 'files';
}

/** What reading the inputs produced. */
export interface ReadInputsResult {
  records: InputRecord[];
  warnings: string[];
  /** Prompt fields that no row has (the caller turns them into an error at the prompt's line). */
  missingFields: string[];
  /** Every field name some row has, for that error's message. */
  availableFields: string[];
}

/**
 * Reads the task's inputs: JSONL, CSV, text lines or whole files, from a path or a glob. Each record
 * keeps the values of `promptFields` (the `{{field}}` placeholders of the prompt besides text and labels).
 */
export async function readInputs(inputs: InputSettings, baseDir: string, labels: readonly string[], promptFields: readonly string[] = []): Promise<ReadInputsResult> {
  const files = await matchFiles(inputs.path, baseDir);
  const rows: RawRow[] = [];
  // Every file is read and checked even under `limit`: a typo'd gold label past the limit is still a bug.
  for (const file of files) {
    const fileRows = await readRows(file, formatOf(file, inputs.format), inputs.textField, baseDir);
    if (fileRows.length === 0) throw new InputError(`${relative(file, baseDir)} is empty: it holds no inputs`, file);
    rows.push(...fileRows);
  }
  return { ...toRecords(rows, inputs, labels, baseDir, promptFields), ...fieldPresence(rows, promptFields) };
}

/** Which prompt fields no row has, and every field name seen (in order of first appearance). */
function fieldPresence(rows: readonly RawRow[], promptFields: readonly string[]): { missingFields: string[]; availableFields: string[] } {
  const available = new Set<string>();
  for (const row of rows) for (const name of Object.keys(row.fields)) available.add(name);
  const present = (name: string) => rows.some((row) => fieldValue(row.fields[name]) !== null);
  return { missingFields: promptFields.filter((name) => !present(name)), availableFields: [...available] };
}

/** A field's value as prompt text: strings as they are, numbers and booleans printed, objects as JSON; null when absent. */
function fieldValue(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

/** The values of the prompt fields this row has. */
function promptFieldsOf(row: RawRow, promptFields: readonly string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const name of promptFields) {
    const value = fieldValue(row.fields[name]);
    if (value !== null) fields[name] = value;
  }
  return fields;
}

async function matchFiles(pattern: string, baseDir: string): Promise<string[]> {
  const absolute = path.resolve(baseDir, pattern);
  // A literal file wins over glob syntax, so a name such as "data (1).jsonl" or "[v2].csv" still works.
  if (!fastGlob.isDynamicPattern(pattern) || (await isFile(absolute))) return [absolute];
  const files = (await fastGlob(pattern, { cwd: baseDir, onlyFiles: true, absolute: true })).sort();
  if (files.length === 0) throw new InputError(`no input files match ${pattern} (in ${baseDir})`, absolute);
  return files;
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

async function readText(file: string, baseDir: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).replace(/^\uFEFF/, '');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a folder' : String(error);
    throw new InputError(`cannot read input file ${relative(file, baseDir)}: ${reason}`, file);
  }
}

async function readRows(file: string, format: Format, textField: string, baseDir: string): Promise<RawRow[]> {
  const text = await readText(file, baseDir);
  switch (format) {
    case 'files':
      return text.trim() === '' ? [] : [{ fields: { [textField]: text }, file, line: 1 }];
    case 'text':
      return text.split(/\r?\n/).flatMap((line, index) => (line.trim() === '' ? [] : [{ fields: { [textField]: line }, file, line: index + 1 }]));
    case 'jsonl':
      return text.split(/\r?\n/).flatMap((line, index) => (line.trim() === '' ? [] : [{ fields: parseJsonLine(line, file, index + 1, baseDir), file, line: index + 1 }]));
    case 'csv':
      return parseCsvRows(text, file, baseDir);
    case 'capture':
      // The pipeline reads capture stores itself (it needs the prompt template to recover the inputs).
      throw new InputError(`${relative(file, baseDir)} is a capture store; it is read by \`distillery run\`, not as an input file`, file);
  }
}

function parseJsonLine(line: string, file: string, lineNumber: number, baseDir: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new InputError(`${relative(file, baseDir)}:${lineNumber}: invalid JSON: ${(error as Error).message}`, file, lineNumber);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError(`${relative(file, baseDir)}:${lineNumber}: expected a JSON object per line, got ${Array.isArray(value) ? 'an array' : typeof value}`, file, lineNumber);
  }
  return value as Record<string, unknown>;
}

function parseCsvRows(text: string, file: string, baseDir: string): RawRow[] {
  try {
    const records = parseCsv(text, { columns: true, skip_empty_lines: true, bom: true, relax_column_count: false, info: true }) as Array<{ record: Record<string, unknown>; info: { lines: number } }>;
    return records.map(({ record, info }) => ({ fields: record, file, line: info.lines }));
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? null;
    throw new InputError(`${relative(file, baseDir)}${line === null ? '' : `:${line}`}: invalid CSV: ${(error as Error).message}`, file, line);
  }
}

/**
 * An input's id: the hash of its text, and of the prompt's other fields when the prompt names any
 * (two rows with one text and different titles are two questions to the teacher).
 */
export function inputId(text: string, fields: Readonly<Record<string, string>>, promptFields: readonly string[]): string {
  return (promptFields.length === 0 ? sha256Hex(text) : sha256Hex(JSON.stringify([text, ...promptFields.map((name) => fields[name] ?? null)]))).slice(0, 32);
}

function toRecords(rows: readonly RawRow[], inputs: InputSettings, labels: readonly string[], baseDir: string, promptFields: readonly string[]): { records: InputRecord[]; warnings: string[] } {
  const known = new Set(labels);
  const records: InputRecord[] = [];
  const seen = new Set<string>();
  const wrongLabels: string[] = [];
  let firstWrong: RawRow | undefined;
  let duplicates = 0;
  let blank = 0;
  for (const row of rows) {
    const where = `${relative(row.file, baseDir)}:${row.line}`;
    const raw = row.fields[inputs.textField];
    if (raw === undefined) {
      throw new InputError(`${where}: no "${inputs.textField}" field (inputs.textField); this row has: ${Object.keys(row.fields).join(', ') || 'no fields'}`, row.file, row.line);
    }
    if (typeof raw !== 'string') throw new InputError(`${where}: "${inputs.textField}" must be a string, got ${raw === null ? 'null' : typeof raw}`, row.file, row.line);
    const gold = goldOf(row, inputs.goldField);
    if (gold !== null && !known.has(gold)) {
      wrongLabels.push(`${where}: "${gold}"${suggestion(gold, labels)}`);
      firstWrong ??= row;
    }
    if (raw.trim() === '') {
      blank++;
      continue;
    }
    const text = truncate(raw, inputs.maxChars);
    const fields = promptFieldsOf(row, promptFields);
    const id = inputId(text, fields, promptFields);
    if (seen.has(id)) {
      duplicates++;
      continue;
    }
    seen.add(id);
    records.push({ id, text, gold, source: `${where}${externalId(row, inputs.idField)}`, ...(promptFields.length === 0 ? {} : { fields }) });
  }
  if (wrongLabels.length > 0) {
    throw new InputError(
      `${wrongLabels.length} gold label${wrongLabels.length > 1 ? 's are' : ' is'} not in the task's labels (${labels.join(', ')}):\n  ${wrongLabels.slice(0, 5).join('\n  ')}${wrongLabels.length > 5 ? `\n  … and ${wrongLabels.length - 5} more` : ''}`,
      firstWrong?.file ?? '',
      firstWrong?.line ?? null,
    );
  }
  if (records.length === 0) {
    const first = rows[0];
    throw new InputError(`${inputs.path}: empty inputs: all ${blank} "${inputs.textField}" values are blank`, first?.file ?? '', first?.line ?? null);
  }
  const warnings: string[] = [];
  if (inputs.limit !== undefined && records.length > inputs.limit) {
    warnings.push(`kept the first ${inputs.limit} of ${records.length} inputs (inputs.limit)`);
    records.length = inputs.limit;
  }
  if (duplicates > 0) warnings.push(`${duplicates} input${duplicates > 1 ? 's repeat' : ' repeats'} an earlier one word for word and ${duplicates > 1 ? 'were' : 'was'} read once`);
  for (const name of promptFields) {
    const count = records.filter((record) => record.fields?.[name] === undefined).length;
    // A field that no record has is the caller's error (at the prompt's line), not a warning.
    if (count > 0 && count < records.length) warnings.push(`${count} input${count > 1 ? 's have' : ' has'} no "${name}" field: {{${name}}} is left empty in ${count > 1 ? 'their prompts' : 'its prompt'}`);
  }
  if (blank > 0) warnings.push(`${blank} input${blank > 1 ? 's have' : ' has'} a blank "${inputs.textField}" and ${blank > 1 ? 'were' : 'was'} skipped`);
  return { records, warnings };
}

/** Cuts to maxChars without splitting a surrogate pair (half an emoji would be invalid UTF-8 later). */
function truncate(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const last = text.charCodeAt(maxChars - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? maxChars - 1 : maxChars);
}

/** A hint for a gold label that differs from a task label only in case or surrounding punctuation. */
function suggestion(gold: string, labels: readonly string[]): string {
  const simplify = (label: string) => label.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
  const match = labels.find((label) => simplify(label) === simplify(gold));
  return match === undefined ? '' : ` (did you mean "${match}"?)`;
}

/** The row's own id (inputs.idField), kept in `source` so a record can be traced back to the user's data. */
function externalId(row: RawRow, field: string | undefined): string {
  if (field === undefined) return '';
  const value = row.fields[field];
  if (typeof value !== 'string' && typeof value !== 'number') return '';
  return ` id=${String(value)}`;
}

function goldOf(row: RawRow, field: string | undefined): string | null {
  if (field === undefined) return null;
  const value = row.fields[field];
  if (value === undefined || value === null || value === '') return null;
  return typeof value === 'string' ? value.trim() : String(value);
}

function relative(file: string, baseDir: string): string {
  return path.relative(baseDir, file) || file;
}

/** One row of a file as written, with its 1-based line: what `distillery predict --input` labels. */
export interface InputFileRow {
  fields: Record<string, unknown>;
  line: number;
}

/** Reads every row of one JSONL, CSV or text file, with no dedup, limit or truncation. */
export async function readInputFile(file: string, format: InputSettings['format'], textField: string): Promise<InputFileRow[]> {
  const rows = await readRows(path.resolve(file), formatOf(file, format), textField, process.cwd());
  return rows.map(({ fields, line }) => ({ fields, line }));
}
