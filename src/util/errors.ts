/**
 * The one error hierarchy (after openai-node's): every error Distillery raises on purpose extends
 * `DistilleryError` and carries what its callers need — the CLI's exit code, the HTTP status a server
 * answers with, and whether the same operation may succeed if tried again. Callers branch with
 * `instanceof`, never on `error.name`.
 */

/** Exit codes of the `distillery` command; scripts can rely on them (the README lists them). */
export const EXIT = {
  ok: 0,
  failure: 1,
  invalidInput: 2,
  budget: 3,
  teacher: 4,
  store: 5,
  missingKey: 6,
  interrupted: 130,
} as const;

/** One of the documented exit codes. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** What every Distillery error may say about itself. */
export interface DistilleryErrorOptions {
  exitCode?: ExitCode;
  httpStatus?: number;
  retryable?: boolean;
  cause?: unknown;
}

/** The base of every expected failure: a message for people plus exit code, HTTP status and retryability. */
export class DistilleryError extends Error {
  override readonly name: string = 'DistilleryError';
  readonly exitCode: ExitCode;
  readonly httpStatus: number;
  readonly retryable: boolean;

  constructor(message: string, options: DistilleryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options.exitCode ?? EXIT.failure;
    this.httpStatus = options.httpStatus ?? 500;
    this.retryable = options.retryable ?? false;
  }
}

/** Bad input from the user — a flag, a file, a value — found before anything is spent (exit 2, HTTP 400). */
export class UsageError extends DistilleryError {
  override readonly name: string = 'UsageError';
  constructor(message: string, options: DistilleryErrorOptions = {}) {
    super(message, { exitCode: EXIT.invalidInput, httpStatus: 400, ...options });
  }
}
