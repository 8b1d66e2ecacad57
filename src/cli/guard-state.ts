/**
 * Where every `distillery guard` command finds the guard state: one location, whatever folder the
 * command runs in — `--state FILE`, else $DISTILLERY_GUARD_STATE, else the default under the XDG state
 * folder — or Redis with --redis. Commands that only read never create a database: a missing one is
 * an error naming the path looked at.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { DEFAULT_REDIS_PREFIX, describeRedisTarget, isExpired, openRedisGuardStore, openRedisReplica, openSqliteGuardStore, type GuardStore, type Replication } from '../guard/index.js';
import { InProcessObservationBus, LocalThrottle } from '../guard/index.js';
import { UsageError } from '../util/errors.js';

/** The environment variable naming the guard database when --state is not given. */
export const STATE_ENV = 'DISTILLERY_GUARD_STATE';

/** The default location, as the help text states it. */
export const DEFAULT_STATE_DESCRIPTION = '$XDG_STATE_HOME/distillery/guard.sqlite, or ~/.local/state/distillery/guard.sqlite when XDG_STATE_HOME is unset';

/** The guard state the command line names. */
export interface StateFlags {
  state?: string;
  /** The older name of --state. */
  db?: string;
  redis?: string;
  redisPrefix: string;
}

/** The default guard database: under $XDG_STATE_HOME (when absolute, as the XDG spec requires), else ~/.local/state. */
export function defaultStatePath(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string {
  const stateHome = env.XDG_STATE_HOME !== undefined && path.isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : path.join(home, '.local', 'state');
  return path.join(stateHome, 'distillery', 'guard.sqlite');
}

/** The guard database file and what chose it (for messages). */
export function statePath(flags: StateFlags, env: NodeJS.ProcessEnv = process.env): { file: string; from: string } {
  const given = flags.state ?? flags.db;
  if (given !== undefined) return { file: given === ':memory:' ? given : path.resolve(given), from: '--state' };
  const fromEnv = env[STATE_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return { file: path.resolve(fromEnv), from: STATE_ENV };
  return { file: defaultStatePath(env), from: 'the default location' };
}

/** Adds the options that pick the guard state (--state, or --redis and --redis-prefix) to a subcommand. */
export function withStateOptions(command: Command): Command {
  return command
    .option('--state <file>', `guard database (SQLite) when --redis is not given (env ${STATE_ENV}; default ${DEFAULT_STATE_DESCRIPTION})`)
    .addOption(new Option('--db <file>', 'older name of --state').hideHelp())
    .addOption(new Option('--redis <url>', 'keep the guard state in Redis instead, shared by every gateway replica: redis://[:password@]host:6379/0 (rediss:// for TLS); prefer the environment variable, which keeps the password out of `ps`').env('DISTILLERY_GUARD_REDIS'))
    .option('--redis-prefix <name>', 'namespace of the guard\'s Redis keys, so several guards (or apps) can share one server', DEFAULT_REDIS_PREFIX);
}

/** The error for a guard database that is not there, naming where it was looked for and how to fix it. */
function missingState(file: string, from: string): UsageError {
  const oldDefault = path.resolve('.distillery', 'guard.db');
  const hint = existsSync(oldDefault) ? `; ${oldDefault} (the location before this version) exists: pass --state ${oldDefault} or move it there` : '';
  return new UsageError(`no guard database at ${file} (from ${from}): issue a key first (distillery guard keys create --name NAME) or point --state or ${STATE_ENV} at your database${hint}`);
}

/** Opens the state; `existing` refuses (exit 2) to create a SQLite database that is not there yet. */
export async function openState(flags: StateFlags, mode: 'create' | 'existing'): Promise<GuardStore> {
  if (flags.redis !== undefined) return openRedisGuardStore({ url: flags.redis, prefix: flags.redisPrefix });
  const { file, from } = statePath(flags);
  if (mode === 'existing' && file !== ':memory:' && !existsSync(file)) throw missingState(file, from);
  return openSqliteGuardStore(file);
}

/** What `guard serve` runs on: the SQLite file, or the Redis its replicas share. */
export interface ServingState {
  store: GuardStore;
  replication: Replication;
  where: string;
  close(): Promise<void>;
}

/** How often a lone gateway re-reads a key's policy state, so `guard keys unflag` reaches a running gateway. */
const LOCAL_POLICY_REFRESH_MS = 1000;

/** Opens the serving state; creates a missing SQLite database only when `create` (--allow-no-keys). */
export async function openServingState(flags: StateFlags, create: boolean, auditRetentionMs: number): Promise<ServingState> {
  if (flags.redis === undefined) {
    const { file, from } = statePath(flags);
    if (!create && file !== ':memory:' && !existsSync(file)) throw missingState(file, from);
    const store = openSqliteGuardStore(file);
    const replication: Replication = { observations: new InProcessObservationBus(), throttle: new LocalThrottle(), policyRefreshMs: LOCAL_POLICY_REFRESH_MS, policyHoldMs: 0 };
    return { store, replication, close: () => store.close(), where: file };
  }
  const onError = (error: unknown) => process.stderr.write(`distillery guard: ${error instanceof Error ? error.message : String(error)}\n`);
  const replica = await openRedisReplica({ url: flags.redis, prefix: flags.redisPrefix, onError, auditRetentionMs });
  return { ...replica, where: `Redis ${describeRedisTarget(flags.redis, flags.redisPrefix)}, shared with every replica using it` };
}

/** Refuses (exit 2) a state with no key that could authenticate: the gateway would answer 401 to everyone. */
export async function requireUsableKeys(store: GuardStore, where: string, now = Date.now()): Promise<void> {
  const keys = await store.listKeys();
  if (keys.some((key) => key.revokedAt === null && !isExpired(key, now))) return;
  const unusable = keys.length === 0 ? 'no keys' : `no usable keys (${keys.length} revoked or expired)`;
  throw new UsageError(`${unusable} in ${where}: every request would be refused with 401. Issue one with distillery guard keys create --name NAME (same --state or --redis), or pass --allow-no-keys to start anyway`);
}
