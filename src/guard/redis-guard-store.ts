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
 *   P:audit, P:audit-by-key:<id>  capped streams (XADD MAXLEN ~) of JSON audit entries, trimmed by age (pruneAudit)
 *   P:refusals:<windowStart>      hash of counts of unauthenticated requests per minute (method route status note);
 *                                 the first of each minute is the one audit entry written, the rest only count
 * Usage and policy state live as long as the server keeps them (persistence is the Redis operator's
 * choice); the audit streams keep roughly their newest `auditMaxEntries` entries, and nothing older
 * than the retention pruneAudit is given; refusal counters expire after `auditRetentionMs`.
 */
import type { Redis } from 'ioredis';
import { REFUSAL_WINDOW_MS, type AuditEntry, type AuditQuery, type GuardStore, type KeyRecord, type PolicyState, type UsageEntry, type UsageWindow } from './guard-store.js';
import { closeRedis, connectRedis, LuaScript, type RedisHandle, type RedisLocation } from './redis-connection.js';
import { toRedisStoreError } from './redis-errors.js';
import type { PolicyAction } from './types.js';

/** How to open the Redis store. */
export interface RedisGuardStoreOptions extends RedisLocation {
  /** Entries kept (approximately) in the whole audit stream; default 100 000. */
  auditMaxEntries?: number;
  /** Entries kept (approximately) per key, which bounds `listAudit({ keyId })`; default 1000. */
  keyAuditMaxEntries?: number;
  /** How long refusal counters live (ms); give the same retention as pruneAudit's. Default 30 days. */
  auditRetentionMs?: number;
  /** Default 1000 ms; a command unanswered this long fails with a StoreError. */
  commandTimeoutMs?: number;
  /** Hears about a lost connection, once per outage. */
  onError?: (error: unknown) => void;
}

/** Adds a key and its indexes, refusing a duplicate id or hash. */
const ADD_KEY = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('CONSTRAINT a key with id ' .. ARGV[1] .. ' already exists') end
if redis.call('EXISTS', KEYS[4]) == 1 then return redis.error_reply('CONSTRAINT a key with the same hash already exists') end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'name', ARGV[2], 'tier', ARGV[3], 'visiblePrefix', ARGV[4], 'hash', ARGV[5], 'createdAt', ARGV[6], 'revokedAt', ARGV[7], 'expiresAt', ARGV[8], 'allowListed', ARGV[9])
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

/** Sets a key's allow-list flag when the key exists; returns 1 when it did. */
const SET_ALLOW_LISTED = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'allowListed', ARGV[1])
return 1`);

/** Counts one refused request in its minute; only the first of each minute and kind becomes an audit entry. */
const COUNT_REFUSAL = new LuaScript(`
local count = redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
if count == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'entry', ARGV[4], 'refusals', KEYS[1], 'kind', ARGV[1])
end
return count`);

/** A field of a hash reply, or ''. */
function field(fields: Record<string, string>, name: string): string {
  return fields[name] ?? '';
}

/** Maps a key hash to the seam's record. */
function toKey(fields: Record<string, string>): KeyRecord {
  const revokedAt = field(fields, 'revokedAt');
  const expiresAt = field(fields, 'expiresAt');
  return {
    id: field(fields, 'id'), name: field(fields, 'name'), tier: field(fields, 'tier'), visiblePrefix: field(fields, 'visiblePrefix'),
    hash: field(fields, 'hash'), createdAt: Number(field(fields, 'createdAt')), revokedAt: revokedAt === '' ? null : Number(revokedAt),
    expiresAt: expiresAt === '' ? null : Number(expiresAt), allowListed: field(fields, 'allowListed') === '1',
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

/** An audit stream entry: the row, and for an aggregated refusal where its count is kept. */
interface StreamedAudit { entry: AuditEntry; refusals?: { key: string; kind: string } }

/** The JSON entries of an XREVRANGE reply ([[id, [field, value, …]], …]). */
function streamEntries(reply: unknown): StreamedAudit[] {
  if (!Array.isArray(reply)) return [];
  return reply.flatMap((item) => {
    const fields = pairs((item as [string, unknown])[1]);
    const entry = JSON.parse(fields.entry ?? 'null') as AuditEntry | null;
    if (entry === null) return [];
    return [fields.refusals === undefined ? { entry } : { entry, refusals: { key: fields.refusals, kind: fields.kind ?? '' } }];
  });
}

/** The stream id just before instant `at` (ms): XTRIM MINID keeps this and everything after. */
function minimumIdAt(at: number): string {
  return `${Math.max(0, Math.floor(at))}-0`;
}

/** Connects and returns the Redis store; rejects with a StoreError when Redis does not answer. */
export async function openRedisGuardStore(options: RedisGuardStoreOptions): Promise<GuardStore> {
  const handle = await connectRedis(options, {
    ...(options.commandTimeoutMs === undefined ? {} : { commandTimeoutMs: options.commandTimeoutMs }),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
  });
  return new RedisGuardStore(handle, { audit: options.auditMaxEntries ?? 100_000, keyAudit: options.keyAuditMaxEntries ?? 1000, retentionMs: options.auditRetentionMs ?? 30 * 86_400_000 });
}

/** The Redis implementation of `GuardStore`. */
class RedisGuardStore implements GuardStore {
  readonly kind = 'redis';
  readonly #handle: RedisHandle;
  readonly #client: Redis;
  readonly #caps: { audit: number; keyAudit: number; retentionMs: number };

  constructor(handle: RedisHandle, caps: { audit: number; keyAudit: number; retentionMs: number }) {
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
      await ADD_KEY.run(this.#client, keys, [key.id, key.name, key.tier, key.visiblePrefix, key.hash, key.createdAt, key.revokedAt ?? '', key.expiresAt ?? '', key.allowListed ? '1' : '0']);
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

  setAllowListed(id: string, allowListed: boolean): Promise<boolean> {
    return this.#run('allow-listing a key', async () => (await SET_ALLOW_LISTED.run(this.#client, [this.#handle.key('key', id)], [allowListed ? '1' : '0'])) === 1);
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
    if (entry.keyId === null) {
      const counters = this.#handle.key('refusals', Math.floor(entry.at / REFUSAL_WINDOW_MS) * REFUSAL_WINDOW_MS);
      const kind = [entry.method, entry.route, entry.status, entry.note ?? ''].join(' ');
      return this.#run('counting a refused request', async () => {
        await COUNT_REFUSAL.run(this.#client, [counters, this.#handle.key('audit')], [kind, this.#caps.retentionMs, this.#caps.audit, json]);
      });
    }
    const commands: Array<Array<string | number>> = [['xadd', this.#handle.key('audit'), 'MAXLEN', '~', this.#caps.audit, '*', 'entry', json]];
    if (entry.keyId !== null) commands.push(['xadd', this.#handle.key('audit-by-key', entry.keyId), 'MAXLEN', '~', this.#caps.keyAudit, '*', 'entry', json]);
    return this.#run('appending to the audit log', async () => {
      await this.#transaction(commands);
    });
  }

  listAudit(query: AuditQuery = {}): Promise<AuditEntry[]> {
    const limit = Math.max(1, Math.floor(query.limit ?? 100));
    const stream = query.keyId === undefined ? this.#handle.key('audit') : this.#handle.key('audit-by-key', query.keyId);
    return this.#run('reading the audit log', async () => {
      const streamed = streamEntries(await this.#client.call('XREVRANGE', stream, '+', '-', 'COUNT', limit));
      const aggregated = streamed.filter((item) => item.refusals !== undefined);
      if (aggregated.length > 0) {
        const counts = (await this.#client.pipeline(aggregated.map((item) => ['hget', item.refusals?.key ?? '', item.refusals?.kind ?? ''])).exec()) ?? [];
        // A counter gone (expired with the retention) still stands for at least the entry itself.
        aggregated.forEach((item, index) => (item.entry.count = Math.max(1, Number(counts[index]?.[1] ?? 1))));
      }
      return streamed.map((item) => item.entry);
    });
  }

  pruneAudit(before: number, _batchSize: number): Promise<number> {
    // XTRIM removes whole stream entries in memory (microseconds each), so each stream is trimmed in one command, not in batches.
    return this.#run('pruning the audit log', async () => {
      const ids = await this.#client.zrange(this.#handle.key('keys'), '0', '-1');
      const streams = [this.#handle.key('audit'), ...ids.map((id) => this.#handle.key('audit-by-key', id))];
      const replies = (await this.#client.pipeline(streams.map((stream) => ['xtrim', stream, 'MINID', minimumIdAt(before)])).exec()) ?? [];
      return replies.reduce((sum, [error, trimmed]) => {
        if (error !== null) throw error;
        return sum + Number(trimmed);
      }, 0);
    });
  }

  close(): Promise<void> {
    return this.#run('closing the Redis connection', () => closeRedis(this.#client));
  }
}
