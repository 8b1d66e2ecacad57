/**
 * The state-change webhook: a JSON POST to the owner's URL when a key's policy action changes, so an
 * on-call channel or a billing system hears about a suspected harvester without polling.
 */
import type { PolicyAction } from './types.js';

/** The body of a state-change notification. */
export interface PolicyChangeEvent {
  type: 'guard.policy_changed';
  keyId: string;
  keyName: string;
  tier: string;
  from: PolicyAction;
  to: PolicyAction;
  score: number;
  reasons: string[];
  at: number;
}

/** Posts `event` to `url`; rejects on a network error, a timeout, or a non-2xx answer. */
export async function postWebhook(url: string, event: PolicyChangeEvent, timeoutMs = 5000): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'distillery-guard' },
    body: JSON.stringify(event),
    signal: AbortSignal.timeout(timeoutMs),
  });
  // Drain the body so the connection can be reused.
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`webhook ${url} answered ${response.status}`);
}
