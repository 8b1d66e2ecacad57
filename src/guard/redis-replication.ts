/**
 * Everything a gateway replica shares through one Redis, opened and closed together: the store,
 * the observation bus and the throttle. Four connections per replica (the bus reads on its own).
 */
import type { GuardStore } from './guard-store.js';
import { openRedisGuardStore, type RedisGuardStoreOptions } from './redis-guard-store.js';
import { openRedisObservationBus, type RedisObservationBusOptions } from './redis-observation-bus.js';
import { openRedisThrottle } from './redis-throttle.js';
import { DEFAULT_POLICY_HOLD_MS, DEFAULT_POLICY_REFRESH_MS, type Replication } from './replication.js';

/** How to open a replica's shared state. */
export interface RedisReplicationOptions extends RedisGuardStoreOptions {
  /** Settings of the observation stream (caps, replay); the URL and prefix are the store's. */
  observations?: Omit<RedisObservationBusOptions, 'url' | 'prefix' | 'onError'>;
  policyRefreshMs?: number;
  policyHoldMs?: number;
}

/** A replica's shared state; `close` ends every connection. */
export interface RedisReplica {
  store: GuardStore;
  replication: Replication;
  close(): Promise<void>;
}

/** Connects the store, bus and throttle of one replica; rejects with a StoreError when Redis does not answer. */
export async function openRedisReplica(options: RedisReplicationOptions): Promise<RedisReplica> {
  const location = { url: options.url, ...(options.prefix === undefined ? {} : { prefix: options.prefix }), ...(options.onError === undefined ? {} : { onError: options.onError }) };
  const store = await openRedisGuardStore(options);
  const opened: Array<{ close(): Promise<void> }> = [store];
  try {
    const observations = await openRedisObservationBus({ ...options.observations, ...location });
    opened.push(observations);
    // The throttle's failures reach the gateway as StoreErrors; its connection need not report them again.
    const throttle = await openRedisThrottle({ url: options.url, ...(options.prefix === undefined ? {} : { prefix: options.prefix }) });
    opened.push(throttle);
    const replication: Replication = {
      observations, throttle,
      policyRefreshMs: options.policyRefreshMs ?? DEFAULT_POLICY_REFRESH_MS,
      policyHoldMs: options.policyHoldMs ?? DEFAULT_POLICY_HOLD_MS,
    };
    const close = async (): Promise<void> => {
      await Promise.all([observations.close(), throttle.close()]);
      await store.close();
    };
    return { store, replication, close };
  } catch (error) {
    await Promise.all(opened.map((part) => part.close().catch(() => undefined)));
    throw error;
  }
}
