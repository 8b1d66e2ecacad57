/** The gateway in front of a real upstream (a served student), with the official openai SDK as its client. */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, startGateway, VolumeDetector, type Gateway, type GuardStore } from '../src/guard/index.js';
import type { ListeningServer } from '../src/serve/listen.js';
import { issue, startTicketsUpstream, temporaryGuardStore } from './guard-helpers.js';

let upstream: ListeningServer;
let gateway: Gateway;
let store: GuardStore;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  upstream = await startTicketsUpstream();
  ({ store, cleanup } = temporaryGuardStore());
  gateway = await startGateway({ upstreamUrl: upstream.url, store, onError: () => undefined });
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
  await cleanup();
});

/** An SDK client of the gateway that does not retry, so each call is one request. */
function client(apiKey: string): OpenAI {
  return new OpenAI({ baseURL: gateway.url, apiKey, maxRetries: 0 });
}

describe('guard gateway with a real upstream', () => {
  it('proxies plain chat completions and accounts the upstream usage', async () => {
    const { id, secret } = await issue(store, 'plain');
    const completion = await client(secret).chat.completions.create({ model: 'tickets', messages: [{ role: 'user', content: 'I was charged twice on my invoice' }] });
    expect(completion.choices[0]?.message.content).toBe('billing');
    await gateway.settled();
    const windows = await store.listUsage(id);
    expect(windows).toHaveLength(1);
    expect(windows[0]).toMatchObject({ requests: 1, promptTokens: completion.usage?.prompt_tokens, completionTokens: completion.usage?.completion_tokens });
    const [row] = await store.listAudit({ keyId: id });
    expect(row).toMatchObject({ route: '/v1/chat/completions', status: 200, promptTokens: completion.usage?.prompt_tokens, action: 'log', prompt: null });
  });

  it('streams chunk by chunk, accounts the final usage chunk, and hides it from a client that did not ask', async () => {
    const { id, secret } = await issue(store, 'stream');
    const stream = await client(secret).chat.completions.create({ model: 'tickets', messages: [{ role: 'user', content: 'the app crashes with an error' }], stream: true });
    let text = '';
    let chunks = 0;
    let sawUsage = false;
    for await (const chunk of stream) {
      chunks += 1;
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) sawUsage = true;
    }
    expect(text).toBe('bug');
    expect(chunks).toBeGreaterThan(1);
    expect(sawUsage).toBe(false);
    const reference = await client(secret).chat.completions.create({ model: 'tickets', messages: [{ role: 'user', content: 'the app crashes with an error' }] });
    await gateway.settled();
    const [window] = await store.listUsage(id);
    expect(window?.requests).toBe(2);
    expect(window?.promptTokens).toBe(2 * (reference.usage?.prompt_tokens ?? -1));
    expect(window?.completionTokens).toBe(2 * (reference.usage?.completion_tokens ?? -1));
  });

  it('passes the usage chunk through when the client asked for it', async () => {
    const { secret } = await issue(store, 'stream-usage');
    const stream = await client(secret).chat.completions.create({
      model: 'tickets', messages: [{ role: 'user', content: 'refund my payment' }], stream: true, stream_options: { include_usage: true },
    });
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) usage = chunk.usage ?? usage;
    expect(usage?.completion_tokens).toBe(1);
  });

  it('lists models and passes upstream errors through with their status and body', async () => {
    const { secret } = await issue(store, 'models');
    const models = await client(secret).models.list();
    expect(models.data.map((model) => model.id)).toEqual(['tickets']);
    const wrongModel = await client(secret).chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'hi' }] }).catch((error: unknown) => error);
    // The upstream's own 400 and message come back unchanged.
    expect(wrongModel).toBeInstanceOf(OpenAI.BadRequestError);
    expect((wrongModel as InstanceType<typeof OpenAI.BadRequestError>).message).toMatch(/the model "nope" is not served/);
    // The student upstream has no embeddings: its own 404 comes back unchanged.
    const embeddings = await client(secret).embeddings.create({ model: 'tickets', input: 'hello' }).catch((error: unknown) => error);
    expect(embeddings).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('refuses missing, forged and revoked keys with 401 in OpenAI shape, never echoing the key', async () => {
    const forged = `dk-${'A'.repeat(43)}`;
    for (const apiKey of [forged, 'sk-not-a-guard-key']) {
      const error = await client(apiKey).chat.completions.create({ model: 'tickets', messages: [{ role: 'user', content: 'hi' }] }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
      expect(JSON.stringify((error as InstanceType<typeof OpenAI.AuthenticationError>).error)).not.toContain(apiKey);
    }
    const missing = await fetch(`${gateway.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('missing_api_key');

    const { id, secret } = await issue(store, 'to-revoke');
    await client(secret).models.list();
    expect(await store.revokeKey(id, Date.now())).toBe(true);
    // The gateway trusts an authenticated key for 1 s; revoking in-process also forgets it at once.
    gateway.forgetKey(id);
    const revoked = await client(secret).models.list().catch((caught: unknown) => caught);
    expect(revoked).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((revoked as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('revoked_api_key');
  });

  it('keeps keys and prompts out of the audit log by default', async () => {
    const { secret } = await issue(store, 'audit');
    const prompt = 'my secret prompt about invoices';
    await client(secret).chat.completions.create({ model: 'tickets', messages: [{ role: 'user', content: prompt }] });
    await client(`${secret.slice(0, -1)}x`).models.list().catch(() => undefined);
    await gateway.settled();
    const audit = JSON.stringify(await store.listAudit({ limit: 1000 }));
    expect(audit).not.toContain(prompt);
    expect(audit).not.toContain(secret.slice(3));
    expect(audit).toContain('invalid_api_key');
  });

  it('refuses an expired key with 401 expired_api_key', async () => {
    const { key, secret } = await createKey(store, { name: 'trial', now: Date.now() - 2000, lifetimeMs: 1000 });
    const error = await client(secret).models.list().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('expired_api_key');
    await gateway.settled();
    expect(await store.listUsage(key.id)).toEqual([]);
  });

  it('writes one audit row per minute for a flood of requests with bad keys, counting them', async () => {
    const before = (await store.listAudit({ limit: 1000 })).filter((entry) => entry.keyId === null).reduce((sum, entry) => sum + (entry.count ?? 1), 0);
    const forged = `dk-${'B'.repeat(43)}`;
    await Promise.all(Array.from({ length: 200 }, () => fetch(`${gateway.url}/models`, { headers: { authorization: `Bearer ${forged}` } }).then((response) => response.arrayBuffer())));
    await gateway.settled();
    const refusals = (await store.listAudit({ limit: 1000 })).filter((entry) => entry.keyId === null && entry.route === '/v1/models' && entry.note === 'invalid_api_key');
    // 200 requests, at most two minutes touched: at most two rows, and every request counted.
    expect(refusals.length).toBeLessThanOrEqual(2);
    const total = (await store.listAudit({ limit: 1000 })).filter((entry) => entry.keyId === null).reduce((sum, entry) => sum + (entry.count ?? 1), 0);
    expect(total - before).toBe(200);
  });
});

describe('gateway internal errors', () => {
  it('answer 500 without the internal message, naming a request id', async () => {
    const broken = temporaryGuardStore();
    const failing = new Proxy(broken.store, {
      get: (target, property: string) => {
        if (property === 'findKeysByPrefix') return () => Promise.reject(new TypeError('cannot read hash of row 17 in /var/lib/guard.sqlite'));
        // A proxy, not Object.create: the SQLite store keeps private fields that only its own instance can reach.
        const value = Reflect.get(target, property) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const guarded = await startGateway({ upstreamUrl: upstream.url, store: failing, onError: () => undefined });
    try {
      const { secret } = await issue(broken.store, 'any');
      const response = await fetch(`${guarded.url}/models`, { headers: { authorization: `Bearer ${secret}` } });
      const text = await response.text();
      expect(response.status).toBe(500);
      expect(text).not.toContain('row 17');
      expect(text).not.toContain('/var/lib');
      expect(text).toContain(response.headers.get('x-request-id') ?? 'missing request id');
    } finally {
      await guarded.close();
      await broken.cleanup();
    }
  });
});

describe('allow-listed keys at the gateway', () => {
  it('are never throttled or blocked by the detectors, and are still accounted', async () => {
    const strict = temporaryGuardStore();
    const guarded = await startGateway({ upstreamUrl: upstream.url, store: strict.store, detectors: [new VolumeDetector({ saturationRequests: 2 })], policy: { default: { blockAt: 0.9 } }, onError: () => undefined });
    try {
      const allowed = await issue(strict.store, 'partner');
      const plain = await issue(strict.store, 'stranger');
      expect(await strict.store.setAllowListed(allowed.id, true)).toBe(true);
      const statuses = async (secret: string) => {
        const seen: number[] = [];
        for (let index = 0; index < 4; index += 1) seen.push(await fetch(`${guarded.url}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'tickets', messages: [{ role: 'user', content: 'refund my invoice' }] }) }).then(async (response) => (await response.arrayBuffer(), response.status)));
        return seen;
      };
      expect(await statuses(allowed.secret)).toEqual([200, 200, 200, 200]);
      expect((await statuses(plain.secret)).at(-1)).toBe(403);
      await guarded.settled();
      expect((await strict.store.listUsage(allowed.id)).reduce((sum, window) => sum + window.requests, 0)).toBe(4);
      expect(await strict.store.getPolicyState(allowed.id)).toMatchObject({ action: 'log', score: 1 });
    } finally {
      await guarded.close();
      await strict.cleanup();
    }
  });
});
