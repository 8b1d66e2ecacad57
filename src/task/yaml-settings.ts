/**
 * Settings files (task files, guard policy files) read as YAML and validated with zod, where every
 * problem names the file, the line and column of the key it concerns, and the dotted field.
 */
import path from 'node:path';
import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { ZodError, ZodType } from 'zod';
import { UsageError } from '../util/errors.js';
import { closestName } from '../util/edit-distance.js';

/** A settings file problem, with the file, line and field it concerns. */
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

/** One problem (or warning) found in a settings file. */
export interface SpecProblem {
  /** Dotted path of the field, e.g. `teacher.baseURL` or `labels[2]`. */
  field: string;
  line: number | null;
  column: number | null;
  message: string;
}

/** A line and column, both counted from 1. */
export interface Position {
  line: number;
  column: number;
}

/** A path into a settings document: keys and sequence indexes. */
export type SettingsPath = readonly PropertyKey[];

/** A parsed settings document that can say where a field is written. */
export class SettingsDocument {
  readonly #document: Document.Parsed;
  readonly #lineCounter: LineCounter;
  readonly #text: string;

  constructor(document: Document.Parsed, lineCounter: LineCounter, text: string) {
    this.#document = document;
    this.#lineCounter = lineCounter;
    this.#text = text;
  }

  /**
   * Where the field at `fieldPath` is written: its key's own line and column (an item's, inside a
   * sequence). A field that is absent points at the key of its nearest written parent.
   */
  positionOf(fieldPath: SettingsPath): Position | null {
    for (let length = fieldPath.length; length >= 1; length--) {
      const offset = this.#keyOffset(fieldPath.slice(0, length));
      if (offset !== null) return this.#position(offset);
    }
    const root = this.#document.contents;
    return isNode(root) && root.range ? this.#position(root.range[0]) : { line: 1, column: 1 };
  }

  /** Where `pattern` first occurs in the source of the scalar at `fieldPath`; the field's own position if it does not. */
  positionOfText(fieldPath: SettingsPath, pattern: RegExp): Position | null {
    const node = this.#document.getIn(fieldPath, true);
    if (isScalar(node) && node.range) {
      const source = this.#text.slice(node.range[0], node.range[1]);
      const found = new RegExp(pattern.source, pattern.flags.replace('g', '')).exec(source);
      if (found) return this.#position(node.range[0] + found.index);
    }
    return this.positionOf(fieldPath);
  }

  #keyOffset(fieldPath: SettingsPath): number | null {
    const last = fieldPath[fieldPath.length - 1];
    const parentPath = fieldPath.slice(0, -1);
    const parent: unknown = parentPath.length === 0 ? this.#document.contents : this.#document.getIn(parentPath, true);
    if (isMap(parent)) {
      const pair = parent.items.find((item) => (isScalar(item.key) ? String(item.key.value) : String(item.key)) === String(last));
      return pair && isNode(pair.key) && pair.key.range ? pair.key.range[0] : null;
    }
    if (isSeq(parent) && typeof last === 'number') {
      const item = parent.items[last];
      return isNode(item) && item.range ? item.range[0] : null;
    }
    return null;
  }

  #position(offset: number): Position {
    const { line, col } = this.#lineCounter.linePos(offset);
    return { line, column: col };
  }
}

/** What a settings file is called in messages, and what it should contain. */
export interface SettingsDescription {
  noun: string;
  expected: string;
}

/** Validated settings and the document they came from (for positions of later checks and warnings). */
export interface ParsedSettings<T> {
  value: T;
  document: SettingsDocument;
}

/**
 * Parses YAML (or JSON) settings text and validates it with `schema`; every error names the file, line,
 * column and field, and an unknown key suggests the closest valid one at its level.
 */
export function parseSettingsDocument<T>(text: string, file: string, schema: ZodType<T>, describe: SettingsDescription): ParsedSettings<T> {
  const lineCounter = new LineCounter();
  const parsed = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (parsed.errors.length > 0) {
    const problems = parsed.errors.map((error): SpecProblem => {
      const position = lineCounter.linePos(error.pos[0]);
      return { field: '', line: position.line, column: position.col, message: error.message.split('\n')[0] ?? error.message };
    });
    throw new SpecError(formatProblems(file, describe.noun, 'is not valid YAML', problems), file, problems);
  }
  const value: unknown = parsed.toJS();
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const problems = [{ field: '', line: 1, column: 1, message: `expected a mapping of settings (${describe.expected})` }];
    throw new SpecError(formatProblems(file, describe.noun, `is not a ${describe.noun}`, problems), file, problems);
  }
  const document = new SettingsDocument(parsed, lineCounter, text);
  const result = schema.safeParse(value);
  if (result.success) return { value: result.data, document };
  // In file order, so the message reads top to bottom like the file.
  const problems = issuesToProblems(result.error, schema, document).sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0));
  throw new SpecError(formatProblems(file, describe.noun, 'has errors', problems), file, problems);
}

/** The problem for one field, positioned at its key. */
export function problemAt(document: SettingsDocument, fieldPath: SettingsPath, message: string): SpecProblem {
  const position = document.positionOf(fieldPath);
  return { field: formatPath(fieldPath), line: position?.line ?? null, column: position?.column ?? null, message };
}

function issuesToProblems(error: ZodError, schema: ZodType, document: SettingsDocument): SpecProblem[] {
  return error.issues.flatMap((issue): SpecProblem[] => {
    if (issue.code === 'unrecognized_keys') {
      // One problem per key, each at the key's own line, so every typo is found where it is written.
      const valid = keysAt(schema, issue.path);
      return issue.keys.map((key) => {
        const position = document.positionOf([...issue.path, key]);
        const closest = closestName(key, valid);
        const hint = closest !== null ? ` (did you mean "${closest}"?)` : valid.length > 0 ? `; valid here: ${valid.join(', ')}` : '';
        return { field: formatPath(issue.path), line: position?.line ?? null, column: position?.column ?? null, message: `unknown setting "${key}"${hint}` };
      });
    }
    const message = issue.code === 'invalid_type' && issue.message.includes('received undefined') ? 'is required' : issue.message;
    return [problemAt(document, issue.path, message)];
  });
}

/** What zod needs to know of a schema node to walk to the keys it allows (zod 4's `_zod.def`). */
interface SchemaDefinition {
  type?: string;
  innerType?: unknown;
  in?: unknown;
  out?: unknown;
  shape?: Record<string, unknown>;
  element?: unknown;
  valueType?: unknown;
}

const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch', 'nonoptional']);

function definitionOf(schema: unknown): SchemaDefinition | undefined {
  let current = schema;
  for (;;) {
    const definition = (current as { _zod?: { def?: SchemaDefinition } } | undefined)?._zod?.def;
    if (definition?.type !== undefined && WRAPPERS.has(definition.type)) current = definition.innerType;
    // A preprocess is a pipe from a transform: the keys are the output object's.
    else if (definition?.type === 'pipe') current = (current as { _zod?: { def?: { in?: { _zod?: { def?: { type?: string } } } } } })._zod?.def?.in?._zod?.def?.type === 'transform' ? definition.out : definition.in;
    else return definition;
  }
}

/** The keys the object schema at `issuePath` allows; empty where it is not an object with known keys. */
function keysAt(schema: ZodType, issuePath: SettingsPath): string[] {
  let current: unknown = schema;
  for (const part of issuePath) {
    const definition = definitionOf(current);
    if (definition?.type === 'object') current = definition.shape?.[String(part)];
    else if (definition?.type === 'array') current = definition.element;
    else if (definition?.type === 'record') current = definition.valueType;
    else return [];
  }
  const definition = definitionOf(current);
  return definition?.type === 'object' ? Object.keys(definition.shape ?? {}) : [];
}

/** `teacher.baseURL`, `labels[2]`: a path as people write it. */
export function formatPath(issuePath: SettingsPath): string {
  return issuePath
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

/** One problem as one line: `file:line:col: field: message`. */
export function formatProblem(file: string, problem: SpecProblem): string {
  const where = problem.line === null ? '' : `${path.basename(file)}:${problem.line}:${problem.column ?? 1}: `;
  return `${where}${problem.field ? `${problem.field}: ` : ''}${problem.message}`;
}

/** A summary line and one indented line per problem. */
export function formatProblems(file: string, noun: string, summary: string, problems: readonly SpecProblem[]): string {
  return [`${noun} ${file} ${summary}:`, ...problems.map((problem) => `  ${formatProblem(file, problem)}`)].join('\n');
}
