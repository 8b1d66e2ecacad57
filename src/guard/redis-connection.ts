/**
 * Redis connections for the guard. On the request path a command must fail at once while Redis is
 * down (no offline queue, no resend after a reconnect), so the gateway answers by its fail-open /
 * fail-closed rule instead of waiting; the client keeps reconnecting in the background.
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { UsageError } from '../util/errors.js';
import { describeRedisTarget, toRedisStoreError } from './redis-errors.js';

/** Where a guard keeps its shared state. */
export interface RedisLocation {
  /** `redis://[user:password@]host:port/db`, or `rediss://` for TLS. */
  url: string;
  /** Namespace put before every key, so several guards (or other apps) can share one server; default 'distillery:guard'. */
  prefix?: string;
}

/** The namespace used when none is given. */
export const DEFAULT_REDIS_PREFIX = 'distillery:guard';

/** How long a request-path command may go unanswered before it fails (ms): a hung Redis must not hang the gateway. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 1000;

/** A connected client with the names it needs for keys and messages. */
export interface RedisHandle {
  readonly client: Redis;
  /** The server and namespace as shown in messages, credentials removed. */
  readonly target: string;
  /** The full Redis key for `parts` inside the namespace. */
  key(...parts: Array<string | number>): string;
}

/** Settings of one connection. */
export interface RedisConnectionOptions {
  /** Null for a connection that runs blocking reads (XREAD BLOCK), which must not time out. */
  commandTimeoutMs?: number | null;
  /** Hears about a lost connection once per outage, not once per reconnect attempt. */
  onError?: (error: unknown) => void;
}

/** The namespace, checked: glob characters would make cleanup scans match other namespaces. */
export function redisPrefixOf(location: RedisLocation): string {
  const prefix = location.prefix ?? DEFAULT_REDIS_PREFIX;
  if (!/^[^\s*?[\]\\]+$/.test(prefix)) {
    throw new UsageError(`the Redis prefix must be non-empty, without spaces or any of * ? [ ] \\, got "${prefix}"`);
  }
  return prefix;
}

/** Opens a connection and waits until it answers PING; rejects with a StoreError when Redis is unreachable. */
export async function connectRedis(location: RedisLocation, options: RedisConnectionOptions = {}): Promise<RedisHandle> {
  const prefix = redisPrefixOf(location);
  const target = describeRedisTarget(location.url, prefix);
  const timeout = options.commandTimeoutMs === undefined ? DEFAULT_COMMAND_TIMEOUT_MS : options.commandTimeoutMs;
  const client = new Redis(location.url, {
    lazyConnect: true,
    // RESP2 reply shapes are what the parsers in the Redis store and bus expect.
    protocol: 2,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // A counter increment whose reply was lost may have been applied: resending it could count twice.
    autoResendUnfulfilledCommands: false,
    connectTimeout: 2000,
    retryStrategy: (attempt: number) => Math.min(attempt * 100, 2000),
    ...(timeout === null ? {} : { commandTimeout: timeout, enableAutoPipelining: true }),
  });
  let lastError: unknown;
  let healthy = false;
  client.on('error', (error: unknown) => {
    lastError = error;
    if (healthy) options.onError?.(toRedisStoreError(error, target, 'keeping the connection open'));
    healthy = false;
  });
  client.on('ready', () => (healthy = true));
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    throw toRedisStoreError(lastError ?? error, target, 'connecting');
  }
  return { client, target, key: (...parts) => [prefix, ...parts].join(':') };
}

/** Closes a connection, waiting for replies already sent; safe to call twice. */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}

/** A Lua script run by its SHA-1, sent in full only when the server does not know it yet (first use, restart). */
export class LuaScript {
  readonly #source: string;
  readonly #sha: string;

  constructor(source: string) {
    this.#source = source;
    this.#sha = createHash('sha1').update(source, 'utf8').digest('hex');
  }

  /** Runs the script atomically on `client`. */
  async run(client: Redis, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    try {
      return await client.call('EVALSHA', this.#sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.call('EVAL', this.#source, keys.length, ...keys, ...args);
    }
  }
}
