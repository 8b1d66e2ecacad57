/** The sentences a collection run reports itself with. */
import { formatUSD } from './budget.js';
import type { StopReason } from './events.js';

/** What a run did, as far as its summary sentence needs. */
export interface RunOutcome {
  called: number;
  junk: number;
  spentUSD: number;
  failed: number;
  failedBilled: number;
  notAttempted: number;
  inFlightAtStop: number;
  overshoot: { answers: number; usd: number };
  budget: { spentUSD: number; maxUSD: number };
  stop: { reason: Exclude<StopReason, 'done'>; message: string } | null;
}

/** Says that calls an earlier run left in flight are counted as spent (they may have been billed). */
export function describeOrphans(orphans: { count: number; usd: number }): string {
  return `${orphans.count} call(s) were in flight when an earlier run stopped; they may have been billed, so $${formatUSD(orphans.usd)} is counted as spent.`;
}

/** Writes the one-paragraph outcome of a run, for the summary's message. */
export function summarise(run: RunOutcome, orphans: { count: number; usd: number }, cached: number, failedBefore: number): string {
  const parts: string[] = [];
  if (orphans.count > 0) {
    parts.push(describeOrphans(orphans));
  }
  parts.push(`${run.called} new answer(s) for $${formatUSD(run.spentUSD)}${run.junk > 0 ? ` (${run.junk} junk)` : ''}; ${cached} from the cache.`);
  if (run.failed > run.failedBilled) parts.push(`${run.failed - run.failedBilled} input(s) failed and will be tried again on the next run.`);
  if (run.failedBilled > 0) {
    parts.push(`${run.failedBilled} input(s) got a billed answer that could not be used; it is recorded as spent and not sent again unless you pass --retry-failed.`);
  }
  if (failedBefore > 0) parts.push(`${failedBefore} input(s) got a billed, unusable answer in an earlier run and were not sent again (pass --retry-failed to pay for them again).`);
  if (run.overshoot.answers > 0) parts.push(`${run.overshoot.answers} answer(s) cost more than reserved, by $${formatUSD(run.overshoot.usd)} in all.`);
  if (run.budget.spentUSD > run.budget.maxUSD) {
    parts.push(`Spending is $${formatUSD(run.budget.spentUSD - run.budget.maxUSD)} over the budget: $${formatUSD(run.budget.spentUSD)} of $${formatUSD(run.budget.maxUSD)}.`);
  }
  if (run.stop !== null) parts.push(run.stop.message);
  if (run.notAttempted > 0) parts.push(`${run.notAttempted} input(s) were not attempted.`);
  if (run.inFlightAtStop > 0) parts.push(`${run.inFlightAtStop} call(s) were cancelled in flight; they may have been billed and will be counted as orphaned by the next run.`);
  return parts.join(' ');
}
