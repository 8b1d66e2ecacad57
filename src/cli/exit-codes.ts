import { SpecError } from '../spec/load.js';
import { RunStoppedError, SetupError } from '../pipeline/errors.js';

/** Exit codes of the `distillery` command; scripts can rely on them. */
export const EXIT = {
  ok: 0,
  failure: 1,
  invalidInput: 2,
  budget: 3,
  teacher: 4,
  store: 5,
  interrupted: 130,
} as const;

/** Maps an error to its exit code and a message for people (no stack for expected failures). */
export function describeFailure(error: unknown): { code: number; message: string } {
  if (error instanceof SpecError || error instanceof SetupError) return { code: EXIT.invalidInput, message: error.message };
  if (error instanceof RunStoppedError) {
    const code = error.reason === 'budget' ? EXIT.budget
      : error.reason === 'aborted' ? EXIT.interrupted
      : error.reason === 'no-data' ? EXIT.invalidInput
      : EXIT.teacher;
    return { code, message: error.message };
  }
  const name = error instanceof Error ? error.name : '';
  if (name === 'InputError') return { code: EXIT.invalidInput, message: (error as Error).message };
  if (name === 'StoreError') return { code: EXIT.store, message: (error as Error).message };
  if (name === 'StudentFileError') return { code: EXIT.invalidInput, message: (error as Error).message };
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return { code: EXIT.store, message: `disk full while writing ${(error as NodeJS.ErrnoException).path ?? 'a file'}: free some space and run again; answers already collected are safe in the project's database` };
  }
  if (error instanceof Error) return { code: EXIT.failure, message: `${error.message}\n${error.stack?.split('\n').slice(1, 4).join('\n') ?? ''}` };
  return { code: EXIT.failure, message: String(error) };
}

/** Prints a failure to stderr (and as a JSON line on stdout with --json) and returns the exit code. */
export function reportFailure(error: unknown, json: boolean): number {
  const { code, message } = describeFailure(error);
  process.stderr.write(`distillery: ${message}\n`);
  if (json) process.stdout.write(`${JSON.stringify({ type: 'error', exitCode: code, message })}\n`);
  return code;
}
