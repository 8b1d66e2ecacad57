import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { deleteRedisNamespace, redisAnswers, startRedisFaultInjectionProxy, TEST_REDIS_URL, uniqueRedisPrefix } from '../../test/redis-helpers.js';
import { describeObservationBusConformance, detectorView, sampleFeatures } from './observation-bus-conformance.js';
import type { ObservationBus } from './observation-bus.js';
import { openRedisObservationBus } from './redis-observation-bus.js';
import { StoreError } from '../store/errors.js';
import type { RequestFeatures } from './types.js';

const available = await redisAnswers('Redis observation bus tests');
const run = uniqueRedisPrefix('bus');
let counter = 0;

afterAll(async () => {
  if (available) await deleteRedisNamespace(run);
});

/** Opens a bus and records what its subscriber receives. */
async function recordingBus(prefix: string, settings: { maxPromptCharacters?: number; replayMs?: number; url?: string; onError?: (error: unknown) => void } = {}): Promise<{ bus: ObservationBus; seen: Array<[string, RequestFeatures]> }> {
  const bus = await openRedisObservationBus({ url: TEST_REDIS_URL, prefix, blockMs: 100, replayMs: 0, ...settings });
  const seen: Array<[string, RequestFeatures]> = [];
  bus.subscribe((keyId, observed) => void seen.push([keyId, observed]));
  return { bus, seen };
}

describe.runIf(available)('Redis observation bus', () => {
  describeObservationBusConformance('redis', async () => {
    const prefix = `${run}:${counter++}`;
    const [a, b] = await Promise.all([openRedisObservationBus({ url: TEST_REDIS_URL, prefix, blockMs: 100 }), openRedisObservationBus({ url: TEST_REDIS_URL, prefix, blockMs: 100 })]);
    return { a, b, close: async () => void (await Promise.all([a.close(), b.close()])) };
  });

  it('cuts shared prompt text to the cap and replays recent traffic to a new replica', async () => {
    const prefix = `${run}:${counter++}`;
    const a = await recordingBus(prefix, { maxPromptCharacters: 5 });
    try {
      for (let index = 0; index < 3; index += 1) await a.bus.publish('key_a', sampleFeatures(index, 'a long secret prompt'));
      // The publisher's own detectors get the whole prompt; only what crosses Redis is cut.
      expect(a.seen[0]?.[1].prompt).toBe('a long secret prompt');
      const late = await recordingBus(prefix, { replayMs: 60_000 });
      const fresh = await recordingBus(prefix, { replayMs: 0 });
      try {
        await expect.poll(() => late.seen.length, { timeout: 10_000, interval: 5 }).toBe(3);
        expect(late.seen.map(([, observed]) => observed.prompt)).toEqual(['a lon', 'a lon', 'a lon']);
        expect(fresh.seen).toEqual([]);
      } finally {
        await Promise.all([late.bus.close(), fresh.bus.close()]);
      }
      const raw = new Redis(TEST_REDIS_URL);
      try {
        const stored = JSON.stringify(await raw.xrange(`${prefix}:observations`, '-', '+'));
        expect(stored).not.toContain('secret');
      } finally {
        raw.disconnect();
      }
    } finally {
      await a.bus.close();
    }
  });

  it('shares the sketch of a prompt, never its text, by default', async () => {
    const prefix = `${run}:${counter++}`;
    const [a, b] = [await recordingBus(prefix), await recordingBus(prefix)];
    const raw = new Redis(TEST_REDIS_URL);
    try {
      const features = { ...sampleFeatures(1, 'my secret prompt about the quarterly invoices'), lastMessage: 'my secret prompt about the quarterly invoices', systemPrompt: 'confidential system prompt' };
      await a.bus.publish('key_a', features);
      await expect.poll(() => b.seen.length, { timeout: 10_000, interval: 5 }).toBe(1);
      const stored = JSON.stringify(await raw.xrange(`${prefix}:observations`, '-', '+'));
      for (const word of ['secret', 'quarterly', 'invoices', 'confidential']) expect(stored).not.toContain(word);
      expect(stored).toContain('"sketch"');
      expect(b.seen[0]?.[1].prompt).toBe('');
      expect(detectorView(b.seen[0]?.[1] as RequestFeatures)).toEqual(detectorView(features));
    } finally {
      raw.disconnect();
      await Promise.all([a.bus.close(), b.bus.close()]);
    }
  });

  it('trims the stream by time to what a starting replica replays', async () => {
    const prefix = `${run}:${counter++}`;
    const clock = { now: Date.now() };
    const bus = await openRedisObservationBus({ url: TEST_REDIS_URL, prefix, replayMs: 1000, retainMs: 1000, now: () => clock.now });
    const raw = new Redis(TEST_REDIS_URL);
    try {
      await Promise.all(Array.from({ length: 300 }, (_, index) => bus.publish('key_a', sampleFeatures(index, 'x'))));
      expect(await raw.xlen(`${prefix}:observations`)).toBe(300);
      // An hour later by this replica's clock: everything but the newest observation is past the horizon.
      clock.now += 3_600_000;
      await bus.publish('key_a', sampleFeatures(301, 'x'));
      await bus.close();
      // MINID ~ removes whole stream nodes (100 entries each by default) that lie entirely past the horizon.
      expect(await raw.xlen(`${prefix}:observations`)).toBeLessThan(100);
    } finally {
      raw.disconnect();
      await bus.close();
    }
  });

  it('keeps the stream near its length cap', async () => {
    const prefix = `${run}:${counter++}`;
    const bus = await openRedisObservationBus({ url: TEST_REDIS_URL, prefix, maxEntries: 10 });
    const raw = new Redis(TEST_REDIS_URL);
    try {
      await Promise.all(Array.from({ length: 1000 }, (_, index) => bus.publish('key_a', sampleFeatures(index, 'x'))));
      await bus.close();
      // MAXLEN ~ trims whole stream nodes (100 entries each by default), so the length lands near the cap, never far above it.
      expect(await raw.xlen(`${prefix}:observations`)).toBeLessThan(200);
    } finally {
      raw.disconnect();
      await bus.close();
    }
  });

  it('keeps other namespaces out', async () => {
    const [first, second] = [`${run}:${counter++}`, `${run}:${counter++}`];
    const [a, b, c] = await Promise.all([recordingBus(first), recordingBus(second), recordingBus(second)]);
    try {
      await a.bus.publish('key_a', sampleFeatures(1, 'x'));
      await c.bus.publish('key_c', sampleFeatures(1, 'y'));
      await expect.poll(() => b.seen.length, { timeout: 10_000, interval: 5 }).toBe(1);
      expect(b.seen[0]?.[0]).toBe('key_c');
      expect(a.seen.map(([keyId]) => keyId)).toEqual(['key_a']);
    } finally {
      await Promise.all([a.bus.close(), b.bus.close(), c.bus.close()]);
    }
  });

  it('reports an outage once, and catches up on what was shared meanwhile once Redis is back', async () => {
    const prefix = `${run}:${counter++}`;
    const proxy = await startRedisFaultInjectionProxy();
    const errors: unknown[] = [];
    const [cutOff, other] = await Promise.all([recordingBus(prefix, { url: proxy.url, onError: (error) => errors.push(error) }), recordingBus(prefix)]);
    try {
      proxy.cut();
      await cutOff.bus.publish('key_a', sampleFeatures(1));
      await cutOff.bus.publish('key_a', sampleFeatures(2));
      await other.bus.publish('key_b', sampleFeatures(3));
      await expect.poll(() => errors.length, { timeout: 5000, interval: 10 }).toBeGreaterThan(0);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(StoreError);
      proxy.restore();
      // The reader resumes from the last id it delivered, so B's observation during the outage still arrives.
      await expect.poll(() => cutOff.seen.map(([, features]) => features.at), { timeout: 10_000, interval: 20 }).toEqual([1, 2, 3]);
    } finally {
      await Promise.all([cutOff.bus.close(), other.bus.close()]);
      await proxy.close();
    }
  });
});
