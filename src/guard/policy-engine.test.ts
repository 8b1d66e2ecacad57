import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../store/errors.js';
import type { GuardStore, KeyRecord } from './guard-store.js';
import { createKey } from './key-registry.js';
import type { PolicyConfig } from './policy-config.js';
import { PolicyEngine, unflaggedState } from './policy-engine.js';
import { InProcessObservationBus } from './observation-bus.js';
import { LocalThrottle } from './throttle.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhookSignature } from './webhook.js';
import { createHmac } from 'node:crypto';
import { openSqliteGuardStore } from './sqlite-guard-store.js';
import type { PolicyAction, RequestFeatures } from './types.js';
import { VolumeDetector } from './volume-detector.js';
import type { PolicyChangeEvent } from './webhook.js';

/** Minimal features at a given time. */
function features(at: number): RequestFeatures {
  return { at, route: '/v1/chat/completions', model: 'm', prompt: 'p', messageCount: 1, stream: false, maxTokens: null, logprobs: false, topLogprobs: null, temperature: null };
}

/** A store, a key, a fake clock, and an engine scoring volume with saturation at 4 requests a minute. */
async function setup(config: PolicyConfig = {}): Promise<{ store: GuardStore; key: KeyRecord; clock: { now: number }; engine: PolicyEngine }> {
  const store = openSqliteGuardStore(':memory:');
  const { key } = await createKey(store, { name: 'k', tier: 'free' });
  const clock = { now: 1_000_000 };
  const engine = new PolicyEngine({ store, detectors: [new VolumeDetector({ saturationRequests: 4, now: () => clock.now })], config, now: () => clock.now });
  return { store, key, clock, engine };
}

describe('policy engine', () => {
  it('moves a key from log to flag to throttle as volume grows, and back as the window passes', async () => {
    const { store, key, clock, engine } = await setup();
    const actions: PolicyAction[] = [];
    for (let index = 0; index < 4; index += 1) actions.push((await engine.evaluate(key, features(clock.now))).action);
    expect(actions).toEqual(['log', 'flag', 'flag', 'throttle']);
    expect(await store.listFlagged()).toMatchObject([{ keyId: key.id, action: 'throttle', score: 1 }]);
    expect((await store.getPolicyState(key.id))?.reasons[0]).toMatch(/^volume: 4\+? requests in the last 60 s/);
    clock.now += 61_000;
    expect((await engine.evaluate(key, features(clock.now))).action).toBe('log');
  });

  it('throttles with a token bucket that refills with time, and blocks above blockAt', async () => {
    const { key, clock, engine } = await setup({ tiers: { free: { throttleBurst: 2, throttleRequestsPerMinute: 60 } } });
    expect([(await engine.admit(key, 'throttle')).allowed, (await engine.admit(key, 'throttle')).allowed]).toEqual([true, true]);
    expect(await engine.admit(key, 'throttle')).toEqual({ allowed: false, action: 'throttle', retryAfterMs: 1000 });
    clock.now += 1000;
    expect((await engine.admit(key, 'throttle')).allowed).toBe(true);
    expect(await engine.admit(key, 'block')).toEqual({ allowed: false, action: 'block', retryAfterMs: null });
    expect(await engine.admit(key, 'flag')).toEqual({ allowed: true });

    const strict = await setup({ default: { blockAt: 0.5 } });
    await strict.engine.evaluate(strict.key, features(strict.clock.now));
    expect((await strict.engine.evaluate(strict.key, features(strict.clock.now))).action).toBe('block');
  });

  it('posts a webhook on each state change to a loopback receiver', async () => {
    const received: PolicyChangeEvent[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        received.push(JSON.parse(body) as PolicyChangeEvent);
        response.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const { key, clock, engine } = await setup({ webhookUrl: `http://127.0.0.1:${port}/hook` });
      for (let index = 0; index < 4; index += 1) await engine.evaluate(key, features(clock.now));
      await engine.flushNotifications();
      expect(received.map((event) => [event.from, event.to])).toEqual([['log', 'flag'], ['flag', 'throttle']]);
      expect(received[0]).toMatchObject({ type: 'guard.policy_changed', keyId: key.id, keyName: 'k', tier: 'free' });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('signs each webhook POST with HMAC-SHA256 of the raw body when a secret is set; a receiver verifies it', async () => {
    const secret = 'a shared secret of some length';
    const received: Array<{ body: string; signature: string | undefined; timestamp: string | undefined }> = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        received.push({ body, signature: request.headers[SIGNATURE_HEADER] as string | undefined, timestamp: request.headers[TIMESTAMP_HEADER] as string | undefined });
        response.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const { key, clock, engine } = await setup({ webhookUrl: `http://127.0.0.1:${port}/hook`, webhookSecret: secret });
      for (let index = 0; index < 2; index += 1) await engine.evaluate(key, features(clock.now));
      await engine.flushNotifications();
      expect(received).toHaveLength(1);
      const [delivered] = received as [{ body: string; signature: string | undefined; timestamp: string | undefined }];
      // An independent computation of the documented signature.
      expect(delivered.signature).toBe(`sha256=${createHmac('sha256', secret).update(delivered.body).digest('hex')}`);
      expect(verifyWebhookSignature(secret, delivered.body, delivered.signature)).toBe(true);
      expect(verifyWebhookSignature('another secret entirely', delivered.body, delivered.signature)).toBe(false);
      expect(verifyWebhookSignature(secret, delivered.body.replace('"flag"', '"log"'), delivered.signature)).toBe(false);
      expect(delivered.timestamp).toBe(String(Math.floor(clock.now / 1000)));
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('tells change listeners of every change of action, once per change', async () => {
    const { key, clock, engine } = await setup();
    const events: PolicyChangeEvent[] = [];
    const stop = engine.onPolicyChange((event) => events.push(event));
    for (let index = 0; index < 5; index += 1) await engine.evaluate(key, features(clock.now));
    stop();
    clock.now += 61_000;
    await engine.evaluate(key, features(clock.now));
    expect(events.map((event) => [event.from, event.to])).toEqual([['log', 'flag'], ['flag', 'throttle']]);
    expect(events[0]).toMatchObject({ keyId: key.id, keyName: 'k', at: 1_000_000 });
  });

  it('never flags, throttles or blocks an allow-listed key, but still scores it', async () => {
    const { store, key, clock, engine } = await setup({ default: { blockAt: 0.9 } });
    const allowed = { ...key, allowListed: true };
    const actions: PolicyAction[] = [];
    for (let index = 0; index < 6; index += 1) actions.push((await engine.evaluate(allowed, features(clock.now))).action);
    expect(actions).toEqual(['log', 'log', 'log', 'log', 'log', 'log']);
    expect(await store.getPolicyState(key.id)).toMatchObject({ action: 'log', score: 1 });
    expect(await store.listFlagged()).toEqual([]);
    expect((await engine.evaluate(key, features(clock.now))).action).toBe('block');
  });

  it('an unflagged key starts again from log on an engine that re-reads the policy state', async () => {
    const { store, key, clock } = await setup();
    const refreshing = new PolicyEngine({
      store, detectors: [new VolumeDetector({ saturationRequests: 4, now: () => clock.now })], now: () => clock.now,
      replication: { observations: new InProcessObservationBus(), throttle: new LocalThrottle(() => clock.now), policyRefreshMs: 0, policyHoldMs: 0 },
    });
    for (let index = 0; index < 4; index += 1) await refreshing.evaluate(key, features(clock.now));
    expect((await store.getPolicyState(key.id))?.action).toBe('throttle');
    await store.setPolicyState(unflaggedState(key.id, clock.now));
    expect(await store.listFlagged()).toEqual([]);
    clock.now += 61_000;
    const decision = await refreshing.evaluate(key, features(clock.now));
    expect(decision).toMatchObject({ action: 'log', changed: false });
  });

  it('rejects with the StoreError when the store fails, so the gateway can fail open or closed', async () => {
    const { store, key, clock } = await setup();
    const broken: GuardStore = Object.assign(Object.create(store) as GuardStore, { getPolicyState: () => Promise.reject(new StoreError('down', { reason: 'io', file: 'x' })) });
    const failing = new PolicyEngine({ store: broken, detectors: [new VolumeDetector()], now: () => clock.now });
    await expect(failing.evaluate(key, features(clock.now))).rejects.toBeInstanceOf(StoreError);
  });
});
