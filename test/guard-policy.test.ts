/** Policy enforcement at the gateway: throttle (429), block (403), and fail-open / fail-closed when the store is down. */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, VolumeDetector, type GuardStore } from '../src/guard/index.js';
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

/** The APIError a call rejects with; fails the test if it succeeds. */
async function rejection(call: PromiseLike<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await call;
  } catch (error) {
    if (error instanceof OpenAI.APIError) return error;
    throw error;
  }
  throw new Error('expected the call to be refused');
}

const ask = { model: 'tickets', messages: [{ role: 'user' as const, content: 'refund my invoice' }] };

/** A store whose policy and accounting calls fail, as when the disk or database is gone; keys still resolve once cached. */
function failingAfterAuth(store: GuardStore, failing: { on: boolean }): GuardStore {
  const down = () => Promise.reject(new StoreError('guard database unavailable', { reason: 'io', file: 'guard.db' }));
  const overrides: Partial<GuardStore> = {
    findKeysByPrefix: (prefix: string) => (failing.on ? down() : store.findKeysByPrefix(prefix)),
    getPolicyState: (keyId: string) => (failing.on ? down() : store.getPolicyState(keyId)),
    setPolicyState: () => down(),
  };
  // A proxy, not Object.create: the SQLite store keeps private fields that only its own instance can reach.
  return new Proxy(store, {
    get: (target, property: string) => {
      const value = overrides[property as keyof GuardStore] ?? (Reflect.get(target, property) as unknown);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('guard policy at the gateway', () => {
  it('throttles a high-volume key with 429 and retry-after, then blocks it with 403 when configured', async () => {
    const { store, cleanup } = temporaryGuardStore();
    const throttling = await startGateway({
      upstreamUrl: upstream.url, store, detectors: [new VolumeDetector({ saturationRequests: 3 })],
      policy: { default: { throttleBurst: 1, throttleRequestsPerMinute: 1 } }, onError: () => undefined,
    });
    try {
      const { id, secret } = await issue(store, 'harvester');
      const client = new OpenAI({ baseURL: throttling.url, apiKey: secret, maxRetries: 0 });
      const outcomes: Array<number> = [];
      for (let index = 0; index < 5; index += 1) {
        outcomes.push(await client.chat.completions.create(ask).then(() => 200, (error: InstanceType<typeof OpenAI.APIError>) => error.status ?? 0));
      }
      // Each request is admitted under the decision its predecessor left (it is scored after, off the request
      // path): requests 1-2 score below 0.8, request 3 reaches throttle, request 4 spends the single burst token.
      expect(outcomes).toEqual([200, 200, 200, 200, 429]);
      const limited = await rejection(client.chat.completions.create(ask));
      expect(limited.headers?.get('retry-after')).toMatch(/^\d+$/);
      expect(limited.code).toBe('rate_limit_exceeded');
      await throttling.settled();
      expect((await store.listFlagged())[0]).toMatchObject({ keyId: id, action: 'throttle' });
      expect((await store.listAudit({ keyId: id, limit: 1 }))[0]).toMatchObject({ status: 429, action: 'throttle', note: 'rate_limit_exceeded' });
    } finally {
      await throttling.close();
    }
    const blocking = await startGateway({ upstreamUrl: upstream.url, store, detectors: [new VolumeDetector({ saturationRequests: 1 })], policy: { default: { blockAt: 1 } }, onError: () => undefined });
    try {
      const { secret } = await issue(store, 'blocked');
      const blockedClient = new OpenAI({ baseURL: blocking.url, apiKey: secret, maxRetries: 0 });
      // The first request is admitted (the key had no decision yet) and scored after: the next one is blocked.
      await blockedClient.chat.completions.create(ask);
      const blocked = await blockedClient.chat.completions.create(ask).catch((error: unknown) => error);
      expect(blocked).toBeInstanceOf(OpenAI.PermissionDeniedError);
      expect((blocked as InstanceType<typeof OpenAI.APIError>).code).toBe('key_blocked');
    } finally {
      await blocking.close();
      await cleanup();
    }
  });

  it('keeps serving known keys when the store fails open, and answers 503 when it fails closed', async () => {
    const { store, cleanup } = temporaryGuardStore();
    const failing = { on: false };
    const errors: unknown[] = [];
    const open = await startGateway({ upstreamUrl: upstream.url, store: failingAfterAuth(store, failing), onError: (error) => errors.push(error) });
    const closed = await startGateway({ upstreamUrl: upstream.url, store: failingAfterAuth(store, failing), policy: { onStoreFailure: 'closed' }, onError: () => undefined });
    try {
      const { secret } = await issue(store, 'resilient');
      const openClient = new OpenAI({ baseURL: open.url, apiKey: secret, maxRetries: 0 });
      const closedClient = new OpenAI({ baseURL: closed.url, apiKey: secret, maxRetries: 0 });
      await openClient.models.list();
      await closedClient.models.list();
      failing.on = true;
      expect((await openClient.chat.completions.create(ask)).choices[0]?.message.content).toBe('billing');
      expect(errors.some((error) => error instanceof StoreError)).toBe(true);
      const refused = await rejection(closedClient.chat.completions.create(ask));
      expect(refused.status).toBe(503);
      expect(refused.code).toBe('guard_unavailable');
      // A key the fail-open gateway never saw is still refused: fail-open never means unauthenticated.
      const { secret: stranger } = await (async () => { failing.on = false; const issued = await issue(store, 'stranger'); failing.on = true; return issued; })();
      const unknown = await rejection(new OpenAI({ baseURL: open.url, apiKey: stranger, maxRetries: 0 }).models.list());
      expect(unknown.status).toBe(503);
    } finally {
      await open.close();
      await closed.close();
      await cleanup();
    }
  });
});
