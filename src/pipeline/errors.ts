import { DistilleryError, EXIT, type ExitCode } from '../util/errors.js';

/** Why a run stopped before the end; the CLI maps each to an exit code. */
export type StopReason = 'budget' | 'teacher-unreachable' | 'auth' | 'aborted' | 'no-data';

const STOP_EXIT_CODES: Readonly<Record<StopReason, ExitCode>> = {
  budget: EXIT.budget,
  'teacher-unreachable': EXIT.teacher,
  auth: EXIT.teacher,
  aborted: EXIT.interrupted,
  'no-data': EXIT.invalidInput,
};

/** A run that had to stop: carries the reason and a message for people. */
export class RunStoppedError extends DistilleryError {
  override readonly name = 'RunStoppedError';
  constructor(
    message: string,
    readonly reason: StopReason,
  ) {
    super(message, { exitCode: STOP_EXIT_CODES[reason] });
  }
}

/** A problem with the user's setup (bad inputs, a busy project) found before any money is spent. */
export class SetupError extends DistilleryError {
  override readonly name: string = 'SetupError';
  constructor(message: string, options: { exitCode?: ExitCode; cause?: unknown } = {}) {
    super(message, { exitCode: options.exitCode ?? EXIT.invalidInput, httpStatus: 400, cause: options.cause });
  }
}

/** The teacher's key is not in the environment (its own exit code, so scripts can prompt for it). */
export class MissingKeyError extends SetupError {
  override readonly name = 'MissingKeyError';
  constructor(message: string) {
    super(message, { exitCode: EXIT.missingKey });
  }
}
