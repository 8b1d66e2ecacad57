/**
 * Redis failures as StoreErrors, the same error the SQLite store raises, so the gateway's
 * fail-open / fail-closed setting applies whichever store is down.
 */
import { StoreError, type StoreErrorCause } from '../store/errors.js';

/** Every multi-field write is one MULTI or one script, so a failure never leaves half of it behind. */
const INTACT = 'Writes are all-or-nothing, so nothing was half-written.';

/** Messages of ioredis (and Node) that mean the server could not be reached or did not answer. */
const UNREACHABLE = /Connection is closed|Stream isn't writeable|enableOfflineQueue|Command timed out|Reached the max retries|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EPIPE|connect ETIMEDOUT/i;

/** ioredis's own words for "not connected right now", which name its options rather than the problem. */
const NOT_CONNECTED = /Connection is closed|Stream isn't writeable|Reached the max retries/i;

/** Classifies a Redis or connection error by its message (Redis replies start with an upper-case code). */
function classify(message: string): StoreErrorCause {
  if (message.startsWith('CONSTRAINT')) return 'constraint';
  if (message.startsWith('OOM')) return 'disk-full';
  if (message.startsWith('READONLY')) return 'read-only';
  if (/^(BUSY|LOADING|MASTERDOWN|TRYAGAIN)/.test(message)) return 'busy';
  if (UNREACHABLE.test(message)) return 'io';
  return 'other';
}

/** Writes the user-facing sentence for one cause; `action` says what Distillery was doing. */
function describe(reason: StoreErrorCause, target: string, action: string, detail: string): string {
  switch (reason) {
    case 'io':
      return `Redis at ${target} is unreachable while ${action} (${detail}). ${INTACT} Check that the server runs and answers from this host.`;
    case 'disk-full':
      return `Redis at ${target} is out of memory (maxmemory reached) while ${action}. ${INTACT} Raise maxmemory or lower the guard's stream caps.`;
    case 'read-only':
      return `Redis at ${target} is a read-only replica while ${action}. ${INTACT} Point --redis at the primary.`;
    case 'busy':
      return `Redis at ${target} is busy (loading, or running a long script) while ${action}: ${detail}. ${INTACT} Retry shortly.`;
    case 'constraint':
      return `Refused an inconsistent write to Redis at ${target} while ${action}: ${detail.replace(/^CONSTRAINT\s*/, '')}. ${INTACT}`;
    default:
      return `Redis error at ${target} while ${action}: ${detail}. ${INTACT}`;
  }
}

/** Turns any error from ioredis into a StoreError naming the cause and the server (never its password). */
export function toRedisStoreError(error: unknown, target: string, action: string): StoreError {
  if (error instanceof StoreError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const reason = classify(message);
  const detail = NOT_CONNECTED.test(message) ? 'not connected; reconnecting in the background' : message;
  const code = /^[A-Z]{2,}(?=\s|$)/.exec(message)?.[0] ?? null;
  return new StoreError(describe(reason, target, action, detail), { reason, file: target, code, cause: error });
}

/** The URL as shown in messages and logs: scheme, host, port and database, without credentials. */
export function describeRedisTarget(url: string, prefix: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return `${parsed.toString().replace(/\/$/, '')} (prefix ${prefix})`;
  } catch {
    return `a Redis URL that does not parse (prefix ${prefix})`;
  }
}
