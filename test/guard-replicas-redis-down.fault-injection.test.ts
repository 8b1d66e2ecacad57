/**
 * Gateway replicas when their shared Redis goes away mid-run. Redis sits behind a fault-injection
 * proxy that drops every connection on demand, so the shared test server itself is never stopped.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRedisGuardStore, type GuardStore } from '../src/guard/index.js';
import type { ListeningServer } from '../src/serve/listen.js';
import { issue, startGatewayProcess, startTicketsUpstream, type GatewayProcess } from './guard-helpers.js';
import { deleteRedisNamespace, redisAnswers, startRedisFaultInjectionProxy, TEST_REDIS_URL, uniqueRedisPrefix, type RedisFaultInjectionProxy } from './redis-helpers.js';

const available = await redisAnswers('Guard replicas with Redis down');
const prefix = uniqueRedisPrefix('replicas-down');
let upstream: ListeningServer;
let proxy: RedisFaultInjectionProxy;
let store: GuardStore;
let open: GatewayProcess;
let closed: GatewayProcess;

beforeAll(async () => {
  if (!available) return;
  [upstream, proxy, store] = await Promise.all([startTicketsUpstream(), startRedisFaultInjectionProxy(), openRedisGuardStore({ url: TEST_REDIS_URL, prefix })]);
  // Keys are issued by the tests after the gateways start, so they start with none.
  const args = ['--upstream', upstream.url, '--redis', proxy.url, '--redis-prefix', prefix, '--allow-no-keys'];
  [open, closed] = await Promise.all([startGatewayProcess(args), startGatewayProcess([...args, '--fail-closed'])]);
});

afterAll(async () => {
  if (!available) return;
  await Promise.all([open.stop(), closed.stop(), store.close()]);
  await Promise.all([upstream.close(), proxy.close()]);
  await deleteRedisNamespace(prefix);
});

/** The status and error code of one chat completion through `replica`. */
function attempt(replica: GatewayProcess, apiKey: string): Promise<{ status: number; code: string | null }> {
  return new OpenAI({ baseURL: replica.url, apiKey, maxRetries: 0 }).chat.completions
    .create({ model: 'tickets', messages: [{ role: 'user', content: 'refund my invoice' }] })
    .then(() => ({ status: 200, code: null }), (error: unknown) => (error instanceof OpenAI.APIError ? { status: error.status ?? 0, code: error.code ?? null } : { status: -1, code: String(error) }));
}

describe.runIf(available)('gateway replicas when Redis goes down', () => {
  it('fail-open keeps serving keys it knows, fail-closed answers 503, and both recover with Redis', async () => {
    const { secret } = await issue(store, 'steady');
    const { secret: stranger } = await issue(store, 'stranger');
    expect([await attempt(open, secret), await attempt(closed, secret)]).toEqual([{ status: 200, code: null }, { status: 200, code: null }]);

    proxy.cut();
    expect(await attempt(open, secret)).toEqual({ status: 200, code: null });
    expect(await attempt(closed, secret)).toEqual({ status: 503, code: 'guard_unavailable' });
    // Fail-open never means unauthenticated: a key this replica has not seen cannot be checked, so it is refused.
    expect(await attempt(open, stranger)).toEqual({ status: 503, code: 'guard_unavailable' });
    expect(open.stderr()).toMatch(/Redis at redis:\/\/127\.0\.0\.1:\d+\/0 \(prefix [^)]+\) is unreachable/);

    proxy.restore();
    await expect.poll(async () => (await attempt(closed, secret)).status, { timeout: 10_000, interval: 100 }).toBe(200);
    expect(await attempt(open, stranger)).toEqual({ status: 200, code: null });
  });
});
