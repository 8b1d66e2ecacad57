/** Text normalisation shared by curation and the guard. */

/** Lowercase with whitespace collapsed: texts equal under this are exact duplicates. */
export function normaliseText(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim();
}
