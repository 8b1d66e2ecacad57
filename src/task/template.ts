import type { ChatMessage } from '../teacher/types.js';
import { TASK_KINDS } from './kinds/registry.js';
import type { TaskSpec } from './schema.js';
import { kindOf, kindSettings } from './task-kind.js';

/** The placeholder of the input text. */
export const TEXT_PLACEHOLDER = 'text';
/** The placeholder of the label list. */
export const LABELS_PLACEHOLDER = 'labels';

/** Any `{{name}}` placeholder (spaces inside the braces allowed); the name is group 1. */
const ANY_PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** A pattern matching the placeholder `{{name}}` (spaces inside the braces allowed). */
export function placeholderPattern(name: string): RegExp {
  return new RegExp(`\\{\\{\\s*${name}\\s*\\}\\}`);
}

/** The text of a template split at its placeholders: literal, name, literal, name, …, literal. */
export function splitTemplate(template: string): { literals: string[]; names: string[] } {
  const literals: string[] = [];
  const names: string[] = [];
  let last = 0;
  for (const match of template.matchAll(ANY_PLACEHOLDER)) {
    literals.push(template.slice(last, match.index));
    names.push(match[1] as string);
    last = match.index + match[0].length;
  }
  literals.push(template.slice(last));
  return { literals, names };
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

/** The label list as `{{labels}}` writes it. */
export function labelList(labels: readonly string[]): string {
  return labels.join(', ');
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
