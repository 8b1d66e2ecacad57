import type { ChatMessage } from '../teacher/types.js';
import type { TaskSpec } from './schema.js';

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

/** The input fields the messages name, other than {{text}} and {{labels}}, each once in order of appearance. */
export function templateFieldNames(messages: readonly { content: string }[]): string[] {
  const names = messages.flatMap((message) => splitTemplate(message.content).names);
  return [...new Set(names.filter((name) => name !== TEXT_PLACEHOLDER && name !== LABELS_PLACEHOLDER))];
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
 * The chat messages sent to the teacher for one input: `{{text}}` is its text, `{{labels}}` the label
 * list, and every other `{{field}}` that field of the input record (empty when this record lacks it).
 */
export function buildMessages(spec: TaskSpec, text: string, fields: Readonly<Record<string, string>> = {}): ChatMessage[] {
  const values: Record<string, string> = {};
  for (const name of templateFieldNames(spec.prompt.messages)) values[name] = fields[name] ?? '';
  values[TEXT_PLACEHOLDER] = text;
  values[LABELS_PLACEHOLDER] = labelList(spec.labels);
  return spec.prompt.messages.map((message) => ({ role: message.role, content: renderTemplate(message.content, values) }));
}
