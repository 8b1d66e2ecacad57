/** Two policy engines as two gateway replicas: one shared store and bus, a fake clock, no network. */
import { describe, expect, it } from 'vitest';
import type { GuardStore, KeyRecord } from './guard-store.js';
import { createKey } from './key-registry.js';
import { InProcessObservationBus, type ObservationBus } from './observation-bus.js';
import type { PolicyConfig } from './policy-config.js';
import { PolicyEngine } from './policy-engine.js';
import { openSqliteGuardStore } from './sqlite-guard-store.js';
import { LocalThrottle } from './throttle.js';
import type { Detector, RequestFeatures } from './types.js';
import { VolumeDetector } from './volume-detector.js';

/** Minimal features at a given time. */
function features(at: number): RequestFeatures {
  return { at, route: '/v1/chat/completions', model: 'm', prompt: 'p', messageCount: 1, stream: false, maxTokens: null, logprobs: false, topLogprobs: null, temperature: null };
}

/** A shared store with one key, and a clock every replica reads. */
async function cluster(): Promise<{ store: GuardStore; key: KeyRecord; clock: { now: number } }> {
  const store = openSqliteGuardStore(':memory:');
  const { key } = await createKey(store, { name: 'k', tier: 'free' });
  return { store, key, clock: { now: 1_000_000 } };
}

/** One replica's engine: refresh after 250 ms, hold for 5 s. */
function replica(store: GuardStore, clock: { now: number }, observations: ObservationBus, detectors: Detector[], config: PolicyConfig = {}): PolicyEngine {
  const now = () => clock.now;
  return new PolicyEngine({ store, detectors, config, now, replication: { observations, throttle: new LocalThrottle(now), policyRefreshMs: 250, policyHoldMs: 5000 } });
}

describe('policy engines as replicas', () => {
  it('scores each key on the traffic of every replica', async () => {
    const { store, key, clock } = await cluster();
    const bus = new InProcessObservationBus();
    const volume = () => new VolumeDetector({ saturationRequests: 4, now: () => clock.now });
    const [a, b] = [replica(store, clock, bus, [volume()]), replica(store, clock, bus, [volume()])];
    expect((await a.evaluate(key, features(clock.now))).action).toBe('log');
    expect((await a.evaluate(key, features(clock.now))).action).toBe('flag');
    // B has seen two requests of its own and, through the bus, A's two: 4 of 4 is throttle.
    expect((await b.evaluate(key, features(clock.now))).score).toBe(0.75);
    expect((await b.evaluate(key, features(clock.now))).action).toBe('throttle');
    expect((await a.evaluate(key, features(clock.now))).action).toBe('throttle');
  });

  it('enforces an action set by another replica once its cached state is 250 ms old, and holds it for 5 s', async () => {
    const { store, key, clock } = await cluster();
    // Separate buses and no detectors on B: only the shared policy state can make B refuse the key.
    const a = replica(store, clock, new InProcessObservationBus(), [new VolumeDetector({ saturationRequests: 1, now: () => clock.now })], { default: { blockAt: 1 } });
    const b = replica(store, clock, new InProcessObservationBus(), []);
    expect((await b.evaluate(key, features(clock.now))).action).toBe('log');
    expect(await a.evaluate(key, features(clock.now))).toMatchObject({ action: 'block', changed: true });
    clock.now += 249;
    expect((await b.evaluate(key, features(clock.now))).action).toBe('log');
    clock.now += 1;
    expect(await b.evaluate(key, features(clock.now))).toMatchObject({ action: 'block', changed: false });
    expect(await b.admit(key, 'block')).toMatchObject({ allowed: false, action: 'block' });
    // B's own verdict is 'log', but a block younger than the hold stands.
    clock.now += 4749;
    expect((await b.evaluate(key, features(clock.now))).action).toBe('block');
    clock.now += 1;
    expect(await b.evaluate(key, features(clock.now))).toMatchObject({ action: 'log', changed: true });
    expect((await store.getPolicyState(key.id))?.action).toBe('log');
  });

  it('keeps a block standing while another replica still reaches it', async () => {
    const { store, key, clock } = await cluster();
    const a = replica(store, clock, new InProcessObservationBus(), [new VolumeDetector({ saturationRequests: 1, windowMs: 600_000, now: () => clock.now })], { default: { blockAt: 1 } });
    const b = replica(store, clock, new InProcessObservationBus(), []);
    await a.evaluate(key, features(clock.now));
    clock.now += 3000;
    // A still scores the key 1: past half the hold, it renews the block.
    expect((await a.evaluate(key, features(clock.now))).action).toBe('block');
    expect((await store.getPolicyState(key.id))?.updatedAt).toBe(clock.now);
    clock.now += 4999;
    expect((await b.evaluate(key, features(clock.now))).action).toBe('block');
    clock.now += 1;
    expect((await b.evaluate(key, features(clock.now))).action).toBe('log');
  });

  it('escalates at once, whatever the shared state says', async () => {
    const { store, key, clock } = await cluster();
    const a = replica(store, clock, new InProcessObservationBus(), [new VolumeDetector({ saturationRequests: 2, now: () => clock.now })]);
    await store.setPolicyState({ keyId: key.id, action: 'flag', score: 0.5, reasons: [], updatedAt: clock.now });
    expect((await a.evaluate(key, features(clock.now))).action).toBe('flag');
    expect(await a.evaluate(key, features(clock.now))).toMatchObject({ action: 'throttle', changed: true });
  });

  it('stops feeding a closed engine\'s detectors', async () => {
    const { store, key, clock } = await cluster();
    const bus = new InProcessObservationBus();
    const volume = new VolumeDetector({ now: () => clock.now });
    const closed = replica(store, clock, bus, [volume]);
    closed.close();
    await replica(store, clock, bus, []).evaluate(key, features(clock.now));
    expect(volume.score(key.id).score).toBe(0);
  });
});
