/**
 * The observation bus: how each request's features reach the detectors. Alone, a gateway delivers
 * them in-process; replicas share one bus (Redis Streams) so every replica's detectors see the
 * key's traffic from all replicas, and a harvester cannot hide by spreading requests across them.
 */
import type { RequestFeatures } from './types.js';

/** Receives one observed request; must not throw (a detector's failure is the subscriber's to report). */
export type ObservationHandler = (keyId: string, features: RequestFeatures) => void | Promise<void>;

/** Carries every observed request to the handlers of every replica. */
export interface ObservationBus {
  readonly kind: string;
  /**
   * Shares one request. Resolves once this process's handlers have seen it (so the request is scored
   * with itself counted); other replicas' handlers see it shortly after.
   */
  publish(keyId: string, features: RequestFeatures): Promise<void>;
  /** Registers a handler for every observation, this replica's and the others'; returns the function that removes it. */
  subscribe(handler: ObservationHandler): () => void;
  close(): Promise<void>;
}

/** The handlers of one process, called in turn; shared by the bus implementations. */
export class LocalHandlers {
  readonly #handlers = new Set<ObservationHandler>();

  /** Adds a handler; returns the function that removes it. */
  add(handler: ObservationHandler): () => void {
    this.#handlers.add(handler);
    return () => void this.#handlers.delete(handler);
  }

  /** Calls every handler with one observation. */
  async deliver(keyId: string, features: RequestFeatures): Promise<void> {
    for (const handler of this.#handlers) await handler(keyId, features);
  }
}

/** The bus of a single process: delivery is immediate and nothing leaves memory. */
export class InProcessObservationBus implements ObservationBus {
  readonly kind = 'in-process';
  readonly #handlers = new LocalHandlers();

  publish(keyId: string, features: RequestFeatures): Promise<void> {
    return this.#handlers.deliver(keyId, features);
  }

  subscribe(handler: ObservationHandler): () => void {
    return this.#handlers.add(handler);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
