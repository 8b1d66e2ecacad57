import { UsageError } from '../util/errors.js';

/**
 * Reads a whole-number flag strictly: `Number()` would take "1e3", " 12 " and "0x10", and turn
 * "abc" into NaN that fails far from the flag (the demo once said "inputs.jsonl is empty").
 */
export function parseIntegerOption(flag: string, value: string, options: { min: number; max?: number; what?: string }): number {
  const what = options.what ?? (options.min === 1 ? 'a positive integer' : `an integer of at least ${options.min}`);
  const parsed = /^\d+$/u.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < options.min || (options.max !== undefined && parsed > options.max)) {
    throw new UsageError(`${flag} must be ${what}, got "${value}"`);
  }
  return parsed;
}

/** Reads `--port`: 0 (any free port) to 65535. */
export function parsePortOption(value: string, flag = '--port'): number {
  return parseIntegerOption(flag, value, { min: 0, max: 65_535, what: 'a port number from 0 to 65535' });
}
