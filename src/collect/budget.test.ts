import { describe, expect, it } from 'vitest';
import { Budget } from './budget.js';

const empty = { committedUSD: 0, orphanedUSD: 0, reservedUSD: 0 };

describe('Budget', () => {
  it('admits a call whose worst case lands exactly on the maximum, and not a cent more', () => {
    const budget = new Budget(1, empty);
    expect(budget.tryReserve(0.5)).toEqual({ fits: true });
    expect(budget.tryReserve(0.5)).toEqual({ fits: true });
    const refused = budget.tryReserve(0.0001);
    expect(refused.fits).toBe(false);
    expect(budget.reservedUSD).toBe(1);
  });

  it('counts committed, orphaned and leftover reserved money from the ledger as spent', () => {
    const budget = new Budget(10, { committedUSD: 4, orphanedUSD: 3, reservedUSD: 2 });
    expect(budget.spentUSD).toBe(9);
    expect(budget.tryReserve(1).fits).toBe(true);
    const refused = budget.tryReserve(0.25);
    expect(refused.fits).toBe(false);
    if (!refused.fits) expect(refused.reason).toMatch(/budget of \$10\.00 reached: \$9\.00 spent and \$1\.00 in flight; the next call could cost up to \$0\.250/);
  });

  it('settling frees the worst case and keeps the actual cost', () => {
    const budget = new Budget(1, empty);
    expect(budget.tryReserve(0.75).fits).toBe(true);
    expect(budget.tryReserve(0.5).fits).toBe(false);
    budget.settle(0.75, 0.25);
    expect(budget.spentUSD).toBe(0.25);
    expect(budget.reservedUSD).toBe(0);
    expect(budget.tryReserve(0.75).fits).toBe(true);
  });

  it('refuses an invalid estimate instead of treating it as free', () => {
    const budget = new Budget(1, empty);
    expect(budget.tryReserve(Number.NaN).fits).toBe(false);
    expect(budget.tryReserve(-1).fits).toBe(false);
    expect(() => new Budget(-1, empty)).toThrow(RangeError);
  });
});
