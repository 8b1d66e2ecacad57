import type { ChatMessage } from '../teacher/types.js';
import { TASK_KINDS } from './kinds/registry.js';
import type { TaskSpec } from './schema.js';
import { kindOf, kindSettings } from './task-kind.js';
import { ANY_PLACEHOLDER, LABELS_PLACEHOLDER, splitTemplate, TEXT_PLACEHOLDER } from './template-parts.js';

export { LABELS_PLACEHOLDER, TEXT_PLACEHOLDER, labelList, splitTemplate } from './template-parts.js';

/** A pattern matching the placeholder `{{name}}` (spaces inside the braces allowed). */
export function placeholderPattern(name: string): RegExp {
  return new RegExp(`\\{\\{\\s*${name}\\s*\\}\\}`);
}

/** Placeholders filled by Distillery rather than by input fields: {{text}} and every kind's ({{labels}}, {{schema}}). */
const RESERVED_PLACEHOLDERS: ReadonlySet<string> = new Set([TEXT_PLACEHOLDER, LABELS_PLACEHOLDER, ...Object.values(TASK_KINDS).flatMap((kind) => kind.placeholders)]);

/** The input fields the messages name, other than {{text}} and the kinds' placeholders, each once in order of appearance. */
export function templateFieldNames(messages: readonly { content: string }[]): string[] {
  const names = messages.flatMap((message) => splitTemplate(message.content).names);
  return [...new Set(names.filter((name) => !RESERVED_PLACEHOLDERS.has(name)))];
}

/** Fills `{{name}}` placeholders from `values`; `{{labels}}` is the label list joined by ", ". */
export function renderTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(ANY_PLACEHOLDER, (whole, name: string) => values[name] ?? whole);
}

/**
 * The chat messages sent to the teacher for one input: `{{text}}` is its text, the kind's placeholders
 * its values (`{{labels}}` the label list, `{{schema}}` the JSON Schema), and every other `{{field}}`
 * that field of the input record (empty when this record lacks it).
 */
export function buildMessages(spec: TaskSpec, text: string, fields: Readonly<Record<string, string>> = {}): ChatMessage[] {
  const values: Record<string, string> = {};
  for (const name of templateFieldNames(spec.prompt.messages)) values[name] = fields[name] ?? '';
  Object.assign(values, kindOf(spec).promptValues(kindSettings(spec)));
  values[TEXT_PLACEHOLDER] = text;
  return spec.prompt.messages.map((message) => ({ role: message.role, content: renderTemplate(message.content, values) }));
}
