/**
 * Metrics of JSON answers (the `extract` kind), the student's object scored against the teacher's.
 *
 * - Parse rate: the student's text, trimmed, is one JSON value (`JSON.parse`; no fence stripping:
 *   an app that calls the student gets exactly this text).
 * - Validity rate: it parses and satisfies the task's JSON Schema (ajv; draft 2020-12 when the schema
 *   says so in `$schema`, draft-07 otherwise; `format` is not checked).
 * - Fields: a JSON value flattens into a multiset of (path, value) pairs. An object adds `.key` to
 *   the path (a key that is not a plain identifier is written `["key"]`); an array adds `[]` and
 *   contributes each element under that one path, so order does not matter and repeats count as
 *   often as they occur (a multiset); a primitive, an empty object or an empty array is a leaf whose
 *   value is its canonical JSON. `{"people":["Ann","Bo"]}` is {(people[], "Ann"), (people[], "Bo")}.
 *   Matching is exact on the canonical value (strings are not case-folded).
 * - Per example, true positives are the size of the multiset intersection of the student's and the
 *   teacher's pairs; false positives the rest of the student's, false negatives the rest of the
 *   teacher's. An unparseable student answer has no pairs (all the teacher's are misses). Precision,
 *   recall and F1 are micro-averaged (counts summed over the test set, then divided), overall and per
 *   path; 0/0 is 0. An example whose teacher answer does not parse has no reference: it is counted
 *   (`referenceUnparseable`) and left out of every figure.
 * - Exact match: the student's value and the teacher's are equal as canonical JSON (keys sorted at every
 *   level; array order kept, as JSON means it).
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { UsageError } from '../util/errors.js';
import { stableStringify } from '../util/hash.js';

/** One scored pair: the teacher's text (the reference) and the student's. */
export interface ExtractPair {
  teacher: string;
  student: string;
}

/** True positive, false positive and false negative counts. */
export interface FieldCounts {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
}

/** Precision, recall and F1 from counts, with their support (the teacher's pairs). */
export interface FieldScores extends FieldCounts {
  precision: number;
  recall: number;
  f1: number;
}

/** What one example scored; the unit the bootstrap resamples. */
export interface ExtractExampleScore {
  parsed: boolean;
  valid: boolean;
  exactMatch: boolean;
  counts: FieldCounts;
  /** Counts per flattened path. */
  perField: ReadonlyMap<string, FieldCounts>;
}

/** The extract metrics of a test set. */
export interface ExtractMetrics {
  /** Examples with a parseable teacher answer: the denominator of every rate. */
  examples: number;
  referenceUnparseable: number;
  parseRate: number;
  validRate: number;
  exactMatchRate: number;
  /** Micro-averaged over all fields of all examples. */
  fields: FieldScores;
  /** Micro-averaged per path, sorted by path. */
  perField: Array<{ path: string } & FieldScores>;
}

/** The result of reading a text as JSON. */
export type ParsedJson = { ok: true; value: unknown } | { ok: false };

/** Reads a whole answer as one JSON value. */
export function parseJsonAnswer(text: string): ParsedJson {
  try {
    return { ok: true, value: JSON.parse(text.trim()) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Compiles a JSON Schema with ajv; an invalid schema is a UsageError naming ajv's reason. */
export function compileSchema(schema: object): (value: unknown) => boolean {
  const draft2020 = typeof (schema as { $schema?: unknown }).$schema === 'string' && (schema as { $schema: string }).$schema.includes('2020-12');
  const options = { strict: false, validateFormats: false, allErrors: false };
  let validate: ValidateFunction;
  try {
    validate = draft2020 ? new Ajv2020(options).compile(schema) : new Ajv(options).compile(schema);
  } catch (error) {
    throw new UsageError(`invalid JSON Schema: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return (value) => validate(value) === true;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** The path of `key` under `parent`. */
function childPath(parent: string, key: string): string {
  if (IDENTIFIER.test(key)) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}

/** Adds the (path, value) pairs of `value` to `into` (path → canonical value → count). */
function flattenInto(value: unknown, path: string, into: Map<string, Map<string, number>>): void {
  const isArray = Array.isArray(value);
  const isObject = value !== null && typeof value === 'object';
  const isEmpty = isArray ? value.length === 0 : isObject && Object.keys(value).length === 0;
  if (!isObject || isEmpty) {
    const values = into.get(path) ?? new Map<string, number>();
    const canonical = stableStringify(value);
    values.set(canonical, (values.get(canonical) ?? 0) + 1);
    into.set(path, values);
    return;
  }
  if (isArray) for (const item of value) flattenInto(item, `${path}[]`, into);
  else for (const [key, item] of Object.entries(value as Record<string, unknown>)) flattenInto(item, childPath(path, key), into);
}

/** The flattened fields of a JSON value: path → canonical value → how many times it occurs. */
export function flattenFields(value: unknown): Map<string, Map<string, number>> {
  const fields = new Map<string, Map<string, number>>();
  flattenInto(value, '', fields);
  return fields;
}

/** Total of a multiset. */
function multisetSize(values: ReadonlyMap<string, number> | undefined): number {
  let total = 0;
  for (const count of values?.values() ?? []) total += count;
  return total;
}

/** Field counts of a student value (or none) against the teacher's, per path. */
export function compareFields(teacher: unknown, student: ParsedJson): Map<string, FieldCounts> {
  const expected = flattenFields(teacher);
  const predicted = student.ok ? flattenFields(student.value) : new Map<string, Map<string, number>>();
  const perField = new Map<string, FieldCounts>();
  for (const path of new Set([...expected.keys(), ...predicted.keys()])) {
    const expectedValues = expected.get(path);
    const predictedValues = predicted.get(path);
    let truePositives = 0;
    for (const [canonical, count] of predictedValues ?? []) truePositives += Math.min(count, expectedValues?.get(canonical) ?? 0);
    perField.set(path, { truePositives, falsePositives: multisetSize(predictedValues) - truePositives, falseNegatives: multisetSize(expectedValues) - truePositives });
  }
  return perField;
}

/** Adds counts. */
export function addCounts(total: FieldCounts, more: FieldCounts): FieldCounts {
  return { truePositives: total.truePositives + more.truePositives, falsePositives: total.falsePositives + more.falsePositives, falseNegatives: total.falseNegatives + more.falseNegatives };
}

const NO_COUNTS: FieldCounts = Object.freeze({ truePositives: 0, falsePositives: 0, falseNegatives: 0 });

/** Precision, recall and F1 of counts (0/0 is 0). */
export function fieldScores(counts: FieldCounts): FieldScores {
  const predicted = counts.truePositives + counts.falsePositives;
  const expected = counts.truePositives + counts.falseNegatives;
  const precision = predicted === 0 ? 0 : counts.truePositives / predicted;
  const recall = expected === 0 ? 0 : counts.truePositives / expected;
  return { ...counts, precision, recall, f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall) };
}

/** The counts of many examples summed: what micro-averaging divides. */
export function sumFieldCounts(scores: readonly ExtractExampleScore[]): FieldCounts {
  let total = NO_COUNTS;
  for (const score of scores) total = addCounts(total, score.counts);
  return total;
}

/** Scores one example; undefined when the teacher's answer does not parse (no reference). */
export function scoreExtractExample(pair: ExtractPair, isValid: (value: unknown) => boolean): ExtractExampleScore | undefined {
  const teacher = parseJsonAnswer(pair.teacher);
  if (!teacher.ok) return undefined;
  const student = parseJsonAnswer(pair.student);
  const perField = compareFields(teacher.value, student);
  let counts = NO_COUNTS;
  for (const fieldCounts of perField.values()) counts = addCounts(counts, fieldCounts);
  return {
    parsed: student.ok,
    valid: student.ok && isValid(student.value),
    exactMatch: student.ok && stableStringify(student.value) === stableStringify(teacher.value),
    counts,
    perField,
  };
}

/** Aggregates example scores into the test-set metrics (the bootstrap calls this per resample). */
export function aggregateExtractScores(scores: readonly ExtractExampleScore[], referenceUnparseable = 0): ExtractMetrics {
  const rate = (test: (score: ExtractExampleScore) => boolean): number => (scores.length === 0 ? 0 : scores.filter(test).length / scores.length);
  const perPath = new Map<string, FieldCounts>();
  for (const score of scores) {
    for (const [path, counts] of score.perField) perPath.set(path, addCounts(perPath.get(path) ?? NO_COUNTS, counts));
  }
  const perField = [...perPath.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([path, counts]) => ({ path, ...fieldScores(counts) }));
  return {
    examples: scores.length,
    referenceUnparseable,
    parseRate: rate((score) => score.parsed),
    validRate: rate((score) => score.valid),
    exactMatchRate: rate((score) => score.exactMatch),
    fields: fieldScores(sumFieldCounts(scores)),
    perField,
  };
}

/** The extract metrics of a test set, the student's answers against the teacher's, under `schema`. */
export function extractMetrics(pairs: readonly ExtractPair[], schema: object): ExtractMetrics {
  const isValid = compileSchema(schema);
  const scores: ExtractExampleScore[] = [];
  let referenceUnparseable = 0;
  for (const pair of pairs) {
    const score = scoreExtractExample(pair, isValid);
    if (score === undefined) referenceUnparseable++;
    else scores.push(score);
  }
  return aggregateExtractScores(scores, referenceUnparseable);
}
