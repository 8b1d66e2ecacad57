/**
 * Errors of the persistence layer. A store error always names the file and says what state the
 * committed data is in, because the user's first question after a failure is "did I lose what I paid for?".
 */

import { DistilleryError, EXIT } from '../util/errors.js';

/** What went wrong, in words a caller can branch on. */
export type StoreErrorCause = 'disk-full' | 'read-only' | 'corrupt' | 'newer-schema' | 'busy' | 'io' | 'constraint' | 'other';

/** A failure of the store; `reason` classifies it, `file` names the database. */
export class StoreError extends DistilleryError {
  override readonly name = 'StoreError';
  readonly reason: StoreErrorCause;
  readonly file: string;
  /** The driver's error code (e.g. SQLITE_FULL), or the errno code of a failed flush (e.g. EIO), when there was one. */
  readonly code: string | null;

  constructor(message: string, options: { reason: StoreErrorCause; file: string; code?: string | null; cause?: unknown }) {
    super(message, { exitCode: EXIT.store, httpStatus: 503, retryable: options.reason === 'busy', cause: options.cause });
    this.reason = options.reason;
    this.file = options.file;
    this.code = options.code ?? null;
  }
}
