/**
 * Shared fixtures of the tests that need a real Redis: whether one answers, a namespace of its own
 * per test run (removed afterwards), and a fault-injection proxy that can cut Redis off mid-run
 * without touching the shared server.
 */
import { randomBytes } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';

/** The Redis the tests use; CI starts one on the default port. */
export const TEST_REDIS_URL = process.env.DISTILLERY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

/**
 * Whether a Redis answers PING at TEST_REDIS_URL. When none does, says so on stderr, so a skipped
 * suite is never mistaken for a passing one; with DISTILLERY_REQUIRE_REDIS=1 it throws instead.
 */
export async function redisAnswers(suite: string): Promise<boolean> {
  const client = new Redis(TEST_REDIS_URL, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  let failure = '';
  client.on('error', (error: Error) => (failure = error.message));
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch (error) {
    const reason = failure || (error instanceof Error ? error.message : String(error));
    const message = `${suite}: SKIPPED, no Redis answered PING at ${TEST_REDIS_URL} (${reason}). Start one (redis-server --save '' --appendonly no) or set DISTILLERY_TEST_REDIS_URL.`;
    if (process.env.DISTILLERY_REQUIRE_REDIS === '1') throw new Error(message);
    process.stderr.write(`\n${message}\n\n`);
    return false;
  } finally {
    client.disconnect();
  }
}

/** A namespace no other test run uses, e.g. 'distillery-test:store:4242:9f3a…'. */
export function uniqueRedisPrefix(label: string): string {
  return `distillery-test:${label}:${process.pid}:${randomBytes(6).toString('hex')}`;
}

/** Deletes every key under `prefix` (SCAN, never KEYS, so a shared server is not stalled); resolves with the count. */
export async function deleteRedisNamespace(prefix: string): Promise<number> {
  const client = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await client.unlink(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    client.disconnect();
  }
}

/** A TCP proxy in front of the test Redis that can drop every connection and refuse new ones on demand. */
export interface RedisFaultInjectionProxy {
  /** redis:// URL through the proxy (same database as TEST_REDIS_URL). */
  url: string;
  /** Ends every proxied connection and refuses new ones: to its clients, Redis is down. */
  cut(): void;
  /** Accepts and forwards connections again. */
  restore(): void;
  close(): Promise<void>;
}

/** Starts the fault-injection proxy on a free loopback port. */
export async function startRedisFaultInjectionProxy(): Promise<RedisFaultInjectionProxy> {
  const upstream = new URL(TEST_REDIS_URL);
  const sockets = new Set<Socket>();
  let down = false;
  const server: Server = createServer((client) => {
    if (down) return void client.destroy();
    const redis = connect(Number(upstream.port || 6379), upstream.hostname);
    for (const socket of [client, redis]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(redis).pipe(client);
    client.on('close', () => redis.destroy());
    redis.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const proxied = new URL(TEST_REDIS_URL);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(port);
  return {
    url: proxied.toString(),
    cut: () => {
      down = true;
      for (const socket of sockets) socket.destroy();
    },
    restore: () => {
      down = false;
    },
    close: () => new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}
