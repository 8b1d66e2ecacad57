/** Durations as people type them on a command line: `30d`, `12h`, `90m`, `45s`, `2w`. */
import { UsageError } from './errors.js';

/** Milliseconds per unit letter. */
const UNIT_MS: Readonly<Record<string, number>> = Object.freeze({ s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 });

/** The duration `text` in ms, or a UsageError naming `flag` and the accepted forms. */
export function parseDuration(text: string, flag: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$/i.exec(text);
  const amount = Number(match?.[1]);
  const unit = UNIT_MS[(match?.[2] ?? '').toLowerCase()];
  if (match === null || unit === undefined || !(amount > 0)) {
    throw new UsageError(`${flag} must be a positive duration such as 30d, 12h, 90m, 45s or 2w; got "${text}"`);
  }
  return Math.round(amount * unit);
}

/** The instant `text` names: a duration back from `now` (`7d`) or an ISO date (`2026-11-01`); a UsageError naming `flag` otherwise. */
export function parseSince(text: string, flag: string, now: number): number {
  if (/^\s*\d+(?:\.\d+)?\s*[smhdw]\s*$/i.test(text)) return now - parseDuration(text, flag);
  const at = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(at)) throw new UsageError(`${flag} must be a duration back from now (7d, 12h) or a date (2026-11-01); got "${text}"`);
  return at;
}
