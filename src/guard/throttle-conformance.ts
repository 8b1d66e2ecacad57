/**
 * The one test suite every `Throttle` runs (in-memory, Redis). `open` returns two throttles that
 * share their buckets as two replicas would (the in-memory one: the same instance twice), with
 * fresh buckets each time.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_RULE } from './policy-config.js';
import type { Throttle } from './throttle.js';

/** A pair of replicas' throttles and how to release them. */
export interface ThrottlePair {
  a: Throttle;
  b: Throttle;
  close(): Promise<void>;
}

/** Burst 4, one token a second. */
const rule = { ...DEFAULT_POLICY_RULE, throttleBurst: 4, throttleRequestsPerMinute: 60 };

/** Registers the shared Throttle conformance suite under `name`. */
export function describeThrottleConformance(name: string, open: () => Promise<ThrottlePair>): void {
  describe(`Throttle conformance: ${name}`, () => {
    let pair: ThrottlePair;
    beforeEach(async () => {
      pair = await open();
    });
    afterEach(async () => {
      await pair.close();
    });

    it('lets a burst through across replicas, then says when the next token comes', async () => {
      const results = await Promise.all(Array.from({ length: 10 }, (_, index) => (index % 2 === 0 ? pair.a : pair.b).take('key_shared', rule)));
      expect(results.filter((result) => result.allowed)).toHaveLength(4);
      for (const result of results.filter((taken) => !taken.allowed)) {
        expect(result.retryAfterMs).toBeGreaterThan(0);
        expect(result.retryAfterMs).toBeLessThanOrEqual(1000);
      }
      expect(results.filter((result) => result.allowed).every((result) => result.retryAfterMs === 0)).toBe(true);
    });

    it('keeps one bucket per key', async () => {
      for (let index = 0; index < 4; index += 1) await pair.a.take('key_busy', rule);
      expect((await pair.b.take('key_busy', rule)).allowed).toBe(false);
      expect((await pair.b.take('key_quiet', rule)).allowed).toBe(true);
    });

    it('rejects a rule without a positive burst and rate', async () => {
      await expect(pair.a.take('key_bad', { ...rule, throttleRequestsPerMinute: 0 })).rejects.toBeInstanceOf(RangeError);
      await expect(pair.a.take('key_bad', { ...rule, throttleBurst: 0 })).rejects.toBeInstanceOf(RangeError);
    });
  });
}
