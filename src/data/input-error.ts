import { UsageError } from '../util/errors.js';

/** A problem with the user's input files, naming the file and line. */
export class InputError extends UsageError {
  override readonly name = 'InputError';
  constructor(
    message: string,
    readonly file: string,
    readonly line: number | null = null,
  ) {
    super(message);
  }
}
