/**
 * The extract kind: the answer is a JSON object matching the task's JSON Schema. A teacher may wrap
 * the JSON in a fenced block (```json … ```); an answer that is not JSON, or breaks the schema, is
 * junk with the reason recorded, never trained on.
 */
import type { TeacherCompletion } from '../../teacher/types.js';
import { compileSchema, describeSchemaProblem, type SchemaValidator } from './json-schema.js';
import type { AnswerReading, KindSettings, TaskKind } from './types.js';

/** A fenced block, optionally tagged json; its body is group 1. */
const FENCED_BLOCK = /```[ \t]*(?:json|JSON)?[ \t]*\r?\n?([\s\S]*?)```/;

/** The JSON text of an answer: the first fenced block's body when there is one, else the whole text. */
export function jsonText(text: string): string {
  return (FENCED_BLOCK.exec(text)?.[1] ?? text).trim();
}

/** A junk reading of `completion` for `reason`. */
function junk(completion: TeacherCompletion, reason: string, warnings: string[]): AnswerReading {
  return { kind: 'junk', label: null, distribution: null, tailMass: null, text: completion.text, junkReason: reason, warnings };
}

/** Reads one completion as a JSON object and validates it. */
export function readExtractAnswer(completion: TeacherCompletion, validate: SchemaValidator): AnswerReading {
  const warnings = [...completion.warnings];
  const source = jsonText(completion.text);
  if (source === '') return junk(completion, 'empty: the answer is blank', warnings);
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (error) {
    return junk(completion, `not JSON: ${(error as Error).message}`, warnings);
  }
  const problems = validate(value);
  if (problems.length > 0) return junk(completion, `schema: ${problems.map(describeSchemaProblem).join('; ')}`, warnings);
  return { kind: 'label', label: null, distribution: null, tailMass: null, text: completion.text, value, warnings };
}

/** Answers are JSON objects matching `schema:`; `{{schema}}` writes the schema into the prompt. */
export const extractKind: TaskKind = Object.freeze({
  name: 'extract',
  description: 'the answer is a JSON object matching the task\'s JSON Schema (schema:)',
  placeholders: Object.freeze(['schema']),
  promptValues: (settings: KindSettings) => ({ schema: JSON.stringify(settings.schema ?? {}) }),
  createReader: (settings: KindSettings) => {
    const validate = compileSchema(settings.schema ?? {});
    return (completion: TeacherCompletion) => readExtractAnswer(completion, validate);
  },
  curationFilters: Object.freeze(['truncated', 'refusal', 'empty', 'schema']),
  studentFamilies: Object.freeze(['auto', 'span', 'lm']),
  metrics: Object.freeze(['valid-rate', 'field-f1', 'exact-match', 'judge']),
});
