import type { Command } from 'commander';
import { createKey, explainKey, openSqliteGuardStore, startGateway, VolumeDetector, type GuardStore, type KeyRecord } from '../guard/index.js';
import { EXIT, reportFailure } from './exit-codes.js';

/** Where the guard keeps its keys, accounting and audit log unless --db says otherwise. */
const DEFAULT_DB = '.distillery/guard.db';

/** A key as printed: never the hash. */
function shownKey(key: KeyRecord): Record<string, unknown> {
  return { id: key.id, name: key.name, tier: key.tier, prefix: key.visiblePrefix, createdAt: new Date(key.createdAt).toISOString(), revokedAt: key.revokedAt === null ? null : new Date(key.revokedAt).toISOString() };
}

/** Opens the store, runs `body`, closes the store, and turns failures into exit codes. */
async function withStore(db: string, json: boolean, body: (store: GuardStore) => Promise<void>): Promise<void> {
  try {
    const store = openSqliteGuardStore(db);
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
    throw Object.assign(new Error(`${flag} must be a positive number, got "${value}"`), { name: 'InputError' });
  }
  return number;
}

/** `distillery guard serve`. */
function registerServe(guard: Command): void {
  guard
    .command('serve')
    .description('run the gateway in front of an OpenAI-compatible upstream')
    .requiredOption('--upstream <url>', 'upstream base URL, e.g. http://127.0.0.1:8000/v1 (vLLM, llama.cpp, Ollama, distillery serve)')
    .option('-p, --port <port>', 'port to listen on', '8443')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--db <file>', 'guard database', DEFAULT_DB)
    .option('--upstream-key-env <name>', 'environment variable holding the gateway\'s own upstream API key', 'DISTILLERY_UPSTREAM_API_KEY')
    .option('--requests-per-minute <n>', 'volume at which a key scores 1 (flagged at half, throttled at 0.8)', '120')
    .option('--block-at <score>', 'also block keys scoring at least this (default: never block automatically)')
    .option('--fail-closed', 'answer 503 when the guard database is unavailable (default: keep serving, unaccounted)')
    .option('--webhook <url>', 'POST a JSON event here whenever a key\'s policy action changes')
    .option('--log-prompts', 'store prompt text in the audit log (off by default: prompts are your users\' data)')
    .option('--max-body-bytes <n>', 'request body limit', String(1024 * 1024))
    .option('--upstream-timeout-ms <ms>', 'upstream idle limit before 504', '120000')
    .action(async (options: {
      upstream: string; port: string; host: string; db: string; upstreamKeyEnv: string; requestsPerMinute: string; blockAt?: string;
      failClosed?: boolean; webhook?: string; logPrompts?: boolean; maxBodyBytes: string; upstreamTimeoutMs: string;
    }) => {
      try {
        const store = openSqliteGuardStore(options.db);
        const gateway = await startGateway({
          upstreamUrl: options.upstream, upstreamApiKeyEnv: options.upstreamKeyEnv, store, host: options.host, port: Number(options.port),
          detectors: [new VolumeDetector({ saturationRequests: positive('--requests-per-minute', options.requestsPerMinute) })],
          policy: {
            onStoreFailure: options.failClosed === true ? 'closed' : 'open',
            ...(options.blockAt === undefined ? {} : { default: { blockAt: positive('--block-at', options.blockAt) } }),
            ...(options.webhook === undefined ? {} : { webhookUrl: options.webhook }),
          },
          logPrompts: options.logPrompts === true, maxBodyBytes: positive('--max-body-bytes', options.maxBodyBytes),
          upstreamTimeoutMs: positive('--upstream-timeout-ms', options.upstreamTimeoutMs),
        });
        process.stderr.write(`guarding ${options.upstream} at ${gateway.url} (keys and audit log in ${options.db})\n`);
        const shutdown = () => void gateway.close().then(() => store.close()).then(() => process.exit(EXIT.ok));
        process.once('SIGINT', shutdown);
        process.once('SIGTERM', shutdown);
      } catch (error) {
        process.exitCode = reportFailure(error, false);
      }
    });
}

/** `distillery guard keys create|list|revoke`. */
function registerKeys(guard: Command): void {
  const keys = guard.command('keys').description('issue, list and revoke API keys');
  keys
    .command('create')
    .description('issue a key; it is printed once and only its hash is stored')
    .requiredOption('--name <name>', 'who the key is for')
    .option('--tier <tier>', 'policy tier', 'default')
    .option('--db <file>', 'guard database', DEFAULT_DB)
    .option('--json', 'print JSON')
    .action((options: { name: string; tier: string; db: string; json?: boolean }) => withStore(options.db, options.json === true, async (store) => {
      const { key, secret } = await createKey(store, { name: options.name, tier: options.tier });
      if (options.json === true) process.stdout.write(`${JSON.stringify({ ...shownKey(key), key: secret })}\n`);
      else process.stdout.write(`${secret}\n`);
      process.stderr.write(`issued ${key.id} (${key.name}, tier ${key.tier}); store the key now: it cannot be shown again\n`);
    }));
  keys
    .command('list')
    .description('list keys (prefix, name, tier, created, revoked), never the keys themselves')
    .option('--db <file>', 'guard database', DEFAULT_DB)
    .option('--json', 'print one JSON line per key')
    .action((options: { db: string; json?: boolean }) => withStore(options.db, options.json === true, async (store) => {
      for (const key of await store.listKeys()) {
        const shown = shownKey(key);
        process.stdout.write(options.json === true ? `${JSON.stringify(shown)}\n` : `${key.id}  ${key.visiblePrefix}…  ${key.name}  tier=${key.tier}  ${key.revokedAt === null ? 'active' : `revoked ${String(shown.revokedAt)}`}\n`);
      }
    }));
  keys
    .command('revoke')
    .argument('<key-id>', 'the key id (key_…), as printed by keys list')
    .description('revoke a key; the gateway refuses it from the next request on')
    .option('--db <file>', 'guard database', DEFAULT_DB)
    .option('--json', 'print JSON')
    .action((keyId: string, options: { db: string; json?: boolean }) => withStore(options.db, options.json === true, async (store) => {
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
  guard
    .command('flagged')
    .description('keys the policy flagged, throttled or blocked, highest score first')
    .option('--db <file>', 'guard database', DEFAULT_DB)
    .option('--json', 'print one JSON line per key')
    .action((options: { db: string; json?: boolean }) => withStore(options.db, options.json === true, async (store) => {
      for (const state of await store.listFlagged()) {
        if (options.json === true) process.stdout.write(`${JSON.stringify(state)}\n`);
        else process.stdout.write(`${state.keyId}  ${state.action}  score=${state.score.toFixed(2)}  ${state.reasons.join('; ')}\n`);
      }
    }));
  guard
    .command('explain')
    .argument('<key-id>', 'the key id (key_…)')
    .description('why a key has its policy state: score, reasons, usage totals and recent requests')
    .option('--db <file>', 'guard database', DEFAULT_DB)
    .option('--json', 'print JSON')
    .action((keyId: string, options: { db: string; json?: boolean }) => withStore(options.db, options.json === true, async (store) => {
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
  $ distillery guard explain key_0123456789abcdef`);
  registerServe(guard);
  registerKeys(guard);
  registerInspection(guard);
}
