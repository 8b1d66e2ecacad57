/** `distillery guard keys create|list|show|revoke|unflag|allow`: what an operator does with keys. */
import type { Command } from 'commander';
import { createKey, findKeys, isExpired, unflaggedState, type GuardStore, type KeyRecord } from '../guard/index.js';
import { parseDuration } from '../util/duration.js';
import { UsageError } from '../util/errors.js';
import { reportFailure } from './exit-codes.js';
import { openState, withStateOptions, type StateFlags } from './guard-state.js';

/** An ISO time, or null. */
function isoOrNull(at: number | null): string | null {
  return at === null ? null : new Date(at).toISOString();
}

/** A key as printed: never the hash. */
export function shownKey(key: KeyRecord, now = Date.now()): Record<string, unknown> {
  return {
    id: key.id, name: key.name, tier: key.tier, prefix: key.visiblePrefix, createdAt: new Date(key.createdAt).toISOString(),
    revokedAt: isoOrNull(key.revokedAt), expiresAt: isoOrNull(key.expiresAt), allowListed: key.allowListed, status: keyStatus(key, now),
  };
}

/** 'active', 'revoked' or 'expired'. */
function keyStatus(key: KeyRecord, now: number): string {
  if (key.revokedAt !== null) return 'revoked';
  return isExpired(key, now) ? 'expired' : 'active';
}

/** One line of `keys list` for people. */
function keyLine(key: KeyRecord, now: number): string {
  const status = keyStatus(key, now);
  const when = status === 'revoked' ? ` ${isoOrNull(key.revokedAt)}` : status === 'expired' ? ` ${isoOrNull(key.expiresAt)}` : key.expiresAt === null ? '' : ` until ${isoOrNull(key.expiresAt)}`;
  return `${key.id}  ${key.visiblePrefix}…  ${key.name}  tier=${key.tier}  ${status}${when}${key.allowListed ? '  allow-listed' : ''}\n`;
}

/** Opens the state, runs `body`, closes the state, and turns failures into exit codes. */
export async function withState(flags: StateFlags, mode: 'create' | 'existing', json: boolean, body: (store: GuardStore) => Promise<void>): Promise<void> {
  try {
    const store = await openState(flags, mode);
    try {
      await body(store);
    } finally {
      await store.close();
    }
  } catch (error) {
    process.exitCode = reportFailure(error, json);
  }
}

/** The one key `nameOrId` names (an id, or a name only one key has); a UsageError listing the candidates otherwise. */
export async function resolveOneKey(store: GuardStore, nameOrId: string, filter: (key: KeyRecord) => boolean = () => true): Promise<KeyRecord> {
  const found = (await findKeys(store, nameOrId)).filter(filter);
  if (found.length === 1) return found[0] as KeyRecord;
  if (found.length === 0) throw new UsageError(`no key with id or name "${nameOrId}"; see distillery guard keys list`);
  throw new UsageError(`${found.length} keys are named "${nameOrId}" (${found.map((key) => key.id).join(', ')}): give the key id instead`);
}

/** `keys create`. */
function registerCreate(keys: Command): void {
  withStateOptions(keys
    .command('create')
    .description('issue a key; it is printed once and only its hash is stored (creates the guard database if needed)')
    .requiredOption('--name <name>', 'who the key is for')
    .option('--tier <tier>', 'policy tier', 'default')
    .option('--expires <duration>', 'the key stops working after this long (30d, 12h, 2w; default never): clients then get 401 expired_api_key'))
    .option('--json', 'print JSON')
    .action((options: StateFlags & { name: string; tier: string; expires?: string; json?: boolean }) => withState(options, 'create', options.json === true, async (store) => {
      const lifetimeMs = options.expires === undefined ? undefined : parseDuration(options.expires, '--expires');
      const { key, secret } = await createKey(store, { name: options.name, tier: options.tier, ...(lifetimeMs === undefined ? {} : { lifetimeMs }) });
      if (options.json === true) process.stdout.write(`${JSON.stringify({ ...shownKey(key), key: secret })}\n`);
      else process.stdout.write(`${secret}\n`);
      const until = key.expiresAt === null ? '' : `, expires ${isoOrNull(key.expiresAt)}`;
      process.stderr.write(`issued ${key.id} (${key.name}, tier ${key.tier}${until}); store the key now: it cannot be shown again\n`);
    }));
}

/** `keys list` and `keys show`. */
function registerListing(keys: Command): void {
  withStateOptions(keys
    .command('list')
    .description('list keys (prefix, name, tier, status, expiry, allow-list), never the keys themselves'))
    .option('--json', 'print one JSON line per key')
    .action((options: StateFlags & { json?: boolean }) => withState(options, 'existing', options.json === true, async (store) => {
      const now = Date.now();
      for (const key of await store.listKeys()) process.stdout.write(options.json === true ? `${JSON.stringify(shownKey(key, now))}\n` : keyLine(key, now));
    }));
  withStateOptions(keys
    .command('show')
    .argument('<name-or-id>', 'a key id (key_…) or a key name')
    .description('every key with this id or name, and its policy state'))
    .option('--json', 'print one JSON line per key')
    .action((nameOrId: string, options: StateFlags & { json?: boolean }) => withState(options, 'existing', options.json === true, async (store) => {
      const found = await findKeys(store, nameOrId);
      if (found.length === 0) throw new UsageError(`no key with id or name "${nameOrId}"; see distillery guard keys list`);
      const now = Date.now();
      for (const key of found) {
        const policy = (await store.getPolicyState(key.id)) ?? null;
        if (options.json === true) process.stdout.write(`${JSON.stringify({ ...shownKey(key, now), policy })}\n`);
        else process.stdout.write(`${keyLine(key, now)}  policy: ${policy?.action ?? 'log'}  score ${(policy?.score ?? 0).toFixed(2)}${policy?.reasons[0] === undefined ? '' : `  ${policy.reasons[0]}`}\n`);
      }
    }));
}

/** `keys revoke`. */
function registerRevoke(keys: Command): void {
  withStateOptions(keys
    .command('revoke')
    .argument('[key-id]', 'the key id (key_…), as printed by keys list')
    .option('--name <name>', 'revoke the one active key with this name instead (several: give the id)')
    .description('revoke a key; every gateway using this state refuses it from the next request on'))
    .option('--json', 'print JSON')
    .action((keyId: string | undefined, options: StateFlags & { name?: string; json?: boolean }) => withState(options, 'existing', options.json === true, async (store) => {
      if ((keyId === undefined) === (options.name === undefined)) throw new UsageError('give either a key id or --name NAME');
      const id = keyId ?? (await resolveOneKey(store, options.name ?? '', (key) => key.revokedAt === null && key.name === options.name)).id;
      const revoked = await store.revokeKey(id, Date.now());
      if (options.json === true) process.stdout.write(`${JSON.stringify({ id, revoked })}\n`);
      if (!revoked) throw new UsageError(`no active key ${id}; see distillery guard keys list`);
      if (options.json !== true) process.stdout.write(`revoked ${id}\n`);
    }));
}

/** `keys unflag` and `keys allow`. */
function registerPolicyOverrides(keys: Command): void {
  withStateOptions(keys
    .command('unflag')
    .argument('<name-or-id>', 'a key id or a name only one key has')
    .description('set a key back to log (score 0); the detectors flag it again only if its traffic keeps looking like harvesting (use keys allow to exempt it)'))
    .option('--json', 'print JSON')
    .action((nameOrId: string, options: StateFlags & { json?: boolean }) => withState(options, 'existing', options.json === true, async (store) => {
      const key = await resolveOneKey(store, nameOrId);
      const before = (await store.getPolicyState(key.id))?.action ?? 'log';
      await store.setPolicyState(unflaggedState(key.id, Date.now()));
      process.stdout.write(options.json === true ? `${JSON.stringify({ id: key.id, name: key.name, from: before, to: 'log' })}\n` : `unflagged ${key.id} (${key.name}): ${before} -> log\n`);
    }));
  withStateOptions(keys
    .command('allow')
    .argument('<name-or-id>', 'a key id or a name only one key has')
    .option('--remove', 'take the key off the allow-list again')
    .description('allow-list a key: it is still scored and accounted, but never flagged, throttled or blocked by the detectors'))
    .option('--json', 'print JSON')
    .action((nameOrId: string, options: StateFlags & { remove?: boolean; json?: boolean }) => withState(options, 'existing', options.json === true, async (store) => {
      const key = await resolveOneKey(store, nameOrId);
      const allowListed = options.remove !== true;
      await store.setAllowListed(key.id, allowListed);
      if (allowListed) await store.setPolicyState(unflaggedState(key.id, Date.now()));
      process.stdout.write(options.json === true ? `${JSON.stringify({ id: key.id, name: key.name, allowListed })}\n` : `${allowListed ? 'allow-listed' : 'removed from the allow-list'} ${key.id} (${key.name})\n`);
    }));
}

/** `distillery guard keys …`. */
export function registerKeys(guard: Command): void {
  const keys = guard.command('keys').description('issue, list, show, revoke, unflag and allow-list API keys');
  registerCreate(keys);
  registerListing(keys);
  registerRevoke(keys);
  registerPolicyOverrides(keys);
}
