import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ZodType } from 'zod';
import { taskSpecSchema, type TaskSpec } from './schema.js';
import { LABELS_PLACEHOLDER, placeholderPattern, templateFieldNames } from './template.js';
import { formatProblems, parseSettingsDocument, problemAt, SpecError, type SettingsDescription, type SpecProblem } from './yaml-settings.js';

export { SpecError, type SpecProblem } from './yaml-settings.js';

/** Where a prompt names an input field (`{{title}}`): the field's name and the placeholder's line. */
export interface PromptField {
  name: string;
  /** The message content it is written in, e.g. `prompt.messages[1].content`. */
  field: string;
  line: number | null;
  column: number | null;
}

/** A loaded task: the validated spec plus where it came from. */
export interface LoadedTask {
  spec: TaskSpec;
  file: string;
  /** Folder relative paths in the task file are resolved against. */
  baseDir: string;
  /** Absolute project folder (database, artefacts). */
  projectDir: string;
  /** What is worth a look but does not stop a run (e.g. a prompt that never lists the labels), each at its line. */
  warnings?: readonly SpecProblem[];
  /** Every input-field placeholder of the prompt with its line; absent for tasks built in code. */
  promptFields?: readonly PromptField[];
}

/** A task file's text, validated: the spec, its warnings and where its prompt names input fields. */
export interface ParsedTask {
  spec: TaskSpec;
  warnings: SpecProblem[];
  promptFields: PromptField[];
}

const TASK_FILE: SettingsDescription = { noun: 'task file', expected: 'name:, teacher:, prompt:, …' };

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
  const { spec, warnings, promptFields } = parseTaskText(text, absolute);
  const baseDir = path.dirname(absolute);
  const projectDir = path.resolve(baseDir, spec.project ?? path.join('.distillery', spec.name));
  return { spec, file: absolute, baseDir, projectDir, warnings, promptFields };
}

/** Parses and validates task YAML text; `file` is used in messages only. */
export function parseTaskSpec(text: string, file = 'task.yaml'): TaskSpec {
  return parseTaskText(text, file).spec;
}

/** Parses and validates task YAML text, keeping its warnings and the lines of its input-field placeholders. */
export function parseTaskText(text: string, file = 'task.yaml'): ParsedTask {
  const { value: spec, document } = parseSettingsDocument(text, file, taskSpecSchema, TASK_FILE);
  const warnings: SpecProblem[] = [];
  if (spec.kind === 'classify' && !spec.prompt.messages.some((message) => placeholderPattern(LABELS_PLACEHOLDER).test(message.content))) {
    warnings.push(problemAt(document, ['prompt', 'messages'], 'no message contains {{labels}}: the teacher is not told which labels to answer with, so more of its answers may be junk'));
  }
  const promptFields = spec.prompt.messages.flatMap((message, index) =>
    templateFieldNames([message]).map((name): PromptField => {
      const fieldPath = ['prompt', 'messages', index, 'content'];
      const position = document.positionOfText(fieldPath, placeholderPattern(name));
      return { name, field: `prompt.messages[${index}].content`, line: position?.line ?? null, column: position?.column ?? null };
    }),
  );
  return { spec, warnings, promptFields };
}

/** The error for prompt placeholders naming fields no input has, at the placeholder's line in the task file. */
export function unknownPromptFieldError(task: LoadedTask, missing: readonly string[], available: readonly string[]): SpecError {
  const problems = missing.map((name): SpecProblem => {
    const where = task.promptFields?.find((field) => field.name === name);
    return {
      field: where?.field ?? 'prompt.messages',
      line: where?.line ?? null,
      column: where?.column ?? null,
      message: `{{${name}}} names a field that no input has (${task.spec.inputs.path} has ${available.length > 0 ? available.join(', ') : 'no fields'})`,
    };
  });
  return new SpecError(formatProblems(task.file, TASK_FILE.noun, 'has errors', problems), task.file, problems);
}

/**
 * Parses YAML (or JSON) settings text and validates it with `schema`; every error names the file, line,
 * column and field. Shared by every settings file (task files, guard policy files).
 */
export function parseYamlSettings<T>(text: string, file: string, schema: ZodType<T>, describe: SettingsDescription): T {
  return parseSettingsDocument(text, file, schema, describe).value;
}
