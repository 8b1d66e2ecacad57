import type { ChatMessage } from '../teacher/types.js';
import type { TaskSpec } from './schema.js';

/** Fills `{{name}}` placeholders from `values`; `{{labels}}` is the label list joined by ", ". */
export function renderTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (whole, name: string) => values[name] ?? whole);
}

/** The chat messages sent to the teacher for one input text. */
export function buildMessages(spec: TaskSpec, text: string): ChatMessage[] {
  const values = { text, labels: spec.labels.join(', ') };
  return spec.prompt.messages.map((message) => ({ role: message.role, content: renderTemplate(message.content, values) }));
}
