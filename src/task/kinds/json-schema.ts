/**
 * JSON Schema checking with ajv: whether a task's `schema:` is a valid JSON Schema (with the path of
 * each problem inside it, so the task file's error points at its line), and validating answers.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { JsonSchemaObject } from './types.js';

/** One problem with a schema or an answer: where (a JSON pointer split into keys) and what. */
export interface SchemaProblem {
  path: string[];
  message: string;
}

/** A compiled schema: validates a value, returning its problems (empty when valid). */
export type SchemaValidator = (value: unknown) => SchemaProblem[];

/** The keys of a JSON pointer ("/properties/name" → ["properties", "name"]). */
function pointerKeys(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((key) => key.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** ajv's errors as problems; `params` fill in what ajv's message leaves out (which property is missing or extra). */
function problemsOf(errors: readonly ErrorObject[] | null | undefined): SchemaProblem[] {
  return (errors ?? []).map((error) => {
    const detail = typeof error.params['additionalProperty'] === 'string' ? ` ("${error.params['additionalProperty']}")` : '';
    return { path: pointerKeys(error.instancePath), message: `${error.message ?? 'is invalid'}${detail}` };
  });
}

/**
 * The problems not enclosing another: the meta-schema's `anyOf` wrappers report "must match a schema
 * in anyOf" at a parent, which would point at the wrong line; the keyword that is wrong lies deeper.
 */
function deepest(problems: readonly SchemaProblem[]): SchemaProblem[] {
  const key = (problem: SchemaProblem): string => problem.path.map((part) => `${part}/`).join('');
  return problems.filter((problem) => !problems.some((other) => other.path.length > problem.path.length && key(other).startsWith(key(problem))));
}

/** A fresh ajv (strict: an unknown keyword such as `proprties` is an error, not silently ignored). */
function newAjv(): Ajv {
  return new Ajv({ allErrors: true, strict: true });
}

/** The problems that make `schema` an invalid JSON Schema (empty when it is valid). */
export function schemaProblems(schema: JsonSchemaObject): SchemaProblem[] {
  const ajv = newAjv();
  if (ajv.validateSchema(schema) !== true) return deepest(problemsOf(ajv.errors));
  try {
    ajv.compile(schema);
    return [];
  } catch (error) {
    // Strict-mode and reference errors surface at compile time, without a path.
    return [{ path: [], message: error instanceof Error ? error.message : String(error) }];
  }
}

/** Compiles `schema` into a validator; throws when it is not a valid JSON Schema. */
export function compileSchema(schema: JsonSchemaObject): SchemaValidator {
  const validate: ValidateFunction = newAjv().compile(schema);
  return (value) => (validate(value) ? [] : problemsOf(validate.errors));
}

/** One problem as a line: `/name must be string`. */
export function describeSchemaProblem(problem: SchemaProblem): string {
  return `${problem.path.length === 0 ? '(the answer)' : `/${problem.path.join('/')}`} ${problem.message}`;
}
