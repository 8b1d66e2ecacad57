/**
 * Exact label matching. An answer counts as a label only when it *is* the label once trivial
 * wrapping is removed; anything else is junk, so the student never learns from a guessed label.
 */

/** Wrapping a model may put before a label: whitespace, quotes, backticks. */
const LEADING_NOISE = /^[\s"'`]+/;
/** Wrapping a model may put after a label: whitespace, quotes, backticks, a full stop. */
const TRAILING_NOISE = /[\s"'`.]+$/;
/** Characters allowed between a complete label and the end of an answer. */
const TERMINATOR = /^[\s"'`.]*$/;

/** Lower-cases, collapses whitespace runs and removes leading and trailing wrapping. */
export function normaliseAnswer(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').replace(LEADING_NOISE, '').replace(TRAILING_NOISE, '');
}

/** Lower-cases a token and collapses its whitespace, keeping it otherwise intact (for prefix walks). */
export function normaliseToken(token: string): string {
  return token.toLowerCase().replace(/\s+/g, ' ');
}

/** Removes the wrapping a model may put before a label (used before the label has begun). */
export function stripLeadingNoise(text: string): string {
  return text.replace(LEADING_NOISE, '');
}

/** True when `rest` holds nothing but what may follow a complete label. */
export function isTerminatorOnly(rest: string): boolean {
  return TERMINATOR.test(rest);
}

/** The label the answer names exactly (after trimming case, quotes, backticks, a final period), or null. */
export function matchLabel(answerText: string, labels: readonly string[]): string | null {
  const answer = normaliseAnswer(answerText);
  if (answer === '') return null;
  // Two labels may differ only in case ("Yes"/"yes"): prefer the one written exactly as answered.
  const exact = labels.find((label) => label.trim() === answerText.trim().replace(/^["'`]+|["'`.]+$/g, ''));
  if (exact !== undefined && normaliseAnswer(exact) === answer) return exact;
  return labels.find((label) => normaliseAnswer(label) === answer) ?? null;
}
