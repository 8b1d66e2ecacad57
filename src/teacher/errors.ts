import { DistilleryError, EXIT } from '../util/errors.js';

/**
 * One error hierarchy for everything that can go wrong while calling a teacher, modelled on
 * openai-node's: a status, a request id, and whether a retry may help.
 */
export class TeacherError extends DistilleryError {
  override readonly name: string = 'TeacherError';
  readonly status: number | null;
  readonly requestId: string | null;
  /** True when the same request may succeed if sent again (429, 408, 409, >= 500, network, timeout). */
  readonly isRetryable: boolean;
  /** The server's requested wait in ms (`retry-after-ms` / `retry-after`), when it gave one. */
  readonly retryAfterMs: number | null;

  constructor(
    message: string,
    options: { status?: number | null; requestId?: string | null; isRetryable: boolean; retryAfterMs?: number | null; cause?: unknown },
  ) {
    super(message, { exitCode: EXIT.teacher, httpStatus: 502, retryable: options.isRetryable, cause: options.cause });
    this.status = options.status ?? null;
    this.requestId = options.requestId ?? null;
    this.isRetryable = options.isRetryable;
    this.retryAfterMs = options.retryAfterMs ?? null;
  }
}

/** The teacher could not be reached (DNS, refused connection, reset). */
export class TeacherConnectionError extends TeacherError {
  override readonly name = 'TeacherConnectionError';
  /**
   * False only when the request surely never left (refused, unknown host); a connection dropped
   * after sending may still have been billed.
   */
  readonly mayHaveBeenSent: boolean;
  constructor(message: string, options: ConstructorParameters<typeof TeacherError>[1] & { mayHaveBeenSent?: boolean }) {
    super(message, options);
    this.mayHaveBeenSent = options.mayHaveBeenSent ?? false;
  }
}

/** The teacher did not answer in time. */
export class TeacherTimeoutError extends TeacherError {
  override readonly name = 'TeacherTimeoutError';
}

/** Token usage a response body reported. */
export interface ReportedUsage {
  inputTokens: number;
  outputTokens: number;
}

/**
 * The teacher answered (headers arrived) with a body that is not a usable chat completion: garbage,
 * truncated, an odd shape. The teacher has billed it, so it is recorded as spent and not sent again
 * unless the user asks (`distillery run --retry-failed`); `usage` is what the body reported, if anything.
 */
export class TeacherResponseError extends TeacherError {
  override readonly name = 'TeacherResponseError';
  readonly usage: ReportedUsage | null;
  constructor(message: string, options: ConstructorParameters<typeof TeacherError>[1] & { usage?: ReportedUsage | null }) {
    super(message, options);
    this.usage = options.usage ?? null;
  }
}

/** The key is missing, wrong or not allowed (401/403): retrying cannot help, the run must stop. */
export class TeacherAuthError extends TeacherError {
  override readonly name = 'TeacherAuthError';
}

/** HTTP statuses that openai-node treats as retryable. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}
