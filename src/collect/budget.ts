import type { Ledger } from '../store/types.js';

/** Whether a call may start, and why not when it may not. */
export type BudgetDecision = { fits: true } | { fits: false; reason: string };

/**
 * The in-memory side of the budget: money already spent (committed plus orphaned, from the store)
 * plus the worst case of every call in flight. A call starts only if its own worst case still fits,
 * so the total can never pass the maximum even if every call in flight costs its worst case.
 */
export class Budget {
  readonly maxUSD: number;
  #spentUSD: number;
  #reservedUSD = 0;

  /** A budget of `maxUSD` that starts from what the ledger says was already spent or in flight. */
  constructor(maxUSD: number, ledger: Ledger) {
    if (!(maxUSD >= 0)) throw new RangeError(`budget must be >= 0 USD, got ${maxUSD}`);
    this.maxUSD = maxUSD;
    // Reservations still in the ledger belong to calls we cannot see finishing: count them as spent.
    this.#spentUSD = ledger.committedUSD + ledger.orphanedUSD + ledger.reservedUSD;
  }

  /** Money spent so far (including what earlier runs spent). */
  get spentUSD(): number {
    return this.#spentUSD;
  }

  /** Worst-case cost of the calls in flight. */
  get reservedUSD(): number {
    return this.#reservedUSD;
  }

  /** Reserves `estimateUSD` if spent + reserved + estimate stays within the maximum. */
  tryReserve(estimateUSD: number): BudgetDecision {
    if (!Number.isFinite(estimateUSD) || estimateUSD < 0) return { fits: false, reason: `the cost estimate of the next call is not a valid amount (${estimateUSD})` };
    const total = this.#spentUSD + this.#reservedUSD + estimateUSD;
    if (total > this.maxUSD) {
      return {
        fits: false,
        reason: `budget of $${formatUSD(this.maxUSD)} reached: $${formatUSD(this.#spentUSD)} spent and $${formatUSD(this.#reservedUSD)} in flight; ` +
          `the next call could cost up to $${formatUSD(estimateUSD)}. Raise budget.maxUSD to continue.`,
      };
    }
    this.#reservedUSD += estimateUSD;
    return { fits: true };
  }

  /** Reserves `estimateUSD` whether or not it fits: money already committed upstream (a submitted batch being resumed). */
  hold(estimateUSD: number): void {
    this.#reservedUSD += Math.max(0, estimateUSD);
  }

  /** Settles a reservation: frees `reservedUSD` and records `actualUSD` as spent. */
  settle(reservedUSD: number, actualUSD: number): void {
    this.#reservedUSD = Math.max(0, this.#reservedUSD - reservedUSD);
    this.#spentUSD += actualUSD;
  }
}

/** Formats dollars with enough digits for sub-cent calls. */
export function formatUSD(amount: number): string {
  return amount >= 1 ? amount.toFixed(2) : amount.toPrecision(3);
}
