import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECTOR_NAMES, defaultDetectors } from './index.js';
import { DEFAULT_RISK_MODEL } from '../risk.js';

describe('defaultDetectors', () => {
  it('returns the full set, in the documented order, each with a weight in the committed risk model', () => {
    const detectors = defaultDetectors();
    expect(detectors.map((detector) => detector.name)).toEqual([...DEFAULT_DETECTOR_NAMES]);
    for (const name of DEFAULT_DETECTOR_NAMES) expect(DEFAULT_RISK_MODEL.weights[name]).toBeTypeOf('number');
  });

  it('passes the clock and per-detector settings through', () => {
    const clock = { now: 0 };
    const [volume] = defaultDetectors({ now: () => clock.now, volume: { saturationRequests: 2 } });
    volume?.observe('k', { at: 0, route: '/v1/chat/completions', model: null, prompt: 'x', messageCount: 1, stream: false, maxTokens: null, logprobs: false, topLogprobs: null, temperature: null });
    expect(volume?.score('k')).toEqual({ score: 0.5, reasons: ['1 requests in the last 60 s (score 1 at 2)'] });
    clock.now = 120_000;
    expect(volume?.score('k')).toEqual({ score: 0, reasons: [] });
  });
});
