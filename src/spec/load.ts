import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument, isNode } from 'yaml';
import type { ZodError, ZodType } from 'zod';
import { UsageError } from '../util/errors.js';
import { taskSpecSchema, type TaskSpec } from './schema.js';

/** A task file problem, with the file, line and field it concerns. */
export class SpecError extends UsageError {
  override readonly name = 'SpecError';
  constructor(
    message: string,
    readonly file: string,
    readonly problems: readonly SpecProblem[],
  ) {
    super(message);
  }
}

/** One problem found in a task file. */
export interface SpecProblem {
  /** Dotted path of the field, e.g. `teacher.baseURL` or `labels[2]`. */
  field: string;
  line: number | null;
  column: number | null;
  message: string;
}

/** A loaded task: the validated spec plus where it came from. */
export interface LoadedTask {
  spec: TaskSpec;
  file: string;
  /** Folder relative paths in the task file are resolved against. */
  baseDir: string;
  /** Absolute project folder (database, artefacts). */
  projectDir: string;
}

/** Reads a settings file (task, policy) as text with its absolute path; a missing or unreadable file is a SpecError. */
export async function readSettingsFile(file: string, noun: string): Promise<{ absolute: string; text: string }> {
  const absolute = path.resolve(file);
  try {
    return { absolute, text: await readFile(absolute, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SpecError(`cannot read ${noun} ${file}: ${code === 'ENOENT' ? 'no such file' : String(error)}`, absolute, []);
  }
}

/** Reads, parses and validates a task file; every error points at its line and field. */
export async function loadTaskFile(file: string): Promise<LoadedTask> {
  const { absolute, text } = await readSettingsFile(file, 'task file');
  const spec = parseTaskSpec(text, absolute);
  const baseDir = path.dirname(absolute);
  const projectDir = path.resolve(baseDir, spec.project ?? path.join('.distillery', spec.name));
  return { spec, file: absolute, baseDir, projectDir };
}

/** Parses and validates task YAML text; `file` is used in messages only. */
export function parseTaskSpec(text: string, file = 'task.yaml'): TaskSpec {
  return parseYamlSettings(text, file, taskSpecSchema, { noun: 'task file', expected: 'name:, teacher:, prompt:, …' });
}

/**
 * Parses YAML (or JSON) settings text and validates it with `schema`; every error names the file, line,
 * column and field. Shared by every settings file (task files, guard policy files).
 */
export function parseYamlSettings<T>(text: string, file: string, schema: ZodType<T>, describe: { noun: string; expected: string }): T {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    const problems = document.errors.map((error): SpecProblem => {
      const position = lineCounter.linePos(error.pos[0]);
      return { field: '', line: position.line, column: position.col, message: error.message.split('\n')[0] ?? error.message };
    });
    throw new SpecError(formatProblems(file, describe.noun, 'is not valid YAML', problems), file, problems);
  }
  const value: unknown = document.toJS();
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const problems = [{ field: '', line: 1, column: 1, message: `expected a mapping of settings (${describe.expected})` }];
    throw new SpecError(formatProblems(file, describe.noun, `is not a ${describe.noun}`, problems), file, problems);
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = issuesToProblems(result.error, (issuePath) => {
    const node = document.getIn(issuePath, true);
    const offset = isNode(node) && node.range ? node.range[0] : nearestParentOffset(document, issuePath);
    return offset === null ? null : lineCounter.linePos(offset);
  });
  throw new SpecError(formatProblems(file, describe.noun, 'has errors', problems), file, problems);
}

function nearestParentOffset(document: ReturnType<typeof parseDocument>, issuePath: readonly PropertyKey[]): number | null {
  for (let length = issuePath.length - 1; length >= 0; length--) {
    const node = document.getIn(issuePath.slice(0, length), true);
    if (isNode(node) && node.range) return node.range[0];
  }
  return null;
}

function issuesToProblems(
  error: ZodError,
  locate: (issuePath: readonly PropertyKey[]) => { line: number; col: number } | null,
): SpecProblem[] {
  return error.issues.map((issue) => {
    const position = locate(issue.path);
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') message = `unknown setting${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `"${key}"`).join(', ')}`;
    if (issue.code === 'invalid_type' && message.includes('received undefined')) message = 'is required';
    return { field: formatPath(issue.path), line: position?.line ?? null, column: position?.col ?? null, message };
  });
}

function formatPath(issuePath: readonly PropertyKey[]): string {
  return issuePath
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

function formatProblems(file: string, noun: string, summary: string, problems: readonly SpecProblem[]): string {
  const lines = problems.map((problem) => {
    const where = problem.line === null ? '' : `${path.basename(file)}:${problem.line}:${problem.column ?? 1}: `;
    return `  ${where}${problem.field ? `${problem.field}: ` : ''}${problem.message}`;
  });
  return [`${noun} ${file} ${summary}:`, ...lines].join('\n');
}
