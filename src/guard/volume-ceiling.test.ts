import { describe, expect, it } from 'vitest';
import { combineRisk } from './risk.js';
import { withVolumeCeiling } from './volume-ceiling.js';

describe('withVolumeCeiling', () => {
  const combine = withVolumeCeiling(combineRisk);
  it('lets a saturated volume score through, with its reason first', () => {
    const result = combine([{ name: 'volume', result: { score: 1, reasons: ['130 requests in the last 60 s'] } }, { name: 'rate', result: { score: 0, reasons: [] } }]);
    expect(result.score).toBe(1);
    expect(result.reasons[0]).toMatch(/^volume \(owner-set ceiling\): 130 requests/);
  });
  it('keeps the calibrated risk when it is higher than volume', () => {
    const scores = [{ name: 'volume', result: { score: 0.1, reasons: [] } }, { name: 'elicitation', result: { score: 1, reasons: ['asks for logprobs'] } }, { name: 'diversity', result: { score: 1, reasons: ['broad'] } }];
    expect(combine(scores)).toEqual(combineRisk(scores));
  });
});
