/**
 * The observation bus of gateway replicas, on a Redis Stream: each replica XADDs what it observes and
 * XREADs from its last id what the others observed, feeding its own detectors. Delivery to other
 * replicas takes one XADD plus one XREAD wake-up: a few milliseconds on a LAN.
 *
 * No prompt text crosses Redis by default: an observation carries the sketch of its text (hashes and a
 * MinHash signature, see detectors/sketch-codec.ts) from which every detector scores it as it would
 * the text, and the stream keeps only what a starting replica replays (`retainMs`, by default the
 * 60 s replay window, trimmed by time with XADD MINID on the Redis server's clock), never more than
 * about `maxEntries`. Setting
 * `maxPromptCharacters` above 0 shares text instead (each text field cut to that length), which only
 * the MMD detector's reference learning would use. The audit log's `logPrompts` setting is separate.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { LocalHandlers, type ObservationBus, type ObservationHandler } from './observation-bus.js';
import { closeRedis, connectRedis, type RedisHandle, type RedisLocation } from './redis-connection.js';
import { toRedisStoreError } from './redis-errors.js';
import type { RequestFeatures } from './types.js';
import { decodeRemoteView, encodeRemoteView } from './detectors/sketch-codec.js';
import { attachRemoteView } from './detectors/remote-view.js';

/** How to open the Redis bus. */
export interface RedisObservationBusOptions extends RedisLocation {
  /** At most this many observations are kept, approximately (XTRIM MAXLEN ~), however recent; default 100 000. */
  maxEntries?: number;
  /** Characters of each text field (prompt, system prompt, last message) shared; default 0: share the sketch, no text. */
  maxPromptCharacters?: number;
  /** A starting replica first replays observations this recent (ms), so its detectors do not start cold; default 60 000. */
  replayMs?: number;
  /** How long one XREAD waits before asking again (ms); bounds how long close() takes, not how fast delivery is. Default 1000. */
  blockMs?: number;
  /** Hears about Redis failures, once per outage; the bus keeps retrying by itself. */
  onError?: (error: unknown) => void;
  /**
   * How long observations stay in the stream (ms, trimmed with XADD MINID ~): what a starting replica
   * replays and what a replica cut off from Redis catches up on. Default: `replayMs`, at least 60 000.
   */
  retainMs?: number;
  /** This process's clock (tests); the trim horizon follows the Redis server's clock through the offset measured at start. */
  now?: () => number;
}

/** The bus's settings, defaults applied. */
interface BusSettings {
  maxEntries: number;
  maxPromptCharacters: number;
  blockMs: number;
  replayMs: number;
  retainMs: number;
  onError: (error: unknown) => void;
  now: () => number;
}

/** Entries read per XREAD: enough to catch up quickly after a pause, small enough to keep each read short. */
const READ_BATCH = 500;

/** The entries of an XREAD reply ([[stream, [[id, [field, value, …]], …]]] or null) as id and fields. */
function entriesOf(reply: unknown): Array<{ id: string; fields: Map<string, string> }> {
  if (!Array.isArray(reply)) return [];
  return reply.flatMap((stream) => {
    const entries = Array.isArray(stream) && Array.isArray(stream[1]) ? (stream[1] as unknown[]) : [];
    return entries.map((entry) => {
      const [id, flat] = entry as [string, unknown[]];
      const fields = new Map<string, string>();
      for (let index = 0; index + 1 < flat.length; index += 2) fields.set(String(flat[index]), String(flat[index + 1]));
      return { id: String(id), fields };
    });
  });
}

/** Features read back from the stream, or null when the entry is not shaped like one. */
function parseFeatures(text: string | undefined): RequestFeatures | null {
  try {
    const value = JSON.parse(text ?? 'null') as Partial<RequestFeatures> | null;
    return value !== null && typeof value === 'object' && typeof value.at === 'number' && typeof value.prompt === 'string' ? (value as RequestFeatures) : null;
  } catch {
    return null;
  }
}

/** The features with every text field (the prompt, and any other) cut to `max` characters. */
function capText(features: RequestFeatures, max: number): RequestFeatures {
  const entries = Object.entries(features).map(([name, value]) => [name, typeof value === 'string' && name !== 'route' && name !== 'model' ? value.slice(0, max) : value]);
  return Object.fromEntries(entries) as RequestFeatures;
}

/** The stream fields that carry a request's sketch instead of its text. */
function sharedViewFields(features: RequestFeatures): string[] {
  const { sketch, asksReasoning } = encodeRemoteView(features);
  return ['sketch', sketch, 'reasoning', asksReasoning ? '1' : '0'];
}

/** The Redis server's clock (ms), and it minus ours: replicas' clocks drift, the stream's ids follow the server's. */
async function serverClock(handle: RedisHandle, now: () => number): Promise<{ serverNow: number; offset: number }> {
  const [seconds, microseconds] = (await handle.client.call('TIME')) as [string, string];
  const serverNow = Number(seconds) * 1000 + Math.floor(Number(microseconds) / 1000);
  return { serverNow, offset: serverNow - now() };
}

/** The stream id of instant `at` (ms, server clock). */
function streamIdAt(at: number): string {
  return `${Math.max(0, Math.floor(at))}-0`;
}

/** The greatest stream id of the millisecond before `at`: reading after it starts exactly at `at`. */
function lastIdBefore(at: number): string {
  const before = Math.floor(at) - 1;
  return before < 0 ? '0-0' : `${before}-18446744073709551615`;
}

/** Connects a writer and a reader (XREAD BLOCK holds its connection) and returns the bus. */
export async function openRedisObservationBus(options: RedisObservationBusOptions): Promise<ObservationBus> {
  // The bus reports failures itself (once per outage), so the connections are not asked to.
  const writer = await connectRedis(options);
  try {
    const reader = await connectRedis(options, { commandTimeoutMs: null });
    const settings: BusSettings = {
      maxEntries: options.maxEntries ?? 100_000, maxPromptCharacters: options.maxPromptCharacters ?? 0, blockMs: options.blockMs ?? 1000,
      replayMs: options.replayMs ?? 60_000, retainMs: options.retainMs ?? Math.max(options.replayMs ?? 60_000, 60_000), onError: options.onError ?? (() => undefined), now: options.now ?? Date.now,
    };
    try {
      // Reading starts from the server's own time, which no entry added after this can precede. XREAD
      // returns ids strictly after the one given, so the start is the last id of the millisecond before:
      // an entry added in the same millisecond as TIME (id T-0) is read, not skipped.
      const { serverNow, offset } = await serverClock(writer, settings.now);
      return new RedisObservationBus(writer, reader, lastIdBefore(serverNow - settings.replayMs), offset, settings);
    } catch (error) {
      await closeRedis(reader.client);
      throw toRedisStoreError(error, writer.target, 'starting the observation bus');
    }
  } catch (error) {
    await closeRedis(writer.client);
    throw error;
  }
}

/** The Redis Streams implementation of `ObservationBus`. */
class RedisObservationBus implements ObservationBus {
  readonly kind = 'redis';
  /** Tells this replica's own entries apart when it reads the stream back. */
  readonly #replica = randomBytes(8).toString('hex');
  readonly #handlers = new LocalHandlers();
  readonly #shares = new Set<Promise<void>>();
  readonly #writer: RedisHandle;
  readonly #reader: RedisHandle;
  readonly #stream: string;
  readonly #settings: BusSettings;
  #lastId: string;
  readonly #clockOffset: number;
  #reading: Promise<void> | null = null;
  #closed = false;
  #healthy = true;

  constructor(writer: RedisHandle, reader: RedisHandle, lastId: string, clockOffset: number, settings: BusSettings) {
    this.#writer = writer;
    this.#clockOffset = clockOffset;
    this.#reader = reader;
    this.#stream = writer.key('observations');
    this.#lastId = lastId;
    this.#settings = settings;
  }

  publish(keyId: string, features: RequestFeatures): Promise<void> {
    // Shared in the background: the request must not wait for Redis, and a failed share only delays the other replicas' view.
    const share = this.#share(keyId, features);
    this.#shares.add(share);
    void share.finally(() => this.#shares.delete(share));
    return this.#handlers.deliver(keyId, features);
  }

  subscribe(handler: ObservationHandler): () => void {
    const remove = this.#handlers.add(handler);
    // Reading starts with the first subscriber, so the replayed observations reach someone.
    this.#reading ??= this.#readLoop();
    return remove;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#shares]);
    // Ends the XREAD that is waiting, which ends the loop.
    this.#reader.client.disconnect();
    await this.#reading;
    await closeRedis(this.#writer.client);
  }

  /**
   * XADDs one observation (its sketch and no text, or its text cut to the configured length), trimming
   * what a starting replica no longer replays (MINID ~) and, as a backstop, anything beyond maxEntries.
   */
  async #share(keyId: string, features: RequestFeatures): Promise<void> {
    const text = this.#settings.maxPromptCharacters > 0;
    const shared = capText(features, this.#settings.maxPromptCharacters);
    const view = text ? [] : sharedViewFields(features);
    const horizon = streamIdAt(this.#settings.now() + this.#clockOffset - this.#settings.retainMs);
    try {
      const replies = await this.#writer.client.pipeline([
        ['xadd', this.#stream, 'MINID', '~', horizon, '*', 'replica', this.#replica, 'key', keyId, 'features', JSON.stringify(shared), ...view],
        ['xtrim', this.#stream, 'MAXLEN', '~', this.#settings.maxEntries],
      ]).exec();
      for (const [error] of replies ?? []) if (error !== null) throw error;
      this.#healthy = true;
    } catch (error) {
      this.#report(error, 'sharing an observation with the other replicas');
    }
  }

  /** Reads the others' observations until closed, retrying after failures from the last id delivered. */
  async #readLoop(): Promise<void> {
    while (!this.#closed) {
      try {
        const reply = await this.#reader.client.call('XREAD', 'COUNT', READ_BATCH, 'BLOCK', this.#settings.blockMs, 'STREAMS', this.#stream, this.#lastId);
        this.#healthy = true;
        for (const { id, fields } of entriesOf(reply)) {
          this.#lastId = id;
          await this.#deliverRemote(fields);
        }
      } catch (error) {
        if (this.#closed) return;
        this.#report(error, 'reading the other replicas\' observations');
        await delay(250);
      }
    }
  }

  /** Delivers an entry written by another replica (this replica's own were delivered when published). */
  async #deliverRemote(fields: Map<string, string>): Promise<void> {
    if (fields.get('replica') === this.#replica) return;
    const keyId = fields.get('key');
    const features = parseFeatures(fields.get('features'));
    if (keyId === undefined || features === null) return;
    const sketch = fields.get('sketch');
    if (sketch !== undefined) {
      const view = decodeRemoteView({ sketch, asksReasoning: fields.get('reasoning') === '1' });
      if (view === null) return;
      attachRemoteView(features, view);
    }
    await this.#handlers.deliver(keyId, features);
  }

  /** Reports the first failure of an outage; the rest are the same news. */
  #report(error: unknown, action: string): void {
    if (!this.#healthy) return;
    this.#healthy = false;
    this.#settings.onError(toRedisStoreError(error, this.#writer.target, action));
  }
}
