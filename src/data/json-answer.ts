/** Reading a JSON answer (bare or in a Markdown fence) and checking it against a JSON Schema with Ajv. */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { UsageError } from '../util/errors.js';

/** The outcome of reading an answer as JSON. */
export type ParsedJsonAnswer = { ok: true; value: unknown } | { ok: false; error: string };

/** A whole answer that is one fenced block (```json ... ``` or ``` ... ```), with the block's body captured. */
const FENCED = /^```[ \t]*(?:json|JSON)?[ \t]*\r?\n([\s\S]*?)\r?\n?```$/u;
const DRAFT_2020 = 'https://json-schema.org/draft/2020-12/schema';

/** Parses an answer as JSON, allowing one ```json fenced block around it (as chat models often write). */
export function parseJsonAnswer(answer: string): ParsedJsonAnswer {
  const trimmed = answer.trim();
  const fenced = FENCED.exec(trimmed);
  const body = fenced === null ? trimmed : (fenced[1] as string);
  try {
    return { ok: true, value: JSON.parse(body) as unknown };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

/** Ajv's first error as one line: where in the answer and what is wrong. */
function describeError(error: ErrorObject): string {
  const where = error.instancePath === '' ? '(root)' : error.instancePath;
  return `${where} ${error.message ?? 'is invalid'}`;
}

/**
 * Compiles a JSON Schema (draft-07 by default, 2020-12 when its `$schema` says so) into a check that
 * returns why an answer fails, or null when it is valid JSON matching the schema. An invalid schema
 * is a UsageError; the task loader adds the file and line.
 */
export function compileAnswerSchema(schema: object): (answer: string) => string | null {
  const options = { allErrors: false, strict: false, validateFormats: false, logger: false } as const;
  const ajv = (schema as { $schema?: unknown }).$schema === DRAFT_2020 ? new Ajv2020(options) : new Ajv(options);
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(schema);
  } catch (error) {
    throw new UsageError(`invalid JSON Schema: ${(error as Error).message}`);
  }
  return (answer) => {
    const parsed = parseJsonAnswer(answer);
    if (!parsed.ok) return `not JSON: ${parsed.error}`;
    if (validate(parsed.value)) return null;
    const first = validate.errors?.[0];
    return `schema: ${first === undefined ? 'invalid' : describeError(first)}`;
  };
}
