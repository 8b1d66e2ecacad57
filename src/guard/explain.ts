/**
 * What `distillery guard explain` shows for a key: who it is, what the policy decided and why, how
 * its usage grew, and its latest requests — everything an owner needs before acting on a flag.
 */
import type { AuditEntry, GuardStore, KeyRecord, PolicyState, UsageWindow } from './guard-store.js';

/** One key, explained. */
export interface KeyExplanation {
  key: Omit<KeyRecord, 'hash'>;
  policy: PolicyState | null;
  totals: { requests: number; promptTokens: number; completionTokens: number; costUSD: number };
  windows: UsageWindow[];
  recent: AuditEntry[];
}

/** Gathers the explanation of `keyId`; undefined when there is no such key. */
export async function explainKey(store: GuardStore, keyId: string, options: { recent?: number; since?: number } = {}): Promise<KeyExplanation | undefined> {
  const record = await store.getKey(keyId);
  if (record === undefined) return undefined;
  const windows = await store.listUsage(keyId, options.since ?? 0);
  const totals = windows.reduce(
    (sum, window) => ({
      requests: sum.requests + window.requests, promptTokens: sum.promptTokens + window.promptTokens,
      completionTokens: sum.completionTokens + window.completionTokens, costUSD: sum.costUSD + window.costUSD,
    }),
    { requests: 0, promptTokens: 0, completionTokens: 0, costUSD: 0 },
  );
  // The hash stays out: an explanation is printed and pasted into tickets.
  const { hash: _hash, ...key } = record;
  return { key, policy: (await store.getPolicyState(keyId)) ?? null, totals, windows, recent: await store.listAudit({ keyId, limit: options.recent ?? 20 }) };
}
