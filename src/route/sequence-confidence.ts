/**
 * How sure a language-model student is of one answer, for the route: the geometric mean of its
 * tokens' probabilities, exp(mean logprob), so a long answer is not punished for its length the way
 * a product would be; zero for an answer max tokens cut short, and, for extract tasks, for one that
 * does not parse or breaks the task's schema (an invalid object is never worth answering locally).
 * Agreement with the teacher: the same JSON value (extract), the same text once trimmed (generate).
 */
import type { GenerativeStudent } from '../student/lm/types.js';
import { compileSchema as compileDecodingSchema } from '../student/lm/json-schema.js';
import { UnsupportedSchemaError } from '../student/lm/errors.js';
import { jsonText } from '../task/kinds/extract.js';
import { compileSchema as compileValidator, type SchemaValidator } from '../task/kinds/json-schema.js';
import type { Generation } from '../student/lm/decoder.js';

/** A language-model student as the route runs it: greedily, constrained to the task's schema where decoding supports it. */
export interface GenerativeRouting {
  student: GenerativeStudent;
  /** extract: the task's schema checks every answer; undefined for generate. */
  validate: SchemaValidator | undefined;
  /** The schema constrained decoding follows; undefined when there is none or it uses keywords decoding cannot follow. */
  decodingSchema: unknown;
  /** Answer tokens at most (the task's maxTokens, else the model's context). */
  maxTokens: number;
}

/** What the student answered and how sure it is. */
export interface GenerativeAnswer {
  generation: Generation;
  confidence: number;
  /** The parsed object (extract), when the answer is valid. */
  value: unknown;
}

/** The route's settings for `student` on a task of `kind` (with its schema for extract). */
export function generativeRouting(student: GenerativeStudent, kind: 'extract' | 'generate', schema: Record<string, unknown> | undefined, maxTokens: number | undefined): GenerativeRouting {
  const validate = kind === 'extract' && schema !== undefined ? compileValidator(schema) : undefined;
  let decodingSchema: unknown;
  if (validate !== undefined) {
    try {
      compileDecodingSchema(schema);
      decodingSchema = schema;
    } catch (error) {
      if (!(error instanceof UnsupportedSchemaError)) throw error;
    }
  }
  return { student, validate, decodingSchema, maxTokens: maxTokens ?? student.config.context };
}

/** The parsed JSON of an answer when it is valid under `validate`, else undefined. */
function validValue(text: string, validate: SchemaValidator): unknown {
  try {
    const value: unknown = JSON.parse(jsonText(text));
    return validate(value).length === 0 ? value : undefined;
  } catch {
    return undefined;
  }
}

/** exp(mean token logprob) of a generation; 0 when it has no tokens or was cut short. */
export function sequenceConfidence(generation: Generation): number {
  if (generation.finishReason === 'length' || generation.logprobs.length === 0) return 0;
  const mean = generation.logprobs.reduce((sum, token) => sum + token.logprob, 0) / generation.logprobs.length;
  return Math.exp(mean);
}

/** The student's greedy answer to `input` with its confidence (0 for an invalid extract answer). */
export function answerWithConfidence(routing: GenerativeRouting, input: string): GenerativeAnswer {
  const generation = routing.student.generate(input, { maxTokens: routing.maxTokens, temperature: 0, ...(routing.decodingSchema === undefined ? {} : { schema: routing.decodingSchema }) });
  if (routing.validate === undefined) return { generation, confidence: sequenceConfidence(generation), value: undefined };
  const value = validValue(generation.text, routing.validate);
  return { generation, confidence: value === undefined ? 0 : sequenceConfidence(generation), value };
}

/** A JSON value with object keys sorted, so equal objects print equal. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, item]) => [key, canonical(item)]));
  return value;
}

/** Whether the student's answer agrees with the teacher's text: the same JSON value (extract) or the same trimmed text. */
export function agreesWithTeacher(routing: GenerativeRouting, answer: GenerativeAnswer, teacherText: string): boolean {
  if (routing.validate === undefined) return answer.generation.text.trim() === teacherText.trim();
  if (answer.value === undefined) return false;
  try {
    return JSON.stringify(canonical(answer.value)) === JSON.stringify(canonical(JSON.parse(jsonText(teacherText))));
  } catch {
    return false;
  }
}

/** Whether two answer texts agree: the same JSON value under `validate` (extract; an invalid student answer never agrees) or the same trimmed text. */
export function answersAgree(validate: SchemaValidator | undefined, studentText: string, teacherText: string): boolean {
  if (validate === undefined) return studentText.trim() === teacherText.trim();
  const value = validValue(studentText, validate);
  if (value === undefined) return false;
  try {
    return JSON.stringify(canonical(value)) === JSON.stringify(canonical(JSON.parse(jsonText(teacherText))));
  } catch {
    return false;
  }
}
