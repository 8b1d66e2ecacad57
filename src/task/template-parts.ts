/**
 * The pure pieces of prompt templates — placeholder names, splitting a template at its placeholders, the
 * label list — apart from template.ts so that what runs with a student (template inversion, which a
 * browser may load) does not pull in the task kinds and their JSON Schema validator.
 */

/** The placeholder of the input text. */
export const TEXT_PLACEHOLDER = 'text';
/** The placeholder of the label list. */
export const LABELS_PLACEHOLDER = 'labels';

/** Any `{{name}}` placeholder (spaces inside the braces allowed); the name is group 1. */
export const ANY_PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

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

/** The label list as `{{labels}}` writes it. */
export function labelList(labels: readonly string[]): string {
  return labels.join(', ');
}
