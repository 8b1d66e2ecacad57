import { describe, expect, it } from 'vitest';
import { request } from './test-traffic.js';
import { VolumeDetector } from './volume-detector.js';

describe('VolumeDetector', () => {
  it('scores requests in the window against the saturation, and forgets a quiet key', () => {
    const clock = { now: 1_000_000 };
    const detector = new VolumeDetector({ saturationRequests: 10, now: () => clock.now });
    for (let index = 0; index < 4; index++) detector.observe('k', request(clock.now, 'hello'));
    expect(detector.score('k')).toEqual({ score: 0.4, reasons: ['4 requests in the last 60 s (score 1 at 10)'] });
    for (let index = 0; index < 20; index++) detector.observe('k', request(clock.now, 'hello'));
    expect(detector.score('k')).toEqual({ score: 1, reasons: ['10+ requests in the last 60 s (score 1 at 10)'] });
    clock.now += 61_000;
    expect(detector.score('k')).toEqual({ score: 0, reasons: [] });
  });

  it('rejects nonsensical settings', () => {
    expect(() => new VolumeDetector({ windowMs: 0 })).toThrow(RangeError);
    expect(() => new VolumeDetector({ saturationRequests: 0 })).toThrow(RangeError);
  });
});
