/**
 * The task-kind seam. A kind says what an answer is (a label, a JSON object, free text) and owns
 * everything that depends on it: the prompt's extra placeholders, how a completion is read into an
 * answer, which curation filters apply, which student families fit, which metrics score it.
 * Collection, the store, the budget and resume know nothing kind-specific.
 */
import type { TeacherCompletion } from '../../teacher/types.js';

/** The names of the kinds, as written in the task file's `kind:`. */
export type TaskKindName = 'classify' | 'extract' | 'generate';

/** A JSON Schema object, as written under the task file's `schema:`. */
export type JsonSchemaObject = Readonly<Record<string, unknown>>;

/** What a kind needs from the task file to build prompts and read answers. */
export interface KindSettings {
  /** The label set in task order (classify only; empty otherwise). */
  labels: readonly string[];
  /** The answer's JSON Schema (extract only). */
  schema?: JsonSchemaObject;
}

/** One completion read as an answer of the task's kind. */
export interface AnswerReading {
  /** 'label': a usable answer (a label, a valid object, a text); 'junk': unusable, kept and counted, never coerced. */
  kind: 'label' | 'junk';
  /** The label answered (classify), else null. */
  label: string | null;
  /** Probability over the labels (task order) derived from logprobs (classify with soft labels), else null. */
  distribution: number[] | null;
  /** Probability mass the logprobs put outside every label, when known (classify). */
  tailMass: number | null;
  /** The teacher's text. */
  text: string;
  /** The parsed answer (extract: the JSON object), when there is one. */
  value?: unknown;
  /** Why a junk answer is junk, in one line (e.g. `schema: /name must be string`). */
  junkReason?: string;
  /** Oddities met while reading, the completion's own warnings first. */
  warnings: string[];
}

/** Reads completions into answers for one task (its labels, its schema). */
export type AnswerReader = (completion: TeacherCompletion) => AnswerReading;

/** One task kind: a module under src/task/kinds/, registered in registry.ts. */
export interface TaskKind {
  readonly name: TaskKindName;
  /** One line for `--help` and error messages. */
  readonly description: string;
  /** Placeholders this kind fills in prompts besides {{text}} (e.g. `labels`, `schema`). */
  readonly placeholders: readonly string[];
  /** The values of this kind's placeholders for a task. */
  promptValues(settings: KindSettings): Record<string, string>;
  /** A reader for this task's answers; throws when the settings cannot be read with (e.g. an invalid schema). */
  createReader(settings: KindSettings): AnswerReader;
  /** Curation filters that apply, by name (built in src/data). */
  readonly curationFilters: readonly string[];
  /** Student families that fit, by name (src/student). */
  readonly studentFamilies: readonly string[];
  /** Metrics that score it, by name (src/eval). */
  readonly metrics: readonly string[];
}
