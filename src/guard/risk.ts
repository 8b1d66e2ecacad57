/**
 * The calibrated combination of detector scores into one risk per key: a logistic model whose weights
 * were fitted on simulated benign and distiller traffic (src/guard/risk-fit.ts), with its intercept
 * calibrated so that risk 0.5 (the default `flagAt`) is the false-positive budget: at most 1% of
 * benign personal keys ever flagged. Each weight is non-negative: a detector's alarm can only raise
 * risk, so an adaptive distiller cannot buy a lower risk by tripping one detector on purpose.
 */
import type { DetectorScore } from './types.js';

/** A fitted combination. */
export interface RiskModel {
  /** Log-odds when every score is 0; calibrated so that log-odds 0 (risk 0.5) is the false-positive budget. */
  readonly intercept: number;
  /** Weight per detector name. Detectors not listed add nothing (their reasons are still kept last). */
  readonly weights: Readonly<Record<string, number>>;
  /** How the coefficients were produced: the command, the seeds and the traffic. */
  readonly provenance: string;
}

/**
 * The committed coefficients, produced by `npm run bench:guard` (full size, bench/sections/guard-detection.ts):
 * weights fitted on seed 1's simulated traffic, threshold set at 0.5% of seed 3's benign personal keys,
 * evaluated on seed 2 in docs/benchmarks.md (section guard-detection), which says whether these still
 * match what the harness fits. PRADA and MMD end at 0: at this budget they add nothing the others do not.
 */
export const DEFAULT_RISK_MODEL: RiskModel = Object.freeze({
  intercept: -1.85,
  weights: Object.freeze({ volume: 0, rate: 4.089, diversity: 5.224, template: 3.198, 'near-duplicate': 0.983, elicitation: 5.081, prada: 0, mmd: 0, cohort: 0.592 }),
  provenance: 'npm run bench:guard: weights fitted on seed 1, threshold at 0.5% of seed 3\'s benign personal keys',
});

/** How many detectors' reasons the combined verdict lists. */
const TOP_REASONS = 3;

/** The logistic function. */
export function logistic(logOdds: number): number {
  return 1 / (1 + Math.exp(-logOdds));
}

/** Log-odds of harvesting under `model` for named scores (non-finite scores count as 0). */
export function riskLogOdds(scores: ReadonlyArray<{ name: string; result: DetectorScore }>, model: RiskModel = DEFAULT_RISK_MODEL): number {
  return scores.reduce((sum, entry) => sum + (model.weights[entry.name] ?? 0) * finiteScore(entry.result.score), model.intercept);
}

/** Combines detector scores into a calibrated risk with the top reasons in words, under `model`. */
export function combineRiskWith(model: RiskModel, scores: ReadonlyArray<{ name: string; result: DetectorScore }>): DetectorScore {
  const risk = logistic(riskLogOdds(scores, model));
  const ranked = scores
    .map((entry) => ({ entry, contribution: (model.weights[entry.name] ?? 0) * finiteScore(entry.result.score) }))
    .filter((item) => item.contribution > 0 && item.entry.result.reasons.length > 0)
    .sort((a, b) => b.contribution - a.contribution || a.entry.name.localeCompare(b.entry.name))
    .slice(0, TOP_REASONS);
  const summary = ranked.length === 0 ? `risk ${risk.toFixed(2)}: no detector sees harvesting` : `risk ${risk.toFixed(2)}, mostly from ${ranked.map((item) => `${item.entry.name} (+${item.contribution.toFixed(1)} log-odds)`).join(', ')}`;
  const reasons = [summary, ...ranked.flatMap((item) => item.entry.result.reasons.map((reason) => `${item.entry.name}: ${reason}`))];
  return { score: Math.min(1, Math.max(0, risk)), reasons };
}

/** The calibrated combination with the committed model; same shape as the policy engine's `combineScores`. */
export function combineRisk(scores: ReadonlyArray<{ name: string; result: DetectorScore }>): DetectorScore {
  return combineRiskWith(DEFAULT_RISK_MODEL, scores);
}

function finiteScore(score: number): number {
  return Number.isFinite(score) ? Math.min(1, Math.max(0, score)) : 0;
}
