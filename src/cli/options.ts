/** Parsing of the option values several commands share; a bad value is a UsageError naming the flag. */
import { UsageError } from '../util/errors.js';

/** A TCP port from the command line: an integer from 0 (any free port) to 65535. */
export function parsePort(value: string, flag = '--port'): number {
  const port = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(port) || port > 65535) throw new UsageError(`${flag} must be an integer from 0 to 65535 (0 picks a free port), got "${value}"`);
  return port;
}

/**
 * A whole number within bounds, read strictly: `Number()` would take "1e3" and "0x10", and turn "abc"
 * into a NaN that fails far from the flag (the demo once said "inputs.jsonl is empty").
 */
export function parseIntegerOption(flag: string, value: string, options: { min: number; max?: number; what?: string }): number {
  const what = options.what ?? (options.min === 1 ? 'a positive integer' : `an integer of at least ${options.min}`);
  const parsed = /^\d+$/u.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < options.min || (options.max !== undefined && parsed > options.max)) {
    throw new UsageError(`${flag} must be ${what}, got "${value}"`);
  }
  return parsed;
}

/** A whole number ≥ 1 from the command line. */
export function parsePositiveInteger(value: string, flag: string): number {
  return parseIntegerOption(flag, value, { min: 1, what: 'a positive whole number' });
}

/** An http(s) URL from the command line, e.g. an upstream's base URL. */
export function parseHttpUrl(value: string, flag: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${flag} must be an http:// or https:// URL, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${flag} must be an http:// or https:// URL, got "${value}"`);
  return value;
}
