/**
 * What a failed attempt may have cost, and whether it may be sent again. Three cases:
 *  - surely not billed (refused connection, an HTTP error status): retried or given up for free;
 *  - possibly billed (timed out, connection dropped after sending): charged at the reservation's worst
 *    case and journalled before the retry, so a kill -9 during the retry cannot lose it;
 *  - billed (a 2xx whose body could not be used): charged at the usage the body reported, else at the
 *    worst case, journalled as final, and never sent again unless the user asks (`--retry-failed`).
 */
import type { BilledAttempt, BilledBasis } from '../store/types.js';
import { TeacherConnectionError, TeacherError, TeacherResponseError, TeacherTimeoutError } from '../teacher/errors.js';
import { formatUSD } from './budget.js';

/** How one failed attempt is charged. */
export type AttemptCharge =
  | { kind: 'free' }
  | { kind: 'possibly-billed'; usd: number; basis: 'worst-case' }
  | { kind: 'billed'; usd: number; basis: BilledBasis };

/** Charges a failed attempt that reserved `reservedUSD`; `costUSD` prices reported usage. */
export function chargeFor(error: unknown, reservedUSD: number, costUSD: (usage: { inputTokens: number; outputTokens: number }) => number): AttemptCharge {
  if (error instanceof TeacherResponseError) {
    return error.usage === null ? { kind: 'billed', usd: reservedUSD, basis: 'worst-case' } : { kind: 'billed', usd: costUSD(error.usage), basis: 'reported-usage' };
  }
  if (error instanceof TeacherTimeoutError) return { kind: 'possibly-billed', usd: reservedUSD, basis: 'worst-case' };
  if (error instanceof TeacherConnectionError) return error.mayHaveBeenSent ? { kind: 'possibly-billed', usd: reservedUSD, basis: 'worst-case' } : { kind: 'free' };
  // Not one of ours: a provider tripped over something, possibly after the teacher answered.
  if (!(error instanceof TeacherError)) return { kind: 'billed', usd: reservedUSD, basis: 'worst-case' };
  return { kind: 'free' };
}

/** The journal record of a charged attempt. */
export function billedAttempt(call: { cacheKey: string; inputId: string }, charge: Exclude<AttemptCharge, { kind: 'free' }>, reason: string, recordedAt: number): BilledAttempt {
  return { cacheKey: call.cacheKey, inputId: call.inputId, billedUSD: charge.usd, basis: charge.basis, final: charge.kind === 'billed', reason, recordedAt };
}

/** Says what a billed failure was charged and on what basis, for messages. */
export function describeCharge(charge: Exclude<AttemptCharge, { kind: 'free' }>): string {
  return charge.basis === 'reported-usage'
    ? `$${formatUSD(charge.usd)} recorded as spent (the usage the answer reported)`
    : `$${formatUSD(charge.usd)} recorded as spent (the reservation's worst case: the answer reported no usage)`;
}
