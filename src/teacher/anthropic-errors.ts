/**
 * Maps whatever the Anthropic SDK throws onto the TeacherError hierarchy: 401/403 stop the run, 429
 * and 529 (overloaded) and other 5xx are retried, honouring `retry-after`.
 */
import Anthropic from '@anthropic-ai/sdk';
import { TeacherAuthError, TeacherConnectionError, TeacherError, TeacherResponseError, TeacherTimeoutError, isRetryableStatus } from './errors.js';
import { mayHaveBeenSent, retryAfterMs, type FailureContext } from './openai-errors.js';

/** Maps an HTTP error answer to a TeacherError. */
function fromStatus(error: InstanceType<typeof Anthropic.APIError>, status: number): TeacherError {
  const headers = error.headers instanceof Headers ? error.headers : undefined;
  const requestId = error.requestID ?? headers?.get('request-id') ?? null;
  if (status === 401 || status === 403) return new TeacherAuthError(error.message, { status, requestId, isRetryable: false, cause: error });
  const shouldRetry = headers?.get('x-should-retry');
  const isRetryable = shouldRetry === 'true' ? true : shouldRetry === 'false' ? false : isRetryableStatus(status);
  return new TeacherError(error.message, { status, requestId, isRetryable, retryAfterMs: retryAfterMs(headers), cause: error });
}

/** Maps anything thrown while calling an Anthropic teacher to a TeacherError. */
export function toAnthropicTeacherError(error: unknown, context: FailureContext): TeacherError {
  const { requestId } = context;
  if (error instanceof TeacherError) return error;
  if (context.timedOut || error instanceof Anthropic.APIConnectionTimeoutError) {
    return new TeacherTimeoutError(`no complete answer within ${context.timeoutMs} ms`, { requestId, isRetryable: true, cause: error });
  }
  if (context.cancelled || error instanceof Anthropic.APIUserAbortError) return new TeacherError('the request was cancelled', { requestId, isRetryable: false, cause: error });
  if (error instanceof Anthropic.APIConnectionError) {
    return new TeacherConnectionError(`could not reach the teacher: ${error.message}`, { isRetryable: true, cause: error, mayHaveBeenSent: mayHaveBeenSent(error) });
  }
  if (error instanceof Anthropic.APIError && typeof error.status === 'number') return fromStatus(error, error.status);
  if (error instanceof SyntaxError || (error instanceof TypeError && /terminated|body|aborted/i.test(error.message))) {
    return new TeacherResponseError(`the teacher's answer could not be read: ${error.message}`, { status: 200, requestId, isRetryable: false, cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new TeacherError(`unexpected failure calling the teacher: ${message}`, { requestId, isRetryable: false, cause: error });
}
