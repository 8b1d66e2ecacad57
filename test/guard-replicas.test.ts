/**
 * Two gateway replicas (two `distillery guard serve --redis` processes) in front of one upstream,
 * sharing one real Redis: usage adds up exactly, and a key revoked or blocked on one is refused by the other.
 */
import OpenAI from 'openai';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRedisGuardStore, type GuardStore } from '../src/guard/index.js';
import type { ListeningServer } from '../src/serve/listen.js';
import { jsonLines, runCli } from './cli-helpers.js';
import { issue, startGatewayProcess, startTicketsUpstream, type GatewayProcess } from './guard-helpers.js';
import { deleteRedisNamespace, redisAnswers, TEST_REDIS_URL, uniqueRedisPrefix } from './redis-helpers.js';

const available = await redisAnswers('Guard replica tests');
/** The bound this suite checks for a block set on one replica to reach another: the 250 ms policy refresh, plus slack for a loaded CI machine. */
const BLOCK_PROPAGATION_LIMIT_MS = 1000;

const plainPrefix = uniqueRedisPrefix('replicas-plain');
const strictPrefix = uniqueRedisPrefix('replicas-strict');
let upstream: ListeningServer;
let plain: { a: GatewayProcess; b: GatewayProcess; store: GuardStore };
let strict: { a: GatewayProcess; b: GatewayProcess; store: GuardStore };

/** Two replicas sharing the namespace `prefix`, plus a store on it for the test's own checks. */
async function startPair(prefix: string, policy: string[]): Promise<{ a: GatewayProcess; b: GatewayProcess; store: GuardStore }> {
  // Keys are issued by the tests after the replicas start, so they start with none.
  const args = ['--upstream', upstream.url, '--redis', TEST_REDIS_URL, '--redis-prefix', prefix, '--allow-no-keys', ...policy];
  const [a, b, store] = await Promise.all([startGatewayProcess(args), startGatewayProcess(args), openRedisGuardStore({ url: TEST_REDIS_URL, prefix })]);
  return { a, b, store };
}

/** An SDK client of one replica that does not retry, so each call is one request. */
function client(replica: GatewayProcess, apiKey: string): OpenAI {
  return new OpenAI({ baseURL: replica.url, apiKey, maxRetries: 0 });
}

/** The HTTP status of one chat completion through `replica`. */
function statusOf(replica: GatewayProcess, apiKey: string, content = 'refund my invoice'): Promise<number> {
  return client(replica, apiKey).chat.completions.create({ model: 'tickets', messages: [{ role: 'user', content }] }).then(() => 200, (error: unknown) => (error instanceof OpenAI.APIError ? error.status ?? 0 : -1));
}

beforeAll(async () => {
  if (!available) return;
  upstream = await startTicketsUpstream();
  [plain, strict] = await Promise.all([
    startPair(plainPrefix, ['--requests-per-minute', '1000000']),
    // Score 1 (and block) at 3 requests a minute, counting every replica's traffic.
    startPair(strictPrefix, ['--requests-per-minute', '3', '--block-at', '1']),
  ]);
});

afterAll(async () => {
  if (!available) return;
  await Promise.all([plain, strict].flatMap((pair) => [pair.a.stop(), pair.b.stop(), pair.store.close()]));
  await upstream.close();
  await Promise.all([deleteRedisNamespace(plainPrefix), deleteRedisNamespace(strictPrefix)]);
});

describe.runIf(available)('gateway replicas sharing Redis', () => {
  it('sums usage exactly across replicas under concurrent load', async () => {
    const created = await runCli(['guard', 'keys', 'create', '--name', 'load', '--redis', TEST_REDIS_URL, '--redis-prefix', plainPrefix, '--json']);
    expect(created.code).toBe(0);
    const { id, key } = jsonLines(created.stdout)[0] as { id: string; key: string };
    const total = 200;
    const sent = { prompt: 0, completion: 0 };
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let index = next++; index < total; index = next++) {
        const replica = index % 2 === 0 ? plain.a : plain.b;
        const completion = await client(replica, key).chat.completions.create({ model: 'tickets', messages: [{ role: 'user', content: `the app crashes, attempt ${index}` }] });
        sent.prompt += completion.usage?.prompt_tokens ?? 0;
        sent.completion += completion.usage?.completion_tokens ?? 0;
      }
    };
    await Promise.all(Array.from({ length: 20 }, worker));
    // Accounting is written just after each answer; wait for the last writes to land.
    await expect.poll(async () => (await plain.store.listUsage(id)).reduce((sum, window) => sum + window.requests, 0), { timeout: 10_000, interval: 50 }).toBe(total);
    const windows = await plain.store.listUsage(id);
    expect(windows.reduce((sum, window) => sum + window.promptTokens, 0)).toBe(sent.prompt);
    expect(windows.reduce((sum, window) => sum + window.completionTokens, 0)).toBe(sent.completion);
    await expect.poll(async () => (await plain.store.listAudit({ keyId: id, limit: 1000 })).length, { timeout: 10_000, interval: 50 }).toBe(total);
    const explained = await runCli(['guard', 'explain', id, '--redis', TEST_REDIS_URL, '--redis-prefix', plainPrefix, '--json']);
    expect(JSON.parse(explained.stdout)).toMatchObject({ key: { id, name: 'load' }, totals: { requests: total, promptTokens: sent.prompt } });
  });

  it('refuses a key on every replica from the request after it is revoked', async () => {
    const { id, secret } = await issue(plain.store, 'to-revoke');
    expect([await statusOf(plain.a, secret), await statusOf(plain.b, secret)]).toEqual([200, 200]);
    const revoked = await runCli(['guard', 'keys', 'revoke', id, '--redis', TEST_REDIS_URL, '--redis-prefix', plainPrefix]);
    expect(revoked.code).toBe(0);
    for (const replica of [plain.a, plain.b]) {
      const error = await client(replica, secret).models.list().catch((caught: unknown) => caught);
      expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('revoked_api_key');
    }
  });

  it('refuses on replica B a key blocked by policy on replica A, within the stated delay', async () => {
    const { id, secret } = await issue(strict.store, 'harvester');
    expect([await statusOf(strict.a, secret), await statusOf(strict.a, secret), await statusOf(strict.a, secret)]).toEqual([200, 200, 403]);
    const blockedAt = Date.now();
    expect((await strict.store.getPolicyState(id))?.action).toBe('block');
    let status = await statusOf(strict.b, secret);
    while (status !== 403 && Date.now() - blockedAt < BLOCK_PROPAGATION_LIMIT_MS) status = await statusOf(strict.b, secret);
    expect(status).toBe(403);
    const flagged = await runCli(['guard', 'flagged', '--redis', TEST_REDIS_URL, '--redis-prefix', strictPrefix, '--json']);
    expect(jsonLines(flagged.stdout)).toEqual([expect.objectContaining({ keyId: id, action: 'block', score: 1 })]);
  });

  it('scores a key on the traffic it sent to every replica', async () => {
    const { secret } = await issue(strict.store, 'spreader');
    const stream = `${strictPrefix}:observations`;
    const raw = new Redis(TEST_REDIS_URL);
    const monitor = await raw.monitor();
    try {
      // A replica's reader asks for entries after the last one it delivered to its detectors, so an XREAD
      // from an id at or past the newest entry means that replica's detectors have seen it: the event waited on.
      const readFrom = new Map<string, string>();
      monitor.on('monitor', (_time: string, args: string[], source: string) => {
        if (args[0]?.toUpperCase() === 'XREAD' && args.at(-2) === stream) readFrom.set(source, args.at(-1) ?? '0-0');
      });
      const before = await raw.xlen(stream);
      expect([await statusOf(strict.a, secret), await statusOf(strict.b, secret)]).toEqual([200, 200]);
      await expect.poll(() => raw.xlen(stream), { timeout: 5000, interval: 10 }).toBe(before + 2);
      const newest = (await raw.xrevrange(stream, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
      await expect.poll(() => [...readFrom.values()].filter((id) => streamIdAtLeast(id, newest)).length, { timeout: 5000, interval: 10 }).toBeGreaterThanOrEqual(2);
      // A saw one request itself; with B's through the bus this third one reaches 3 a minute: blocked.
      expect(await statusOf(strict.a, secret)).toBe(403);
    } finally {
      monitor.disconnect();
      raw.disconnect();
    }
  });
});

/** Whether stream id `id` ('ms-seq') is at or after `other`. */
function streamIdAtLeast(id: string, other: string): boolean {
  const [ms = 0, seq = 0] = id.split('-').map(Number);
  const [otherMs = 0, otherSeq = 0] = other.split('-').map(Number);
  return ms > otherMs || (ms === otherMs && seq >= otherSeq);
}
