/**
 * The Redis `GuardStore`: the state several gateway replicas share. Counters are added with
 * HINCRBY / HINCRBYFLOAT inside one MULTI, so replicas adding at the same moment never lose a count;
 * multi-key writes are one MULTI or one Lua script, so a failure never leaves half a key behind.
 *
 * Layout, every key under the namespace `P` (default 'distillery:guard'):
 *   P:key:<id>                    hash of the KeyRecord (revokedAt '' while active)
 *   P:keys                        sorted set of key ids by createdAt (listKeys order)
 *   P:prefix:<visiblePrefix>      set of key ids (the lookup index; collisions are harmless)
 *   P:hash:<sha256>               key id (keeps hashes unique, as the SQLite schema does)
 *   P:usage-windows:<id>          sorted set of window starts
 *   P:usage:<id>:<windowStart>    hash of requests, promptTokens, completionTokens, costUSD
 *   P:policy:<id>                 hash of the PolicyState
 *   P:flagged                     sorted set of key ids by score, for keys whose action is not 'log'
 *   P:audit, P:audit-by-key:<id>  capped streams (XADD MAXLEN ~) of JSON audit entries
 * Nothing expires: usage and policy state live as long as the server keeps them (persistence is the
 * Redis operator's choice); the audit streams keep roughly their newest `auditMaxEntries` entries.
 */
import type { Redis } from 'ioredis';
import type { AuditEntry, AuditQuery, GuardStore, KeyRecord, PolicyState, UsageEntry, UsageWindow } from './guard-store.js';
import { closeRedis, connectRedis, LuaScript, type RedisHandle, type RedisLocation } from './redis-connection.js';
import { toRedisStoreError } from './redis-errors.js';
import type { PolicyAction } from './types.js';

/** How to open the Redis store. */
export interface RedisGuardStoreOptions extends RedisLocation {
  /** Entries kept (approximately) in the whole audit stream; default 100 000. */
  auditMaxEntries?: number;
  /** Entries kept (approximately) per key, which bounds `listAudit({ keyId })`; default 1000. */
  keyAuditMaxEntries?: number;
  /** Default 1000 ms; a command unanswered this long fails with a StoreError. */
  commandTimeoutMs?: number;
  /** Hears about a lost connection, once per outage. */
  onError?: (error: unknown) => void;
}

/** Adds a key and its indexes, refusing a duplicate id or hash. */
const ADD_KEY = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('CONSTRAINT a key with id ' .. ARGV[1] .. ' already exists') end
if redis.call('EXISTS', KEYS[4]) == 1 then return redis.error_reply('CONSTRAINT a key with the same hash already exists') end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'name', ARGV[2], 'tier', ARGV[3], 'visiblePrefix', ARGV[4], 'hash', ARGV[5], 'createdAt', ARGV[6], 'revokedAt', ARGV[7])
redis.call('ZADD', KEYS[2], ARGV[6], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('SET', KEYS[4], ARGV[1])
return 1`);

/** The records of every key with one visible prefix, in one round trip: it runs on every proxied request. */
const FIND_BY_PREFIX = new LuaScript(`
local found = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local fields = redis.call('HGETALL', ARGV[1] .. id)
  if #fields > 0 then table.insert(found, fields) end
end
return found`);

/** Marks a key revoked unless it is missing or already revoked; returns 1 when it did. */
const REVOKE_KEY = new LuaScript(`
if redis.call('HGET', KEYS[1], 'revokedAt') ~= '' then return 0 end
redis.call('HSET', KEYS[1], 'revokedAt', ARGV[1])
return 1`);

/** A field of a hash reply, or ''. */
function field(fields: Record<string, string>, name: string): string {
  return fields[name] ?? '';
}

/** Maps a key hash to the seam's record. */
function toKey(fields: Record<string, string>): KeyRecord {
  const revokedAt = field(fields, 'revokedAt');
  return {
    id: field(fields, 'id'), name: field(fields, 'name'), tier: field(fields, 'tier'), visiblePrefix: field(fields, 'visiblePrefix'),
    hash: field(fields, 'hash'), createdAt: Number(field(fields, 'createdAt')), revokedAt: revokedAt === '' ? null : Number(revokedAt),
  };
}

/** Maps a policy hash to the seam's record. */
function toPolicy(keyId: string, fields: Record<string, string>): PolicyState {
  return {
    keyId, action: field(fields, 'action') as PolicyAction, score: Number(field(fields, 'score')),
    reasons: JSON.parse(field(fields, 'reasons') || '[]') as string[], updatedAt: Number(field(fields, 'updatedAt')),
  };
}

/** A flat [field, value, …] array (what a Lua script returns for HGETALL) as an object. */
function pairs(flat: unknown): Record<string, string> {
  const values = Array.isArray(flat) ? flat.map(String) : [];
  const fields: Record<string, string> = {};
  for (let index = 0; index + 1 < values.length; index += 2) fields[values[index] as string] = values[index + 1] as string;
  return fields;
}

/** The JSON entries of an XREVRANGE reply ([[id, [field, value, …]], …]). */
function streamEntries(reply: unknown): AuditEntry[] {
  if (!Array.isArray(reply)) return [];
  return reply.map((entry) => JSON.parse(pairs((entry as [string, unknown])[1]).entry ?? 'null') as AuditEntry).filter((entry) => entry !== null);
}

/** Connects and returns the Redis store; rejects with a StoreError when Redis does not answer. */
export async function openRedisGuardStore(options: RedisGuardStoreOptions): Promise<GuardStore> {
  const handle = await connectRedis(options, {
    ...(options.commandTimeoutMs === undefined ? {} : { commandTimeoutMs: options.commandTimeoutMs }),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
  });
  return new RedisGuardStore(handle, { audit: options.auditMaxEntries ?? 100_000, keyAudit: options.keyAuditMaxEntries ?? 1000 });
}

/** The Redis implementation of `GuardStore`. */
class RedisGuardStore implements GuardStore {
  readonly kind = 'redis';
  readonly #handle: RedisHandle;
  readonly #client: Redis;
  readonly #caps: { audit: number; keyAudit: number };

  constructor(handle: RedisHandle, caps: { audit: number; keyAudit: number }) {
    this.#handle = handle;
    this.#client = handle.client;
    this.#caps = caps;
  }

  /** Runs one Redis action, turning any failure into a StoreError. */
  async #run<T>(action: string, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      throw toRedisStoreError(error, this.#handle.target, action);
    }
  }

  /** Runs `commands` in one MULTI and returns their replies; any failed command fails the whole call. */
  async #transaction(commands: Array<Array<string | number>>): Promise<unknown[]> {
    const replies = await this.#client.multi(commands).exec();
    if (replies === null) throw new Error('the transaction was aborted');
    return replies.map(([error, reply]) => {
      if (error !== null) throw error;
      return reply;
    });
  }

  /** HGETALL of several keys in one round trip. */
  async #hashes(keys: readonly string[]): Promise<Array<Record<string, string>>> {
    if (keys.length === 0) return [];
    const replies = (await this.#client.pipeline(keys.map((key) => ['hgetall', key])).exec()) ?? [];
    return replies.map(([error, reply]) => {
      if (error !== null) throw error;
      return (reply ?? {}) as Record<string, string>;
    });
  }

  addKey(key: KeyRecord): Promise<void> {
    const keys = [this.#handle.key('key', key.id), this.#handle.key('keys'), this.#handle.key('prefix', key.visiblePrefix), this.#handle.key('hash', key.hash)];
    return this.#run('adding a key', async () => {
      await ADD_KEY.run(this.#client, keys, [key.id, key.name, key.tier, key.visiblePrefix, key.hash, key.createdAt, key.revokedAt ?? '']);
    });
  }

  getKey(id: string): Promise<KeyRecord | undefined> {
    return this.#run('reading a key', async () => {
      const fields = await this.#client.hgetall(this.#handle.key('key', id));
      return Object.keys(fields).length === 0 ? undefined : toKey(fields);
    });
  }

  findKeysByPrefix(prefix: string): Promise<KeyRecord[]> {
    return this.#run('looking up a key', async () => {
      const found = await FIND_BY_PREFIX.run(this.#client, [this.#handle.key('prefix', prefix)], [this.#handle.key('key', '')]);
      return (Array.isArray(found) ? found : []).map((flat) => toKey(pairs(flat)));
    });
  }

  listKeys(): Promise<KeyRecord[]> {
    return this.#run('listing keys', async () => {
      const ids = await this.#client.zrange(this.#handle.key('keys'), '0', '-1');
      return (await this.#hashes(ids.map((id) => this.#handle.key('key', id)))).filter((fields) => fields.id !== undefined).map(toKey);
    });
  }

  revokeKey(id: string, at: number): Promise<boolean> {
    return this.#run('revoking a key', async () => (await REVOKE_KEY.run(this.#client, [this.#handle.key('key', id)], [at])) === 1);
  }

  addUsage(entry: UsageEntry): Promise<void> {
    const usage = this.#handle.key('usage', entry.keyId, entry.windowStart);
    return this.#run('recording usage', async () => {
      await this.#transaction([
        ['zadd', this.#handle.key('usage-windows', entry.keyId), entry.windowStart, String(entry.windowStart)],
        ['hincrby', usage, 'requests', entry.requests],
        ['hincrby', usage, 'promptTokens', entry.promptTokens],
        ['hincrby', usage, 'completionTokens', entry.completionTokens],
        ['hincrbyfloat', usage, 'costUSD', entry.costUSD],
      ]);
    });
  }

  listUsage(keyId: string, since = 0): Promise<UsageWindow[]> {
    return this.#run('reading usage', async () => {
      const starts = await this.#client.zrangebyscore(this.#handle.key('usage-windows', keyId), since, '+inf');
      const windows = await this.#hashes(starts.map((start) => this.#handle.key('usage', keyId, start)));
      return windows.map((fields, index) => ({
        keyId, windowStart: Number(starts[index]), requests: Number(field(fields, 'requests')), promptTokens: Number(field(fields, 'promptTokens')),
        completionTokens: Number(field(fields, 'completionTokens')), costUSD: Number(field(fields, 'costUSD')),
      }));
    });
  }

  getPolicyState(keyId: string): Promise<PolicyState | undefined> {
    return this.#run('reading policy state', async () => {
      const fields = await this.#client.hgetall(this.#handle.key('policy', keyId));
      return Object.keys(fields).length === 0 ? undefined : toPolicy(keyId, fields);
    });
  }

  setPolicyState(state: PolicyState): Promise<void> {
    const flagged = this.#handle.key('flagged');
    return this.#run('saving policy state', async () => {
      await this.#transaction([
        ['hset', this.#handle.key('policy', state.keyId), 'action', state.action, 'score', String(state.score), 'reasons', JSON.stringify(state.reasons), 'updatedAt', state.updatedAt],
        state.action === 'log' ? ['zrem', flagged, state.keyId] : ['zadd', flagged, String(state.score), state.keyId],
      ]);
    });
  }

  listFlagged(): Promise<PolicyState[]> {
    return this.#run('listing flagged keys', async () => {
      const ids = await this.#client.zrange(this.#handle.key('flagged'), '0', '-1');
      const states = (await this.#hashes(ids.map((id) => this.#handle.key('policy', id)))).map((fields, index) => toPolicy(ids[index] ?? '', fields));
      // Ties by key id, as the SQLite store orders them; a sorted set would break ties the other way round.
      return states.filter((state) => state.action !== 'log').sort((a, b) => b.score - a.score || (a.keyId < b.keyId ? -1 : a.keyId > b.keyId ? 1 : 0));
    });
  }

  appendAudit(entry: AuditEntry): Promise<void> {
    const json = JSON.stringify(entry);
    const commands: Array<Array<string | number>> = [['xadd', this.#handle.key('audit'), 'MAXLEN', '~', this.#caps.audit, '*', 'entry', json]];
    if (entry.keyId !== null) commands.push(['xadd', this.#handle.key('audit-by-key', entry.keyId), 'MAXLEN', '~', this.#caps.keyAudit, '*', 'entry', json]);
    return this.#run('appending to the audit log', async () => {
      await this.#transaction(commands);
    });
  }

  listAudit(query: AuditQuery = {}): Promise<AuditEntry[]> {
    const limit = Math.max(1, Math.floor(query.limit ?? 100));
    const stream = query.keyId === undefined ? this.#handle.key('audit') : this.#handle.key('audit-by-key', query.keyId);
    return this.#run('reading the audit log', async () => streamEntries(await this.#client.call('XREVRANGE', stream, '+', '-', 'COUNT', limit)));
  }

  close(): Promise<void> {
    return this.#run('closing the Redis connection', () => closeRedis(this.#client));
  }
}
