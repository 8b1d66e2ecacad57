/**
 * The gateway with its store down, through a fault-injection store (a GuardStore wrapper whose every
 * call rejects with a StoreError on demand) and a scripted detector whose scores the test sets:
 * fail-open keeps each key's last known policy state, known keys and states expire after the TTL
 * (an injected clock), and authenticated keys and accounting are cached and batched on the request path.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Detector, type DetectorScore, type Gateway, type GuardStore, type UsageEntry } from '../src/guard/index.js';
import type { ListeningServer } from '../src/serve/listen.js';
import { StoreError } from '../src/store/errors.js';
import { issue, startTicketsUpstream, temporaryGuardStore } from './guard-helpers.js';

let upstream: ListeningServer;

beforeAll(async () => {
  upstream = await startTicketsUpstream();
});

afterAll(async () => {
  await upstream.close();
});

/** A fault-injection store: while `state.down`, every call rejects with a StoreError; `addUsage` calls are counted. */
function faultInjectionStore(store: GuardStore, state: { down: boolean; usageWrites: UsageEntry[] }): GuardStore {
  // A proxy, not Object.create: the SQLite store keeps private fields that only its own instance can reach.
  return new Proxy(store, {
    get: (target, property: string) => {
      const value = Reflect.get(target, property) as unknown;
      if (typeof value !== 'function' || property === 'close') return value;
      return (...args: unknown[]) => {
        if (state.down) return Promise.reject(new StoreError('guard database unavailable (fault injection)', { reason: 'io', file: 'guard.db' }));
        if (property === 'addUsage') state.usageWrites.push(args[0] as UsageEntry);
        return (value as (...parameters: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** A scripted detector: each key scores what the test last set for it (0 when unset). */
class ScriptedDetector implements Detector {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'scripted';
  readonly scores = new Map<string, number>();
  observe(): void {}
  score(keyId: string): DetectorScore {
    return { score: this.scores.get(keyId) ?? 0, reasons: ['scripted'] };
  }
}

const ask = { model: 'tickets', messages: [{ role: 'user' as const, content: 'refund my invoice' }] };

/** The HTTP status and error code of one chat completion. */
function attempt(client: OpenAI): Promise<{ status: number; code: string | null }> {
  return client.chat.completions.create(ask).then(
    () => ({ status: 200, code: null }),
    (error: unknown) => (error instanceof OpenAI.APIError ? { status: error.status ?? 0, code: error.code ?? null } : { status: -1, code: String(error) }),
  );
}

/** A gateway on a fault-injection store with a scripted detector and a settable clock. */
async function setup(options: { lastKnownTtlMs?: number; onStoreFailure?: 'open' | 'closed'; scoreInline?: boolean } = {}) {
  const temporary = temporaryGuardStore();
  const state = { down: false, usageWrites: [] as UsageEntry[] };
  const clock = { now: 1_800_000_000_000 };
  const detector = new ScriptedDetector();
  const errors: unknown[] = [];
  const gateway: Gateway = await startGateway({
    upstreamUrl: upstream.url, store: faultInjectionStore(temporary.store, state), detectors: [detector], now: () => clock.now,
    policy: { default: { blockAt: 0.9, throttleBurst: 1, throttleRequestsPerMinute: 1 }, onStoreFailure: options.onStoreFailure ?? 'open' },
    onError: (error) => errors.push(error), ...(options.lastKnownTtlMs === undefined ? {} : { lastKnownTtlMs: options.lastKnownTtlMs }),
    ...(options.scoreInline === undefined ? {} : { scoreInline: options.scoreInline }),
  });
  const client = async (name: string) => {
    const { id, secret } = await issue(temporary.store, name);
    return { id, client: new OpenAI({ baseURL: gateway.url, apiKey: secret, maxRetries: 0 }) };
  };
  const close = async () => {
    state.down = false;
    await gateway.close();
    await temporary.cleanup();
  };
  return { store: temporary.store, state, clock, detector, errors, gateway, client, close };
}

describe('guard gateway with a fault-injection store', () => {
  it('fail-open keeps a blocked key blocked and a throttled key throttled while the store is down', async () => {
    const { state, clock, detector, errors, gateway, client, close } = await setup();
    try {
      const blocked = await client('harvester');
      const throttled = await client('eager');
      detector.scores.set(blocked.id, 1);
      detector.scores.set(throttled.id, 0.85);
      // Each first request is admitted (no decision yet) and scored after the response.
      expect([await attempt(blocked.client), await attempt(throttled.client)]).toEqual([{ status: 200, code: null }, { status: 200, code: null }]);
      await gateway.settled();
      expect(await attempt(blocked.client)).toEqual({ status: 403, code: 'key_blocked' });
      state.down = true;
      // New scores, so the engine tries to write them (and fails): the cached block must still stand.
      detector.scores.set(blocked.id, 0.95);
      detector.scores.set(throttled.id, 0.82);
      clock.now += 2000; // past the 1 s key trust: authentication asks the store, fails, and falls back to the known key
      for (let index = 0; index < 3; index += 1) {
        expect(await attempt(blocked.client)).toEqual({ status: 403, code: 'key_blocked' });
        await gateway.settled();
      }
      // The throttled key spends its one burst token, then stays throttled.
      expect(await attempt(throttled.client)).toEqual({ status: 200, code: null });
      await gateway.settled();
      expect(await attempt(throttled.client)).toEqual({ status: 429, code: 'rate_limit_exceeded' });
      expect(errors.some((error) => error instanceof StoreError)).toBe(true);
    } finally {
      await close();
    }
  });

  it('fail-open keeps the last known block when each request is scored inline (as replicas do) and the new score cannot be saved', async () => {
    const { state, clock, detector, gateway, client, close } = await setup({ scoreInline: true });
    try {
      const blocked = await client('harvester');
      detector.scores.set(blocked.id, 1);
      expect(await attempt(blocked.client)).toEqual({ status: 403, code: 'key_blocked' });
      state.down = true;
      detector.scores.set(blocked.id, 0.95);
      clock.now += 2000;
      expect(await attempt(blocked.client)).toEqual({ status: 403, code: 'key_blocked' });
      await gateway.settled();
    } finally {
      await close();
    }
  });

  it('fail-open refuses a key it never authenticated (503) and serves a known key whose state it never learnt under "log"', async () => {
    const { state, gateway, client, close } = await setup();
    try {
      const known = await client('known');
      const stranger = await client('stranger');
      await known.client.models.list(); // authenticates; a GET is not scored, so no policy state is read
      state.down = true;
      expect(await attempt(stranger.client)).toEqual({ status: 503, code: 'guard_unavailable' });
      expect(await attempt(known.client)).toEqual({ status: 200, code: null });
      await gateway.settled();
    } finally {
      await close();
    }
  });

  it('forgets known keys and their states after the TTL (injected clock): a revoked key does not live on in memory', async () => {
    const { state, clock, detector, gateway, client, close } = await setup({ lastKnownTtlMs: 60_000 });
    try {
      const blocked = await client('harvester');
      detector.scores.set(blocked.id, 1);
      expect(await attempt(blocked.client)).toEqual({ status: 200, code: null });
      await gateway.settled();
      state.down = true;
      clock.now += 59_000;
      expect(await attempt(blocked.client)).toEqual({ status: 403, code: 'key_blocked' });
      expect(gateway.engine.lastKnownState(blocked.id)?.action).toBe('block');
      clock.now += 2000; // 61 s since the store last confirmed the key
      expect(await attempt(blocked.client)).toEqual({ status: 503, code: 'guard_unavailable' });
      clock.now += 60_000; // and the key not seen for over a minute: its state is forgotten too
      expect(gateway.engine.lastKnownState(blocked.id)).toBeUndefined();
    } finally {
      await close();
    }
  });

  it('fail-closed answers 503 once the cached key needs the store again', async () => {
    const { state, clock, gateway, client, close } = await setup({ onStoreFailure: 'closed' });
    try {
      const key = await client('strict');
      expect(await attempt(key.client)).toEqual({ status: 200, code: null });
      await gateway.settled();
      state.down = true;
      clock.now += 2000;
      expect(await attempt(key.client)).toEqual({ status: 503, code: 'guard_unavailable' });
    } finally {
      await close();
    }
  });
});

describe('guard gateway request path', () => {
  it('trusts an authenticated key for 1 s (injected clock): a key revoked elsewhere is refused once that has passed', async () => {
    const { store, clock, client, close } = await setup();
    try {
      const key = await client('to-revoke');
      expect(await attempt(key.client)).toEqual({ status: 200, code: null });
      expect(await store.revokeKey(key.id, clock.now)).toBe(true);
      clock.now += 500;
      expect(await attempt(key.client)).toEqual({ status: 200, code: null });
      clock.now += 600;
      expect(await attempt(key.client)).toEqual({ status: 401, code: 'revoked_api_key' });
    } finally {
      await close();
    }
  });

  it('sums accounting per key and window in memory: one store write for many requests, totals exact', async () => {
    const { store, state, gateway, client, close } = await setup();
    try {
      const key = await client('busy');
      for (let index = 0; index < 6; index += 1) expect((await attempt(key.client)).status).toBe(200);
      await gateway.settled();
      expect(state.usageWrites.map((entry) => entry.requests)).toEqual([6]);
      const [window] = await store.listUsage(key.id);
      expect(window?.requests).toBe(6);
      expect(window?.promptTokens).toBeGreaterThan(0);
      expect((await store.listAudit({ keyId: key.id, limit: 100 })).length).toBe(6);
    } finally {
      await close();
    }
  });
});
