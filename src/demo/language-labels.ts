/**
 * The 54 language ids of VS Code's language detector (guesslang's model), sorted. Hard-coded so the
 * demo task file and the corpus can name them without loading the model; a test checks that the
 * model still answers exactly these.
 */
export const LANGUAGE_LABELS = Object.freeze([
  'asm', 'bat', 'c', 'cbl', 'clj', 'cmake', 'coffee', 'cpp', 'cs', 'css',
  'csv', 'dart', 'dm', 'dockerfile', 'erl', 'ex', 'f90', 'go', 'groovy', 'hs',
  'html', 'ini', 'java', 'jl', 'js', 'json', 'kt', 'lisp', 'lua', 'makefile',
  'matlab', 'md', 'ml', 'mm', 'pas', 'php', 'pm', 'prolog', 'ps1', 'py',
  'r', 'rb', 'rs', 'scala', 'sh', 'sql', 'swift', 'tex', 'toml', 'ts',
  'v', 'vba', 'xml', 'yaml',
] as const);

/** One of the detector's language ids. */
export type LanguageLabel = (typeof LANGUAGE_LABELS)[number];

/** Whether `value` is one of the detector's language ids. */
export function isLanguageLabel(value: string): value is LanguageLabel {
  return (LANGUAGE_LABELS as readonly string[]).includes(value);
}
