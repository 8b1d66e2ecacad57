import { Option, type Command } from 'commander';
import {
  combineRisk, createKey, DEFAULT_REDIS_PREFIX, defaultDetectors, describeRedisTarget, explainKey, loadPolicyFile, openRedisGuardStore, openRedisReplica,
  openSqliteGuardStore, startGateway, withVolumeCeiling, type GuardStore, type KeyRecord, type Replication,
} from '../guard/index.js';
import { EXIT, reportFailure } from './exit-codes.js';
import { UsageError } from '../util/errors.js';

/** Where the guard keeps its keys, accounting and audit log unless --db or --redis says otherwise. */
const DEFAULT_DB = '.distillery/guard.db';

/** Where the guard state lives, as the command line says. */
interface StoreFlags {
  db: string;
  redis?: string;
  redisPrefix: string;
}

/** Adds the options that pick the guard state (--db, or --redis and --redis-prefix) to a subcommand. */
function withStoreOptions(command: Command): Command {
  return command
    .option('--db <file>', 'guard database (SQLite) when --redis is not given', DEFAULT_DB)
    .addOption(new Option('--redis <url>', 'keep the guard state in Redis instead, shared by every gateway replica: redis://[:password@]host:6379/0 (rediss:// for TLS); prefer the environment variable, which keeps the password out of `ps`').env('DISTILLERY_GUARD_REDIS'))
    .option('--redis-prefix <name>', 'namespace of the guard\'s Redis keys, so several guards (or apps) can share one server', DEFAULT_REDIS_PREFIX);
}

/** Opens the store the flags name. */
async function openStore(flags: StoreFlags): Promise<GuardStore> {
  return flags.redis === undefined ? openSqliteGuardStore(flags.db) : openRedisGuardStore({ url: flags.redis, prefix: flags.redisPrefix });
}

/** What `guard serve` runs on: the SQLite file, or the Redis its replicas share. */
async function openServingState(flags: StoreFlags): Promise<{ store: GuardStore; replication?: Replication; close(): Promise<void>; where: string }> {
  if (flags.redis === undefined) {
    const store = openSqliteGuardStore(flags.db);
    return { store, close: () => store.close(), where: flags.db };
  }
  const onError = (error: unknown) => process.stderr.write(`distillery guard: ${error instanceof Error ? error.message : String(error)}\n`);
  const replica = await openRedisReplica({ url: flags.redis, prefix: flags.redisPrefix, onError });
  return { ...replica, where: `Redis ${describeRedisTarget(flags.redis, flags.redisPrefix)}, shared with every replica using it` };
}

/** A key as printed: never the hash. */
function shownKey(key: KeyRecord): Record<string, unknown> {
  return { id: key.id, name: key.name, tier: key.tier, prefix: key.visiblePrefix, createdAt: new Date(key.createdAt).toISOString(), revokedAt: key.revokedAt === null ? null : new Date(key.revokedAt).toISOString() };
}

/** Opens the store, runs `body`, closes the store, and turns failures into exit codes. */
async function withStore(flags: StoreFlags, json: boolean, body: (store: GuardStore) => Promise<void>): Promise<void> {
  try {
    const store = await openStore(flags);
    try {
      await body(store);
    } finally {
      await store.close();
    }
  } catch (error) {
    process.exitCode = reportFailure(error, json);
  }
}

/** A positive number option, or an error naming the flag. */
function positive(flag: string, value: string): number {
  const number = Number(value);
  if (!(number > 0)) {
    // Named InputError so describeFailure maps it to the invalid-input exit code, without a stack.
    throw new UsageError(`${flag} must be a positive number, got "${value}"`);
  }
  return number;
}

/** `distillery guard serve`. */
function registerServe(guard: Command): void {
  withStoreOptions(guard
    .command('serve')
    .description('run the gateway in front of an OpenAI-compatible upstream')
    .requiredOption('--upstream <url>', 'upstream base URL, e.g. http://127.0.0.1:8000/v1 (vLLM, llama.cpp, Ollama, distillery serve)')
    .option('-p, --port <port>', 'port to listen on', '8443')
    .option('--host <host>', 'address to bind', '127.0.0.1'))
    .option('--upstream-key-env <name>', 'environment variable holding the gateway\'s own upstream API key', 'DISTILLERY_UPSTREAM_API_KEY')
    .option('--policy <file>', 'policy file (YAML or JSON): flag/throttle/block thresholds per tier and per key, throttle sizes, onStoreFailure, webhookUrl; flags below override it')
    .option('--requests-per-minute <n>', 'an owner-set ceiling: a key sending this many requests a minute scores 1 whatever the other detectors say (default: volume is one weak signal among nine)')
    .option('--block-at <score>', 'also block keys scoring at least this (default: never block automatically)')
    .option('--fail-closed', 'answer 503 when the guard database (or Redis) is unavailable (default: keep serving keys seen in the last 5 min under their last known policy state, blocked stays blocked)')
    .option('--webhook <url>', 'POST a JSON event here whenever a key\'s policy action changes')
    .option('--log-prompts', 'store prompt text in the audit log (off by default: prompts are your users\' data)')
    .option('--max-body-bytes <n>', 'request body limit', String(1024 * 1024))
    .option('--upstream-timeout-ms <ms>', 'upstream idle limit before 504', '120000')
    .addHelpText('after', `
With --redis, run the same command on every replica behind your load balancer: keys, usage
counters, policy state, throttle buckets and the detectors' view of every key's traffic are shared,
so a revoked key is refused everywhere at once and a key blocked on one replica is refused by the
others within 250 ms. Prompt text crosses Redis (cut to 4096 characters, kept only in a capped
stream) so that every replica's detectors see it. Give every replica the same policy flags.

Examples:
  $ distillery guard serve --upstream http://127.0.0.1:8000/v1
  $ export DISTILLERY_GUARD_REDIS=redis://:secret@10.0.0.5:6379/0
  $ distillery guard serve --upstream http://10.0.0.9:8000/v1 --host 0.0.0.0 --fail-closed   # on each replica`)
    .action(async (options: StoreFlags & {
      upstream: string; port: string; host: string; upstreamKeyEnv: string; requestsPerMinute?: string; blockAt?: string; policy?: string;
      failClosed?: boolean; webhook?: string; logPrompts?: boolean; maxBodyBytes: string; upstreamTimeoutMs: string;
    }) => {
      let state: Awaited<ReturnType<typeof openServingState>> | undefined;
      try {
        const fromFile = options.policy === undefined ? {} : await loadPolicyFile(options.policy);
        state = await openServingState(options);
        const { store, close } = state;
        const gateway = await startGateway({
          upstreamUrl: options.upstream, upstreamApiKeyEnv: options.upstreamKeyEnv, store, host: options.host, port: Number(options.port),
          ...(state.replication === undefined ? {} : { replication: state.replication }),
          detectors: defaultDetectors(options.requestsPerMinute === undefined ? {} : { volume: { saturationRequests: positive('--requests-per-minute', options.requestsPerMinute) } }),
          combine: options.requestsPerMinute === undefined ? combineRisk : withVolumeCeiling(combineRisk),
          policy: {
            ...fromFile,
            onStoreFailure: options.failClosed === true ? 'closed' : (fromFile.onStoreFailure ?? 'open'),
            ...(options.blockAt === undefined ? {} : { default: { ...fromFile.default, blockAt: positive('--block-at', options.blockAt) } }),
            ...(options.webhook === undefined ? {} : { webhookUrl: options.webhook }),
          },
          logPrompts: options.logPrompts === true, maxBodyBytes: positive('--max-body-bytes', options.maxBodyBytes),
          upstreamTimeoutMs: positive('--upstream-timeout-ms', options.upstreamTimeoutMs),
        });
        process.stderr.write(`guarding ${options.upstream} at ${gateway.url} (keys and audit log in ${state.where})\n`);
        const shutdown = () => void gateway.close().then(close).then(() => process.exit(EXIT.ok));
        process.once('SIGINT', shutdown);
        process.once('SIGTERM', shutdown);
      } catch (error) {
        // Open Redis connections would keep the process alive after the failure is reported.
        await state?.close().catch(() => undefined);
        process.exitCode = reportFailure(error, false);
      }
    });
}

/** `distillery guard keys create|list|revoke`. */
function registerKeys(guard: Command): void {
  const keys = guard.command('keys').description('issue, list and revoke API keys');
  withStoreOptions(keys
    .command('create')
    .description('issue a key; it is printed once and only its hash is stored')
    .requiredOption('--name <name>', 'who the key is for')
    .option('--tier <tier>', 'policy tier', 'default'))
    .option('--json', 'print JSON')
    .action((options: StoreFlags & { name: string; tier: string; json?: boolean }) => withStore(options, options.json === true, async (store) => {
      const { key, secret } = await createKey(store, { name: options.name, tier: options.tier });
      if (options.json === true) process.stdout.write(`${JSON.stringify({ ...shownKey(key), key: secret })}\n`);
      else process.stdout.write(`${secret}\n`);
      process.stderr.write(`issued ${key.id} (${key.name}, tier ${key.tier}); store the key now: it cannot be shown again\n`);
    }));
  withStoreOptions(keys
    .command('list')
    .description('list keys (prefix, name, tier, created, revoked), never the keys themselves'))
    .option('--json', 'print one JSON line per key')
    .action((options: StoreFlags & { json?: boolean }) => withStore(options, options.json === true, async (store) => {
      for (const key of await store.listKeys()) {
        const shown = shownKey(key);
        process.stdout.write(options.json === true ? `${JSON.stringify(shown)}\n` : `${key.id}  ${key.visiblePrefix}…  ${key.name}  tier=${key.tier}  ${key.revokedAt === null ? 'active' : `revoked ${String(shown.revokedAt)}`}\n`);
      }
    }));
  withStoreOptions(keys
    .command('revoke')
    .argument('<key-id>', 'the key id (key_…), as printed by keys list')
    .description('revoke a key; every gateway using this store refuses it from the next request on'))
    .option('--json', 'print JSON')
    .action((keyId: string, options: StoreFlags & { json?: boolean }) => withStore(options, options.json === true, async (store) => {
      const revoked = await store.revokeKey(keyId, Date.now());
      if (options.json === true) process.stdout.write(`${JSON.stringify({ id: keyId, revoked })}\n`);
      if (!revoked) {
        process.stderr.write(`distillery: no active key ${keyId}; see distillery guard keys list\n`);
        process.exitCode = EXIT.invalidInput;
      } else if (options.json !== true) process.stdout.write(`revoked ${keyId}\n`);
    }));
}

/** `distillery guard flagged` and `distillery guard explain`. */
function registerInspection(guard: Command): void {
  withStoreOptions(guard
    .command('flagged')
    .description('keys the policy flagged, throttled or blocked, highest score first'))
    .option('--json', 'print one JSON line per key')
    .action((options: StoreFlags & { json?: boolean }) => withStore(options, options.json === true, async (store) => {
      for (const state of await store.listFlagged()) {
        if (options.json === true) process.stdout.write(`${JSON.stringify(state)}\n`);
        else process.stdout.write(`${state.keyId}  ${state.action}  score=${state.score.toFixed(2)}  ${state.reasons.join('; ')}\n`);
      }
    }));
  withStoreOptions(guard
    .command('explain')
    .argument('<key-id>', 'the key id (key_…)')
    .description('why a key has its policy state: score, reasons, usage totals and recent requests'))
    .option('--json', 'print JSON')
    .action((keyId: string, options: StoreFlags & { json?: boolean }) => withStore(options, options.json === true, async (store) => {
      const explanation = await explainKey(store, keyId);
      if (explanation === undefined) {
        process.stderr.write(`distillery: no key ${keyId}; see distillery guard keys list\n`);
        process.exitCode = EXIT.invalidInput;
        return;
      }
      if (options.json === true) return void process.stdout.write(`${JSON.stringify(explanation)}\n`);
      const { key, policy, totals, recent } = explanation;
      process.stdout.write(`${key.id} (${key.name}, tier ${key.tier}, ${key.revokedAt === null ? 'active' : 'revoked'})\n`);
      process.stdout.write(`policy: ${policy?.action ?? 'log'}  score ${(policy?.score ?? 0).toFixed(2)}\n`);
      for (const reason of policy?.reasons ?? []) process.stdout.write(`  - ${reason}\n`);
      process.stdout.write(`usage: ${totals.requests} requests, ${totals.promptTokens} prompt + ${totals.completionTokens} completion tokens, $${totals.costUSD.toFixed(4)}\n`);
      for (const entry of recent) process.stdout.write(`  ${new Date(entry.at).toISOString()}  ${entry.method} ${entry.route}  ${entry.status}  ${entry.latencyMs} ms${entry.note === null ? '' : `  ${entry.note}`}\n`);
    }));
}

/** `distillery guard …`: protect your own OpenAI-compatible API from distillation. */
export function registerGuardCommand(program: Command): void {
  const guard = program
    .command('guard')
    .description('protect your model\'s API: an OpenAI-compatible gateway with keys, accounting and harvesting detection')
    .addHelpText('after', `
The gateway sits in front of any OpenAI-compatible server and only lets issued keys through.
It records per-key usage and an audit log (no prompts, no keys), scores every key for output
harvesting, and flags, throttles or blocks keys by score.

Example:
  $ distillery guard keys create --name acme --tier free     # prints dk-…, shown once
  $ distillery guard serve --upstream http://127.0.0.1:8000/v1 --port 8443
  $ curl -s localhost:8443/v1/chat/completions -H "authorization: Bearer dk-…" \\
      -H 'content-type: application/json' -d '{"model":"m","messages":[{"role":"user","content":"hi"}]}'
  $ distillery guard flagged
  $ distillery guard explain key_0123456789abcdef

Several replicas: give every guard command the same --redis (or DISTILLERY_GUARD_REDIS) and they
share one state (keys, usage, policy, throttles, detector traffic) instead of a local file:
  $ export DISTILLERY_GUARD_REDIS=redis://:secret@10.0.0.5:6379/0
  $ distillery guard keys create --name acme          # once, from anywhere
  $ distillery guard serve --upstream http://10.0.0.9:8000/v1 --host 0.0.0.0   # on each replica
See distillery guard serve --help for what is shared and how fast replicas agree.`);
  registerServe(guard);
  registerKeys(guard);
  registerInspection(guard);
}
