import { describe, expect, it } from 'vitest';
import { combineRisk, combineRiskWith, DEFAULT_RISK_MODEL, logistic, type RiskModel } from './risk.js';
import { calibratedIntercept, fitNonNegativeLogistic, type RiskSample } from './risk-fit.js';
import { seededRandom } from '../util/random.js';

const model: RiskModel = { intercept: -4, weights: { template: 3, elicitation: 5, volume: 1 }, provenance: 'test' };
const verdict = (name: string, score: number, reasons: string[] = [`${name} evidence`]) => ({ name, result: { score, reasons } });

describe('combined risk', () => {
  it('is the logistic of the weighted scores, and names the strongest contributors first', () => {
    const combined = combineRiskWith(model, [verdict('volume', 0.5), verdict('template', 1), verdict('elicitation', 0.2), verdict('unknown', 1)]);
    expect(combined.score).toBeCloseTo(logistic(-4 + 0.5 + 3 + 1), 12);
    expect(combined.reasons[0]).toBe(`risk ${combined.score.toFixed(2)}, mostly from template (+3.0 log-odds), elicitation (+1.0 log-odds), volume (+0.5 log-odds)`);
    expect(combined.reasons.slice(1)).toEqual(['template: template evidence', 'elicitation: elicitation evidence', 'volume: volume evidence']);
  });

  it('treats non-finite scores as 0 and says when nothing contributes', () => {
    const combined = combineRiskWith(model, [verdict('template', Number.NaN), verdict('volume', 0, [])]);
    expect(combined.score).toBeCloseTo(logistic(-4), 12);
    expect(combined.reasons).toEqual([`risk ${logistic(-4).toFixed(2)}: no detector sees harvesting`]);
  });

  it('scores with the committed coefficients by default: values computed by hand from the published weights', () => {
    // logistic(-1.85 + 3.198·1 + 4.089·0.5) and logistic(-1.85 + 5.224 + 5.081 + 0.983·0.25), worked out outside this code.
    expect(combineRisk([verdict('template', 1), verdict('rate', 0.5)]).score).toBeCloseTo(0.9674693178, 9);
    expect(combineRisk([verdict('diversity', 1), verdict('elicitation', 1), verdict('near-duplicate', 0.25), verdict('volume', 1)]).score).toBeCloseTo(0.9998335668, 9);
    expect(combineRisk([]).score).toBeCloseTo(0.1358728970, 9);
    for (const name of ['volume', 'rate', 'diversity', 'template', 'near-duplicate', 'elicitation', 'prada', 'mmd', 'cohort']) expect(DEFAULT_RISK_MODEL.weights[name]).toBeGreaterThanOrEqual(0);
  });

  it('never lowers the risk when one detector\'s score rises, and saturates out-of-range scores', () => {
    const names = ['volume', 'rate', 'diversity', 'template', 'near-duplicate', 'elicitation', 'prada', 'mmd', 'cohort'];
    const base = names.map((name) => verdict(name, 0.3));
    for (const name of names) {
      const raised = base.map((entry) => (entry.name === name ? verdict(name, 0.9) : entry));
      expect(combineRisk(raised).score).toBeGreaterThanOrEqual(combineRisk(base).score);
      if ((DEFAULT_RISK_MODEL.weights[name] ?? 0) > 0) expect(combineRisk(raised).score).toBeGreaterThan(combineRisk(base).score);
    }
    expect(combineRiskWith(model, [verdict('template', 7)]).score).toBeCloseTo(logistic(-4 + 3), 12);
    expect(combineRiskWith(model, [verdict('template', -3)]).score).toBeCloseTo(logistic(-4), 12);
  });
});

describe('fitting the risk model', () => {
  it('recovers the weights of data drawn from a known logistic model, keeping negative ones at 0', () => {
    const random = seededRandom(7);
    const truth = { intercept: -2, weights: [3, 0, 1.5] };
    const samples: RiskSample[] = Array.from({ length: 4000 }, () => {
      const features = [random(), random(), random()];
      const logOdds = truth.intercept + features.reduce((sum, value, index) => sum + value * (truth.weights[index] as number), 0) - 2 * (features[1] as number);
      return { features, label: random() < logistic(logOdds) ? 1 : 0, weight: 1 };
    });
    const fitted = fitNonNegativeLogistic(samples, 3, { l2: 0 });
    expect(fitted.weights[0]).toBeCloseTo(3, 0);
    expect(fitted.weights[1]).toBe(0);
    expect(fitted.weights[2]).toBeCloseTo(1.5, 0);
    expect(fitted.intercept).toBeLessThan(-1.5);
  });

  it('calibrates the intercept so at most the budget of benign keys reach risk 0.5', () => {
    const maxima = Array.from({ length: 200 }, (_, index) => index / 100);
    const intercept = calibratedIntercept(maxima, 0.01);
    expect(maxima.filter((value) => value + intercept >= 0).length).toBe(2);
    expect(calibratedIntercept(maxima, 0)).toBeLessThan(-1.99);
  });
});
