import { afterAll, describe, expect, it } from 'vitest';
import { StoreError } from '../store/errors.js';
import { deleteRedisNamespace, redisAnswers, startRedisFaultInjectionProxy, TEST_REDIS_URL, uniqueRedisPrefix } from '../../test/redis-helpers.js';
import { describeGuardStoreConformance, sampleKey } from './guard-store-conformance.js';
import { openRedisGuardStore } from './redis-guard-store.js';

const available = await redisAnswers('Redis guard store tests');
const run = uniqueRedisPrefix('guard-store');
let counter = 0;
/** A namespace of its own for each store the suite opens. */
const freshPrefix = (): string => `${run}:${counter++}`;

afterAll(async () => {
  if (available) await deleteRedisNamespace(run);
});

describe.runIf(available)('Redis guard store', () => {
  describeGuardStoreConformance('redis', () => openRedisGuardStore({ url: TEST_REDIS_URL, prefix: freshPrefix() }));

  it('sums exactly what two replicas (two connections) add to one window at the same time', async () => {
    const prefix = freshPrefix();
    const [a, b] = await Promise.all([openRedisGuardStore({ url: TEST_REDIS_URL, prefix }), openRedisGuardStore({ url: TEST_REDIS_URL, prefix })]);
    try {
      const key = sampleKey(1);
      await a.addKey(key);
      const add = (store: typeof a) => store.addUsage({ keyId: key.id, windowStart: 0, requests: 1, promptTokens: 3, completionTokens: 1, costUSD: 0.5 });
      await Promise.all(Array.from({ length: 500 }, (_, index) => add(index % 2 === 0 ? a : b)));
      expect(await b.listUsage(key.id)).toEqual([{ keyId: key.id, windowStart: 0, requests: 500, promptTokens: 1500, completionTokens: 500, costUSD: 250 }]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('keeps namespaces apart', async () => {
    const [a, b] = await Promise.all([openRedisGuardStore({ url: TEST_REDIS_URL, prefix: freshPrefix() }), openRedisGuardStore({ url: TEST_REDIS_URL, prefix: freshPrefix() })]);
    try {
      await a.addKey(sampleKey(1));
      expect(await b.listKeys()).toEqual([]);
      expect(await b.findKeysByPrefix(sampleKey(1).visiblePrefix)).toEqual([]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('fails with an io StoreError naming the server but never its password when Redis is unreachable', async () => {
    const error = await openRedisGuardStore({ url: 'redis://:hunter2@127.0.0.1:1/0', prefix: 'x' }).then(() => undefined, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).reason).toBe('io');
    expect((error as StoreError).message).toContain('redis://127.0.0.1:1/0');
    expect((error as StoreError).message).not.toContain('hunter2');
  });

  it('fails each call at once with an io StoreError while Redis is cut off, and works again once it is back', async () => {
    const proxy = await startRedisFaultInjectionProxy();
    const store = await openRedisGuardStore({ url: proxy.url, prefix: freshPrefix() });
    try {
      await store.addKey(sampleKey(1));
      proxy.cut();
      const error = await store.listKeys().then(() => undefined, (caught: unknown) => caught);
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).reason).toBe('io');
      proxy.restore();
      await expect.poll(() => store.listKeys().catch(() => []), { timeout: 5000, interval: 50 }).toEqual([sampleKey(1)]);
    } finally {
      await store.close();
      await proxy.close();
    }
  });
});
