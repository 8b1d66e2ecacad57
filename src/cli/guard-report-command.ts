/** `distillery guard flagged`, `guard explain` and `guard usage`: what the guard knows, for operators and billing. */
import type { Command } from 'commander';
import { explainKey, type GuardStore, type KeyRecord, type UsageWindow } from '../guard/index.js';
import { parseSince } from '../util/duration.js';
import { UsageError } from '../util/errors.js';
import { resolveOneKey, withState } from './guard-keys-command.js';
import { withStateOptions, type StateFlags } from './guard-state.js';

/** One key's usage on one UTC day. */
export interface DailyUsage {
  day: string;
  keyId: string;
  keyName: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  costUSD: number;
}

/** Sums a key's accounting windows into UTC days, oldest first. */
export function dailyUsage(key: KeyRecord, windows: readonly UsageWindow[]): DailyUsage[] {
  const days = new Map<string, DailyUsage>();
  for (const window of windows) {
    const day = new Date(window.windowStart).toISOString().slice(0, 10);
    const total = days.get(day) ?? { day, keyId: key.id, keyName: key.name, requests: 0, promptTokens: 0, completionTokens: 0, costUSD: 0 };
    total.requests += window.requests;
    total.promptTokens += window.promptTokens;
    total.completionTokens += window.completionTokens;
    total.costUSD += window.costUSD;
    days.set(day, total);
  }
  return [...days.values()].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
}

/** Dollars as billing wants them: fixed six decimals, never exponent notation. */
function dollars(amount: number): string {
  return `$${amount.toFixed(6)}`;
}

/** `guard usage`. */
function registerUsage(guard: Command): void {
  withStateOptions(guard
    .command('usage')
    .description('per-key usage per UTC day (requests, tokens, cost) from the accounting tables, for billing')
    .option('--key <name-or-id>', 'one key (its id, or a name only one key has); default every key')
    .option('--since <when>', 'from this long ago (7d, 12h) or this date (2026-11-01); default all recorded usage'))
    .option('--json', 'print one JSON line per key and day')
    .action((options: StateFlags & { key?: string; since?: string; json?: boolean }) => withState(options, 'existing', options.json === true, async (store) => {
      const since = options.since === undefined ? 0 : parseSince(options.since, '--since', Date.now());
      const keys = options.key === undefined ? await store.listKeys() : [await resolveOneKey(store, options.key)];
      const rows = (await Promise.all(keys.map(async (key) => dailyUsage(key, await store.listUsage(key.id, since))))).flat();
      if (options.json === true) return void rows.forEach((row) => process.stdout.write(`${JSON.stringify(row)}\n`));
      process.stdout.write('day         key                   name  requests  prompt tokens  completion tokens  cost\n');
      for (const row of rows) process.stdout.write(`${row.day}  ${row.keyId}  ${row.keyName}  ${row.requests}  ${row.promptTokens}  ${row.completionTokens}  ${dollars(row.costUSD)}\n`);
      const total = rows.reduce((sum, row) => ({ requests: sum.requests + row.requests, costUSD: sum.costUSD + row.costUSD }), { requests: 0, costUSD: 0 });
      process.stdout.write(`total: ${total.requests} requests, ${dollars(total.costUSD)}\n`);
    }));
}

/** Prints one key's explanation for people. */
async function printExplanation(store: GuardStore, keyId: string, json: boolean): Promise<void> {
  const explanation = await explainKey(store, keyId);
  if (explanation === undefined) throw new UsageError(`no key ${keyId}; see distillery guard keys list`);
  if (json) return void process.stdout.write(`${JSON.stringify(explanation)}\n`);
  const { key, policy, totals, recent } = explanation;
  const status = key.revokedAt !== null ? 'revoked' : key.expiresAt !== null && Date.now() >= key.expiresAt ? 'expired' : 'active';
  process.stdout.write(`${key.id} (${key.name}, tier ${key.tier}, ${status}${key.allowListed ? ', allow-listed' : ''})\n`);
  process.stdout.write(`policy: ${policy?.action ?? 'log'}  score ${(policy?.score ?? 0).toFixed(2)}\n`);
  for (const reason of policy?.reasons ?? []) process.stdout.write(`  - ${reason}\n`);
  process.stdout.write(`usage: ${totals.requests} requests, ${totals.promptTokens} prompt + ${totals.completionTokens} completion tokens, ${dollars(totals.costUSD)}\n`);
  for (const entry of recent) process.stdout.write(`  ${new Date(entry.at).toISOString()}  ${entry.method} ${entry.route}  ${entry.status}  ${entry.latencyMs} ms${entry.note === null ? '' : `  ${entry.note}`}\n`);
}

/** `guard flagged`, `guard explain` and `guard usage`. */
export function registerReports(guard: Command): void {
  withStateOptions(guard
    .command('flagged')
    .description('keys the policy flagged, throttled or blocked, highest score first'))
    .option('--json', 'print one JSON line per key')
    .action((options: StateFlags & { json?: boolean }) => withState(options, 'existing', options.json === true, async (store) => {
      for (const state of await store.listFlagged()) {
        if (options.json === true) process.stdout.write(`${JSON.stringify(state)}\n`);
        else process.stdout.write(`${state.keyId}  ${state.action}  score=${state.score.toFixed(2)}  ${state.reasons.join('; ')}\n`);
      }
    }));
  withStateOptions(guard
    .command('explain')
    .argument('<name-or-id>', 'the key id (key_…), or a name only one key has')
    .description('why a key has its policy state: score, reasons, usage totals and recent requests'))
    .option('--json', 'print JSON')
    .action((nameOrId: string, options: StateFlags & { json?: boolean }) => withState(options, 'existing', options.json === true, async (store) => {
      await printExplanation(store, (await resolveOneKey(store, nameOrId)).id, options.json === true);
    }));
  registerUsage(guard);
}
