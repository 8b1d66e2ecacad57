import { describe, expect, it } from 'vitest';
import { binomialInterval, DriftMonitor } from './drift.js';

describe('the drift monitor', () => {
  it('stays quiet while the escalation rate matches its calibration, fires once when it leaves the interval, and clears when it is back', () => {
    const lines: string[] = [];
    const monitor = new DriftMonitor({ escalationRate: 0.25, shadowAgreement: null }, { window: 100, log: (line) => lines.push(line) });
    // Exactly the calibrated 25%: every fourth call escalated.
    for (let call = 0; call < 400; call++) monitor.recordCall(call % 4 === 0);
    expect(lines).toEqual([]);
    expect(monitor.state()['escalation-rate']).toMatchObject({ observed: 0.25, samples: 100, alarm: false });
    // Traffic the student no longer knows: every call escalated.
    for (let call = 0; call < 30; call++) monitor.recordCall(true);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/drift alarm: the escalation rate over the last 100 calls is \d+\.\d%, outside \d+\.\d%–\d+\.\d% \(calibrated 25\.0%\)/);
    expect(monitor.state()['escalation-rate'].alarm).toBe(true);
    for (let call = 0; call < 200; call++) monitor.recordCall(call % 4 === 0);
    expect(lines.at(-1)).toMatch(/drift cleared/);
    expect(lines).toHaveLength(2);
  });

  it('judges shadow agreement once enough comparisons are in, and starts again after a reset', () => {
    const lines: string[] = [];
    const monitor = new DriftMonitor({ escalationRate: null, shadowAgreement: 0.98 }, { window: 200, minShadow: 50, log: (line) => lines.push(line) });
    for (let call = 0; call < 49; call++) monitor.recordShadow(call % 2 === 0);
    expect(monitor.state()['shadow-agreement'].interval).toBeNull();
    monitor.recordShadow(false);
    expect(lines[0]).toMatch(/drift alarm: the shadow agreement/);
    monitor.reset({ escalationRate: null, shadowAgreement: 0.5 });
    expect(monitor.state()['shadow-agreement']).toMatchObject({ samples: 0, alarm: false, expected: 0.5 });
  });

  it('computes the binomial interval with a continuity correction, clipped to [0, 1]', () => {
    const [low, high] = binomialInterval(0.25, 100, 3);
    expect(low).toBeCloseTo(0.25 - (3 * Math.sqrt(0.25 * 0.75 / 100) + 0.005), 12);
    expect(high).toBeCloseTo(0.25 + (3 * Math.sqrt(0.25 * 0.75 / 100) + 0.005), 12);
    expect(binomialInterval(0.99, 50, 3)[1]).toBe(1);
  });
});
