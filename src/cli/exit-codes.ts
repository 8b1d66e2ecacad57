import { DistilleryError, EXIT } from '../util/errors.js';
import { fileFailureReason } from '../util/node-errors.js';

export { EXIT };

/** Maps an error to its exit code and a message for people (no stack for expected failures). */
export function describeFailure(error: unknown): { code: number; message: string } {
  if (error instanceof DistilleryError) return { code: error.exitCode, message: error.message };
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return { code: EXIT.store, message: `disk full while writing ${(error as NodeJS.ErrnoException).path ?? 'a file'}: free some space and run again; answers already collected are safe in the project's database` };
  }
  // A file error no boundary converted still gets one line naming the file, not a stack.
  const reason = fileFailureReason(error);
  if (reason !== undefined) {
    const where = (error as NodeJS.ErrnoException).path;
    return { code: code === 'ENOENT' ? EXIT.invalidInput : EXIT.store, message: where === undefined ? (error as Error).message : `${where}: ${reason}` };
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
