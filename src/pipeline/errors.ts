/** Why a run stopped before the end; the CLI maps each to an exit code. */
export type StopReason = 'budget' | 'teacher-unreachable' | 'auth' | 'aborted' | 'no-data';

/** A run that had to stop: carries the reason and a message for people. */
export class RunStoppedError extends Error {
  override readonly name = 'RunStoppedError';
  constructor(
    message: string,
    readonly reason: StopReason,
  ) {
    super(message);
  }
}

/** A problem with the user's setup (missing key, bad inputs) found before any money is spent. */
export class SetupError extends Error {
  override readonly name = 'SetupError';
}
