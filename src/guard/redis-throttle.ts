/**
 * The throttle of gateway replicas: one token bucket per key in Redis, refilled and spent by one
 * Lua script (atomic, so two replicas cannot spend the same token) on the server's clock (so
 * replicas whose clocks drift still agree on the refill).
 */
import type { PolicyRule } from './policy-config.js';
import { closeRedis, connectRedis, LuaScript, type RedisHandle, type RedisLocation } from './redis-connection.js';
import { toRedisStoreError } from './redis-errors.js';
import type { Throttle, ThrottleResult } from './throttle.js';

/**
 * KEYS[1]: the bucket hash (tokens, at); ARGV: capacity, refill per ms. Returns {allowed, wait ms}.
 * The bucket expires once it would be full again: an idle key costs no memory.
 */
const TAKE_TOKEN = new LuaScript(`
local capacity = tonumber(ARGV[1])
local refill = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * refill)
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) / refill)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / refill) + 1000)
return {allowed, wait}`);

/** Token buckets shared through Redis. */
class RedisThrottle implements Throttle {
  readonly kind = 'redis';
  readonly #handle: RedisHandle;

  constructor(handle: RedisHandle) {
    this.#handle = handle;
  }

  async take(keyId: string, rule: PolicyRule): Promise<ThrottleResult> {
    if (!(rule.throttleBurst > 0) || !(rule.throttleRequestsPerMinute > 0)) {
      throw new RangeError(`a throttle needs a positive burst and rate, got ${rule.throttleBurst} and ${rule.throttleRequestsPerMinute}`);
    }
    try {
      const reply = (await TAKE_TOKEN.run(this.#handle.client, [this.#handle.key('throttle', keyId)], [rule.throttleBurst, rule.throttleRequestsPerMinute / 60_000])) as [number, number];
      return { allowed: reply[0] === 1, retryAfterMs: Number(reply[1]) };
    } catch (error) {
      throw toRedisStoreError(error, this.#handle.target, 'spending a throttle token');
    }
  }

  /** Closes the connection. */
  close(): Promise<void> {
    return closeRedis(this.#handle.client);
  }
}

/** Connects and returns the shared throttle, with `close` for its connection. */
export async function openRedisThrottle(location: RedisLocation & { onError?: (error: unknown) => void }): Promise<Throttle & { close(): Promise<void> }> {
  return new RedisThrottle(await connectRedis(location, location.onError === undefined ? {} : { onError: location.onError }));
}
