import type { Command } from 'commander';
import {
  combineRisk, defaultDetectors, loadPolicyFile, startAuditRetention, startGateway, withVolumeCeiling,
  type AuditRetention, type PolicyChangeEvent, type PolicyConfig,
} from '../guard/index.js';
import { parseDuration } from '../util/duration.js';
import { EXIT, reportFailure } from './exit-codes.js';
import { UsageError } from '../util/errors.js';
import { registerKeys } from './guard-keys-command.js';
import { registerReports } from './guard-report-command.js';
import { DEFAULT_STATE_DESCRIPTION, openServingState, requireUsableKeys, STATE_ENV, withStateOptions, type ServingState, type StateFlags } from './guard-state.js';
import { parseHttpUrl, parsePort } from './options.js';
import { loadLexicalKey } from '../evidence/lexical/lexical-key.js';
import { lexicalResponseRewriter } from '../evidence/lexical/lexical-relay.js';

/** The environment variable holding the webhook's signing secret (the policy file's webhookSecret wins). */
const WEBHOOK_SECRET_ENV = 'DISTILLERY_GUARD_WEBHOOK_SECRET';

/** A positive number option, or an error naming the flag. */
function positive(flag: string, value: string): number {
  const number = Number(value);
  if (!(number > 0)) {
    throw new UsageError(`${flag} must be a positive number, got "${value}"`);
  }
  return number;
}

/** The webhook secret: the policy file's, else the environment's; none when neither is set. */
function webhookSecret(fromFile: PolicyConfig): { webhookSecret?: string } {
  const secret = fromFile.webhookSecret ?? process.env[WEBHOOK_SECRET_ENV];
  if (secret === undefined || secret === '') return {};
  if (secret.length < 16) throw new UsageError(`${WEBHOOK_SECRET_ENV} must be at least 16 characters`);
  return { webhookSecret: secret };
}

/** The JSON line `guard serve` prints on stdout for one change of a key's action. */
export function policyChangeLine(event: PolicyChangeEvent): string {
  const { at, reasons, ...rest } = event;
  return JSON.stringify({ time: new Date(at).toISOString(), ...rest, reason: reasons[0] ?? '', reasons });
}

/** `distillery guard serve`. */
function registerServe(guard: Command): void {
  withStateOptions(guard
    .command('serve')
    .description('run the gateway in front of an OpenAI-compatible upstream')
    .requiredOption('--upstream <url>', 'upstream base URL, e.g. http://127.0.0.1:8000/v1 (vLLM, llama.cpp, Ollama, distillery serve)')
    .option('-p, --port <port>', 'port to listen on', '8443')
    .option('--host <host>', 'address to bind', '127.0.0.1'))
    .option('--upstream-key-env <name>', 'environment variable holding the gateway\'s own upstream API key', 'DISTILLERY_UPSTREAM_API_KEY')
    .option('--policy <file>', 'policy file (YAML or JSON): flag/throttle/block thresholds per tier and per key, throttle sizes, onStoreFailure, webhookUrl, capability gates (gates:); flags below override it')
    .option('--requests-per-minute <n>', 'an owner-set ceiling: a key sending this many requests a minute scores 1 whatever the other detectors say (default: volume is one weak signal among nine)')
    .option('--block-at <score>', 'also block keys scoring at least this (default: never block automatically)')
    .option('--fail-closed', 'answer 503 when the guard database (or Redis) is unavailable (default: keep serving keys seen in the last 5 min under their last known policy state, blocked stays blocked)')
    .option('--webhook <url>', 'POST a JSON event here whenever a key\'s policy action changes')
    .option('--log-prompts', 'store prompt text in the audit log (off by default: prompts are your users\' data)')
    .option('--max-body-bytes <n>', 'request body limit', String(1024 * 1024))
    .option('--upstream-timeout-ms <ms>', 'upstream idle limit before 504', '120000')
    .option('--allow-no-keys', 'start even when the state holds no usable key (every request would get 401); by default that is an error')
    .option('--audit-retention <duration>', 'delete audit rows older than this (30d, 12h, 2w), in small batches off the request path', '30d')
    .option('--watermark <key.json>', 'apply the lexical watermark (keyed synonym choice) to chat completion answers, plain and streamed, announced in x-distillery-watermark; key file {"scheme":"lexical","version":1,"secret":"<base64>"}')
    .addHelpText('after', `
Keys, usage and the audit log live in one place whatever folder this runs in: --state FILE, else
$${STATE_ENV}, else ${DEFAULT_STATE_DESCRIPTION}.
Every change of a key's policy action is printed on stdout as one JSON line:
  {"time":"…","type":"guard.policy_changed","keyId":"key_…","keyName":"acme","tier":"free","from":"log","to":"flag","score":0.61,"reason":"risk 0.61, mostly from …","reasons":[…]}
With a webhook, each POST is signed when a secret is set (policy file webhookSecret, or $${WEBHOOK_SECRET_ENV}):
  x-distillery-signature: sha256=<hex HMAC-SHA256 of the raw body>, x-distillery-timestamp: <seconds>.

With --redis, run the same command on every replica behind your load balancer: keys, usage
counters, policy state, throttle buckets and the detectors' view of every key's traffic are shared,
so a revoked key is refused everywhere at once and a key blocked on one replica is refused by the
others within 250 ms. No prompt text crosses Redis: each request is shared as a sketch (hashes
and a MinHash signature) that every replica's detectors score as they would the text, kept only
for the 60 s a starting replica replays. Give every replica the same policy flags.

Capability gates (policy file, per tier and per key; each change is announced in x-distillery-gated):
  gates:
    tiers:
      free: { logprobs: false, n: 1, maxTokens: 1024, reasoning: summary }   # reasoning: pass | strip | summary
      trial: { topLogprobs: 2 }
  e.g. x-distillery-gated: logprobs=true->false, top_logprobs=5->none, n=4->1, reasoning=summary

Examples:
  $ distillery guard serve --upstream http://127.0.0.1:8000/v1
  $ export DISTILLERY_GUARD_REDIS=redis://:secret@10.0.0.5:6379/0
  $ distillery guard serve --upstream http://10.0.0.9:8000/v1 --host 0.0.0.0 --fail-closed   # on each replica
  $ distillery guard serve --upstream http://127.0.0.1:8000/v1 --watermark key.json          # lexical mark on answers`)
    .action(async (options: StateFlags & {
      upstream: string; port: string; host: string; upstreamKeyEnv: string; requestsPerMinute?: string; blockAt?: string; policy?: string;
      failClosed?: boolean; webhook?: string; logPrompts?: boolean; maxBodyBytes: string; upstreamTimeoutMs: string; allowNoKeys?: boolean; auditRetention: string;
      watermark?: string;
    }) => {
      let state: ServingState | undefined;
      let retention: AuditRetention | undefined;
      try {
        // Flags first: a typo must not wait for the store (or Redis) to answer.
        const upstreamUrl = parseHttpUrl(options.upstream, '--upstream');
        const port = parsePort(options.port);
        const fromFile = options.policy === undefined ? {} : await loadPolicyFile(options.policy);
        const retentionMs = parseDuration(options.auditRetention, '--audit-retention');
        const watermark = options.watermark === undefined ? undefined : lexicalResponseRewriter(await loadLexicalKey(options.watermark));
        state = await openServingState(options, options.allowNoKeys === true, retentionMs);
        if (options.allowNoKeys !== true) await requireUsableKeys(state.store, state.where);
        const { store, close } = state;
        const gateway = await startGateway({
          upstreamUrl, upstreamApiKeyEnv: options.upstreamKeyEnv, store, host: options.host, port,
          replication: state.replication,
          detectors: defaultDetectors(options.requestsPerMinute === undefined ? {} : { volume: { saturationRequests: positive('--requests-per-minute', options.requestsPerMinute) } }),
          combine: options.requestsPerMinute === undefined ? combineRisk : withVolumeCeiling(combineRisk),
          policy: {
            ...fromFile,
            onStoreFailure: options.failClosed === true ? 'closed' : (fromFile.onStoreFailure ?? 'open'),
            ...(options.blockAt === undefined ? {} : { default: { ...fromFile.default, blockAt: positive('--block-at', options.blockAt) } }),
            ...(options.webhook === undefined ? {} : { webhookUrl: options.webhook }),
            ...webhookSecret(fromFile),
          },
          logPrompts: options.logPrompts === true, maxBodyBytes: positive('--max-body-bytes', options.maxBodyBytes),
          upstreamTimeoutMs: positive('--upstream-timeout-ms', options.upstreamTimeoutMs),
          ...(watermark === undefined ? {} : { watermark }),
        });
        gateway.engine.onPolicyChange((event) => process.stdout.write(`${policyChangeLine(event)}\n`));
        const running = startAuditRetention(store, { retentionMs, onError: (error) => process.stderr.write(`distillery guard: ${error instanceof Error ? error.message : String(error)}\n`) });
        retention = running;
        process.stderr.write(`guarding ${options.upstream} at ${gateway.url} (keys and audit log in ${state.where})\n`);
        const shutdown = () => void running.stop().then(() => gateway.close()).then(close).then(() => process.exit(EXIT.ok));
        process.once('SIGINT', shutdown);
        process.once('SIGTERM', shutdown);
      } catch (error) {
        // Open Redis connections would keep the process alive after the failure is reported.
        await retention?.stop();
        await state?.close().catch(() => undefined);
        process.exitCode = reportFailure(error, false);
      }
    });
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

State: every guard command reads and writes one place, whatever folder it runs in: --state FILE,
else $${STATE_ENV}, else ${DEFAULT_STATE_DESCRIPTION}
(or Redis with --redis). Commands that only read never create it: a missing one exits 2 naming the path.

Example:
  $ distillery guard keys create --name acme --tier free     # prints dk-…, shown once
  $ distillery guard serve --upstream http://127.0.0.1:8000/v1 --port 8443
  $ curl -s localhost:8443/v1/chat/completions -H "authorization: Bearer dk-…" \\
      -H 'content-type: application/json' -d '{"model":"m","messages":[{"role":"user","content":"hi"}]}'
  $ distillery guard flagged
  $ distillery guard explain key_0123456789abcdef
  $ distillery guard keys show acme                           # by name or id
  $ distillery guard keys revoke --name acme                  # or keys revoke key_…
  $ distillery guard keys unflag acme                         # back to log until the detectors see cause again
  $ distillery guard keys allow acme                          # scored and accounted, never throttled or blocked
  $ distillery guard keys create --name trial --expires 30d   # then 401 expired_api_key
  $ distillery guard usage --since 30d --json                 # requests, tokens, cost per key per day

Several replicas: give every guard command the same --redis (or DISTILLERY_GUARD_REDIS) and they
share one state (keys, usage, policy, throttles, detector traffic) instead of a local file:
  $ export DISTILLERY_GUARD_REDIS=redis://:secret@10.0.0.5:6379/0
  $ distillery guard keys create --name acme          # once, from anywhere
  $ distillery guard serve --upstream http://10.0.0.9:8000/v1 --host 0.0.0.0   # on each replica
See distillery guard serve --help for what is shared and how fast replicas agree.`);
  registerServe(guard);
  registerKeys(guard);
  registerReports(guard);
}
