/** A task file's kind, resolved: the kind module, its settings, and the reader of its answers. */
import { taskKind } from './kinds/registry.js';
import type { AnswerReader, KindSettings, TaskKind } from './kinds/types.js';
import type { TaskSpec } from './schema.js';

/** The kind module of a task. */
export function kindOf(spec: Pick<TaskSpec, 'kind'>): TaskKind {
  return taskKind(spec.kind);
}

/** What the task's kind reads from the task file: its labels, its schema. */
export function kindSettings(spec: Pick<TaskSpec, 'labels' | 'schema'>): KindSettings {
  return { labels: spec.labels, ...(spec.schema === undefined ? {} : { schema: spec.schema }) };
}

/** The reader of this task's answers (classify: labels and soft labels; extract: validated JSON; generate: text). */
export function answerReader(spec: Pick<TaskSpec, 'kind' | 'labels' | 'schema'>): AnswerReader {
  return kindOf(spec).createReader(kindSettings(spec));
}
