/**
 * Redaction before anything captured is stored: a hook `(text) => text` applied to every request and
 * response text, with built-ins for e-mail addresses and long digit runs (phone, card, account numbers).
 */
import { UsageError } from '../util/errors.js';

/** Rewrites one text before it is stored; must be pure and fast (it runs on every captured call). */
export type Redactor = (text: string) => string;

/** Anything that looks like an address: local part, @, a dotted domain. */
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;
/** Five or more digits, optionally split by spaces or dashes: short counts and years stay readable. */
const LONG_NUMBER = /\d(?:[ -]?\d){4,}/g;

/** The built-in redactors, by the name `--redact` takes. */
export const BUILT_IN_REDACTORS: Readonly<Record<string, Redactor>> = Object.freeze({
  emails: (text: string) => text.replace(EMAIL, '[email]'),
  numbers: (text: string) => text.replace(LONG_NUMBER, '[number]'),
});

/** One redactor applying `redactors` in order; the identity for none. */
export function composeRedactors(redactors: readonly Redactor[]): Redactor {
  if (redactors.length === 0) return (text) => text;
  return (text) => redactors.reduce((current, redact) => redact(current), text);
}

/** The redactor a comma-separated list of built-in names describes (`emails,numbers`); a UsageError for an unknown name. */
export function redactorFromNames(list: string): Redactor {
  const names = list.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const redactors = names.map((name) => {
    const redactor = BUILT_IN_REDACTORS[name];
    if (redactor === undefined) throw new UsageError(`--redact: unknown redactor "${name}"; valid: ${Object.keys(BUILT_IN_REDACTORS).join(', ')}`);
    return redactor;
  });
  return composeRedactors(redactors);
}

/** `value` with every string inside it redacted (object keys kept): used on parsed requests and answers. */
export function redactDeep(value: unknown, redact: Redactor): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, redact));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactDeep(item, redact)]));
  }
  return value;
}
