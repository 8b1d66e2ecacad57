/** How the collector reads a teacher's failures: a one-line description, and whether it was a 429. */
import { TeacherError } from '../teacher/errors.js';

/** A refusal for going too fast (HTTP 429). */
export function isThrottle(error: unknown): boolean {
  return error instanceof TeacherError && error.status === 429;
}

/** Describes an error in one line. */
export function describeError(error: unknown): string {
  if (error instanceof TeacherError) return error.status === null ? error.message : `${error.status}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
