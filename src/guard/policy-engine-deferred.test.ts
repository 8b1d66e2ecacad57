/** The policy engine off the request path: scoring queued requests in batches, and each key's last known state with its TTL. */
import { describe, expect, it } from 'vitest';
import { StoreError } from '../store/errors.js';
import type { GuardStore, KeyRecord } from './guard-store.js';
import { createKey } from './key-registry.js';
import { PolicyEngine } from './policy-engine.js';
import { openSqliteGuardStore } from './sqlite-guard-store.js';
import type { Detector, DetectorScore, RequestFeatures } from './types.js';
import { VolumeDetector } from './volume-detector.js';

/** Minimal features at a given time. */
function features(at: number): RequestFeatures {
  return { at, route: '/v1/chat/completions', model: 'm', prompt: 'p', messageCount: 1, stream: false, maxTokens: null, logprobs: false, topLogprobs: null, temperature: null };
}

/** A volume detector that counts how often it is asked for a score. */
class CountingVolume implements Detector {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'volume';
  scores = 0;
  readonly #inner: VolumeDetector;
  constructor(now: () => number) {
    this.#inner = new VolumeDetector({ saturationRequests: 4, now });
  }
  observe(keyId: string, observed: RequestFeatures): void {
    void this.#inner.observe(keyId, observed);
  }
  score(keyId: string): DetectorScore | Promise<DetectorScore> {
    this.scores += 1;
    return this.#inner.score(keyId);
  }
}

/** A store, a key, a fake clock, and an engine over a counting volume detector. */
async function setup(options: { lastKnownTtlMs?: number; store?: (store: GuardStore) => GuardStore } = {}) {
  const raw = openSqliteGuardStore(':memory:');
  const { key } = await createKey(raw, { name: 'k', tier: 'free' });
  const clock = { now: 1_000_000 };
  const detector = new CountingVolume(() => clock.now);
  const store = options.store?.(raw) ?? raw;
  const engine = new PolicyEngine({ store, detectors: [detector], now: () => clock.now, ...(options.lastKnownTtlMs === undefined ? {} : { lastKnownTtlMs: options.lastKnownTtlMs }) });
  return { raw, key, clock, detector, engine };
}

describe('policy engine, scoring off the request path', () => {
  it('observes every queued request and scores each key once per batch, reaching the decision evaluate reaches', async () => {
    const inline = await setup();
    const deferred = await setup();
    const other: KeyRecord = { ...deferred.key, id: 'key_other' };
    for (let index = 0; index < 4; index += 1) await inline.engine.evaluate(inline.key, features(inline.clock.now));
    for (let index = 0; index < 4; index += 1) deferred.engine.scoreLater(deferred.key, features(deferred.clock.now));
    deferred.engine.scoreLater(other, features(deferred.clock.now));
    // Nothing is scored during the turn that queued the requests: they were admitted under the state before them.
    expect((await deferred.engine.currentState(deferred.key.id)).action).toBe('log');
    await deferred.engine.settled();
    expect(deferred.detector.scores).toBe(2);
    const expected = await inline.engine.currentState(inline.key.id);
    expect(await deferred.engine.currentState(deferred.key.id)).toMatchObject({ action: expected.action, score: expected.score });
    expect(expected.action).toBe('throttle');
    expect((await deferred.raw.getPolicyState(deferred.key.id))?.action).toBe('throttle');
  });

  it('keeps a verdict reached while the store cannot save it as the last known state', async () => {
    const down = () => Promise.reject(new StoreError('down (fault injection)', { reason: 'io', file: 'x' }));
    // A proxy, not Object.create: the SQLite store keeps private fields that only its own instance can reach.
    const failingWrites = (store: GuardStore): GuardStore => new Proxy(store, {
      get: (target, property: string) => {
        const value = property === 'setPolicyState' ? down : (Reflect.get(target, property) as unknown);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const { key, clock, engine } = await setup({ store: failingWrites });
    for (let index = 0; index < 3; index += 1) await engine.evaluate(key, features(clock.now)).catch(() => undefined);
    await expect(engine.evaluate(key, features(clock.now))).rejects.toBeInstanceOf(StoreError);
    expect(engine.lastKnownState(key.id)?.action).toBe('throttle');
  });

  it('forgets a key not seen for the TTL (injected clock), and re-reads its state from the store next time', async () => {
    const { raw, key, clock, engine } = await setup({ lastKnownTtlMs: 60_000 });
    for (let index = 0; index < 4; index += 1) await engine.evaluate(key, features(clock.now));
    expect(engine.lastKnownState(key.id)?.action).toBe('throttle');
    clock.now += 50_000;
    await engine.currentState(key.id); // seen again: the TTL starts over
    clock.now += 50_000;
    expect(engine.lastKnownState(key.id)?.action).toBe('throttle');
    await raw.setPolicyState({ keyId: key.id, action: 'block', score: 1, reasons: ['set elsewhere'], updatedAt: clock.now });
    clock.now += 10_001;
    // Not seen for over a minute: the next request reads the stored state instead of reviving the cached one.
    expect((await engine.currentState(key.id)).action).toBe('block');
    clock.now += 60_000;
    expect(engine.lastKnownState(key.id)).toBeUndefined();
  });
});
