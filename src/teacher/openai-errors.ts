/**
 * Maps whatever the openai SDK throws onto the TeacherError hierarchy, the one vocabulary the
 * collector's retry layer understands.
 */
import OpenAI from 'openai';
import { TeacherAuthError, TeacherConnectionError, TeacherError, TeacherResponseError, TeacherTimeoutError, isRetryableStatus } from './errors.js';

/** What the caller knows about why a call ended, beyond the error itself. */
export interface FailureContext {
  /** Our own deadline (which also covers reading the body) fired. */
  timedOut: boolean;
  /** The caller's signal aborted the call. */
  cancelled: boolean;
  timeoutMs: number;
  /** The `x-request-id` of the response, when headers had arrived. */
  requestId: string | null;
}

/** The server's requested wait from `retry-after-ms`, else `retry-after` (seconds or an HTTP date), in ms. */
export function retryAfterMs(headers: Headers | undefined, now: number = Date.now()): number | null {
  const milliseconds = headers?.get('retry-after-ms');
  if (milliseconds !== null && milliseconds !== undefined) {
    const value = Number.parseFloat(milliseconds);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const retryAfter = headers?.get('retry-after')?.trim();
  if (retryAfter === undefined || retryAfter === '') return null;
  if (/^\d+(\.\d+)?$/.test(retryAfter)) return Number.parseFloat(retryAfter) * 1000;
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** `x-should-retry` overrides the status-based guess, as openai-node does. */
function shouldRetryHeader(headers: Headers | undefined): boolean | null {
  const value = headers?.get('x-should-retry');
  return value === 'true' ? true : value === 'false' ? false : null;
}

/** Maps an HTTP error answer to a TeacherError. */
function fromStatus(error: InstanceType<typeof OpenAI.APIError>, status: number): TeacherError {
  const headers = error.headers instanceof Headers ? error.headers : undefined;
  const requestId = headers?.get('x-request-id') ?? null;
  if (status === 401 || status === 403) {
    return new TeacherAuthError(error.message, { status, requestId, isRetryable: false, cause: error });
  }
  const isRetryable = shouldRetryHeader(headers) ?? isRetryableStatus(status);
  return new TeacherError(error.message, { status, requestId, isRetryable, retryAfterMs: retryAfterMs(headers), cause: error });
}

/** True for errors raised while reading or parsing a 200 body (invalid JSON, a connection cut mid-body). */
function isBodyError(error: unknown): boolean {
  return error instanceof SyntaxError || (error instanceof TypeError && /terminated|body|aborted/i.test(error.message));
}

/** Socket error codes that mean the request never reached the server, so it cannot have been billed. */
const NEVER_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT', 'ERR_INVALID_URL']);

/** False when the cause chain names a failure to connect; a reset or hang-up after sending may have been billed. */
export function mayHaveBeenSent(error: unknown): boolean {
  for (let cause: unknown = error, depth = 0; cause instanceof Error && depth < 8; cause = cause.cause, depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && NEVER_SENT_CODES.has(code)) return false;
  }
  return true;
}

/** Maps anything thrown while calling the teacher to a TeacherError. */
export function toTeacherError(error: unknown, context: FailureContext): TeacherError {
  const { requestId } = context;
  if (error instanceof TeacherError) return error;
  if (context.timedOut || error instanceof OpenAI.APIConnectionTimeoutError) {
    return new TeacherTimeoutError(`no complete answer within ${context.timeoutMs} ms`, { requestId, isRetryable: true, cause: error });
  }
  if (context.cancelled || error instanceof OpenAI.APIUserAbortError) {
    return new TeacherError('the request was cancelled', { requestId, isRetryable: false, cause: error });
  }
  if (error instanceof OpenAI.APIConnectionError) {
    return new TeacherConnectionError(`could not reach the teacher: ${error.message}`, { isRetryable: true, cause: error, mayHaveBeenSent: mayHaveBeenSent(error) });
  }
  if (error instanceof OpenAI.APIError && typeof error.status === 'number') return fromStatus(error, error.status);
  if (isBodyError(error)) {
    const reason = error instanceof SyntaxError ? 'is not valid JSON (garbage or truncated)' : 'was cut off before it ended';
    return new TeacherResponseError(`the teacher's answer ${reason}: ${(error as Error).message}`, { status: 200, requestId, isRetryable: false, cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new TeacherError(`unexpected failure calling the teacher: ${message}`, { requestId, isRetryable: false, cause: error });
}

/** True when a 400/422 answer is the server refusing the logprobs parameters. */
export function isLogprobsRejection(error: unknown): boolean {
  if (!(error instanceof OpenAI.APIError) || (error.status !== 400 && error.status !== 422)) return false;
  const detail = `${error.message} ${JSON.stringify(error.error ?? null)} ${error.param ?? ''}`;
  return /logprob/i.test(detail);
}
