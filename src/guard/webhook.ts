/**
 * The state-change webhook: a JSON POST to the owner's URL when a key's policy action changes, so an
 * on-call channel or a billing system hears about a suspected harvester without polling.
 *
 * With a shared secret every POST is signed, so the receiver can tell it came from this guard:
 *   x-distillery-signature: sha256=<hex HMAC-SHA256 of the raw body under the secret>
 *   x-distillery-timestamp: <the event's `at`, seconds since the epoch>
 * The body carries `at` too (inside what is signed), so a receiver that checks it is recent also
 * refuses a replayed POST. `verifyWebhookSignature` is the check, for receivers written in Node.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
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

/** The header carrying the body's signature. */
export const SIGNATURE_HEADER = 'x-distillery-signature';

/** The header carrying the event's time in seconds. */
export const TIMESTAMP_HEADER = 'x-distillery-timestamp';

/** How to deliver one event. */
export interface WebhookDelivery {
  /** Shared secret to sign with; none: unsigned. */
  secret?: string;
  timeoutMs?: number;
}

/** `sha256=<hex>`: the HMAC-SHA256 of `body` under `secret`. */
export function webhookSignature(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Whether `header` is the signature of the raw `body` under `secret`, compared in constant time. */
export function verifyWebhookSignature(secret: string, body: string | Buffer, header: string | undefined): boolean {
  if (header === undefined) return false;
  const expected = Buffer.from(webhookSignature(secret, body), 'utf8');
  const presented = Buffer.from(header, 'utf8');
  return expected.length === presented.length && timingSafeEqual(expected, presented);
}

/** Posts `event` to `url`, signed when a secret is given; rejects on a network error, a timeout, or a non-2xx answer. */
export async function postWebhook(url: string, event: PolicyChangeEvent, delivery: WebhookDelivery = {}): Promise<void> {
  const body = JSON.stringify(event);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'distillery-guard' };
  if (delivery.secret !== undefined) {
    headers[SIGNATURE_HEADER] = webhookSignature(delivery.secret, body);
    headers[TIMESTAMP_HEADER] = String(Math.floor(event.at / 1000));
  }
  const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(delivery.timeoutMs ?? 5000) });
  // Drain the body so the connection can be reused.
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`webhook ${url} answered ${response.status}`);
}
