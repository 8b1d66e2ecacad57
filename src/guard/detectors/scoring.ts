/** Small helpers that turn a detector's evidence into a score in [0, 1] and into words. */

/** 0 at or below `low`, 1 at or above `high`, linear between (NaN counts as no evidence). */
export function ramp(value: number, low: number, high: number): number {
  if (!(value > low)) return 0;
  if (value >= high) return 1;
  return (value - low) / (high - low);
}

/** A share as a whole percentage, e.g. '37%'. */
export function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

/** A number with three significant digits, for evidence in reasons. */
export function figure(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(3))) : String(value);
}

/** The verdict on a key a detector has seen nothing of (a fresh object: callers may extend its reasons). */
export function noEvidence(): { score: number; reasons: string[] } {
  return { score: 0, reasons: [] };
}
