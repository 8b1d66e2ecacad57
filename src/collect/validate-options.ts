/** The collector's numeric settings, checked before any money is spent. */
import type { CollectOptions } from './collector.js';

/** Validates the numbers a run depends on, so a typo fails before any money is spent. */
export function validate(options: CollectOptions): void {
  const problems: string[] = [];
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) problems.push(`concurrency must be an integer >= 1, got ${options.concurrency}`);
  if (!Number.isInteger(options.maxRetries) || options.maxRetries < 0) problems.push(`maxRetries must be an integer >= 0, got ${options.maxRetries}`);
  if (!(options.budgetUSD >= 0)) problems.push(`budgetUSD must be >= 0, got ${options.budgetUSD}`);
  if (!(options.maxOutputTokens > 0)) problems.push(`maxOutputTokens must be > 0, got ${options.maxOutputTokens}`);
  if (options.rpm !== undefined && !(options.rpm > 0)) problems.push(`rpm must be > 0, got ${options.rpm}`);
  if (options.tpm !== undefined && !(options.tpm > 0)) problems.push(`tpm must be > 0, got ${options.tpm}`);
  if (problems.length > 0) throw new RangeError(`invalid collect options: ${problems.join('; ')}`);
}
