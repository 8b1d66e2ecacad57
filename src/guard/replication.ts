/**
 * What gateway replicas share besides the store, and how quickly they agree:
 * - observations: every replica's detectors see the key's traffic from all replicas (bus delay);
 * - policy state: each replica re-reads a key's shared state once its cached copy is
 *   `policyRefreshMs` old, so an action set by one replica is enforced by all within that delay;
 * - throttle: one token bucket per key for all replicas.
 */
import type { ObservationBus } from './observation-bus.js';
import type { Throttle } from './throttle.js';

/** How long a replica trusts its cached copy of a key's shared policy state (ms). */
export const DEFAULT_POLICY_REFRESH_MS = 250;

/** How long a stronger action set by any replica stands against milder verdicts of the others (ms). */
export const DEFAULT_POLICY_HOLD_MS = 5000;

/** The shared parts of a replicated gateway. */
export interface Replication {
  observations: ObservationBus;
  throttle: Throttle;
  /** Re-read a key's policy state from the store once the cached copy is this old (ms). */
  policyRefreshMs: number;
  /**
   * A stronger action stands this long after its last update (ms) before a replica whose own verdict
   * is milder may lower it; replicas that still reach it renew it every half hold. So a replica that
   * lags behind (or has just started) cannot undo a block, and replicas that disagree settle instead
   * of overwriting each other on every request.
   */
  policyHoldMs: number;
}
