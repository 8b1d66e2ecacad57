/**
 * Money for people: plain decimals, never exponent notation. Per-call costs of a small student are
 * millionths of a dollar, and `$1.34e-6` reads as noise to anyone who is not a programmer.
 */

/** Most decimals shown; below $10⁻¹⁵ the amount is written as "<$0.000000000000001". */
const MAX_DECIMALS = 15;

/**
 * Formats US dollars: two decimals (with thousands separators) from $0.10 up, otherwise
 * `significantDigits` significant digits as a plain decimal ($0.0000013, $0.0123); $0 for zero.
 */
export function formatUSD(amount: number, significantDigits = 3): string {
  if (!Number.isFinite(amount)) return String(amount);
  if (amount < 0) return `-${formatUSD(-amount, significantDigits)}`;
  if (amount === 0) return '$0';
  if (amount >= 0.1) return `$${amount.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  const decimals = significantDigits - 1 - Math.floor(Math.log10(amount));
  if (decimals > MAX_DECIMALS) return `<$${(10 ** -MAX_DECIMALS).toFixed(MAX_DECIMALS)}`;
  return `$${trimZeros(amount.toFixed(Math.max(2, decimals)))}`;
}

/** Drops trailing zeros after the decimal point, keeping at least two decimals ($0.10, not $0.1). */
function trimZeros(fixed: string): string {
  const trimmed = fixed.replace(/0+$/u, '');
  const decimals = trimmed.length - trimmed.indexOf('.') - 1;
  return decimals >= 2 ? trimmed : fixed.slice(0, trimmed.indexOf('.') + 3);
}
