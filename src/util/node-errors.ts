/**
 * Node's system errors (ENOENT, EACCES, EADDRINUSE, …) turned into Distillery errors at the boundary
 * where we know what the file or port was for, so the user reads one line naming the cause and gets
 * the documented exit code instead of a stack trace.
 */
import { DistilleryError, EXIT, UsageError, type ExitCode } from './errors.js';

/** The OS refused a file or folder (permissions, a read-only disk, a file where a folder should be). */
export class FileAccessError extends DistilleryError {
  override readonly name = 'FileAccessError';
  constructor(
    message: string,
    /** The file or folder the OS refused. */
    readonly path: string,
    options: { exitCode?: ExitCode; cause?: unknown } = {},
  ) {
    super(message, { exitCode: options.exitCode ?? EXIT.store, httpStatus: 500, cause: options.cause });
  }
}

/** The errno code (`ENOENT`, `EACCES`, …) of a Node system error, or undefined for anything else. */
export function errnoCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as NodeJS.ErrnoException).code;
  return typeof code === 'string' ? code : undefined;
}

const FILE_REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the disk is read-only',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'is a folder, not a file',
  EEXIST: 'already exists',
  ENOSPC: 'no space left on the disk',
  EDQUOT: 'disk quota exceeded',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
};

/** Why the OS refused a file operation, in words; undefined when the error is no file-system error. */
export function fileFailureReason(error: unknown): string | undefined {
  const code = errnoCode(error);
  return code === undefined ? undefined : FILE_REASONS[code];
}

/**
 * A file-system error about `target` as a FileAccessError whose message says what we were doing
 * (`doing`, e.g. "cannot write the project folder") and why; anything else is returned unchanged.
 */
export function fileAccessFailure(error: unknown, target: string, doing: string, exitCode: ExitCode = EXIT.store): unknown {
  const reason = fileFailureReason(error);
  if (reason === undefined || error instanceof DistilleryError) return error;
  return new FileAccessError(`${doing} ${target}: ${reason}`, target, { exitCode, cause: error });
}

/** A failure to listen on `host:port` as a UsageError saying what to change; anything else unchanged. */
export function listenFailure(error: unknown, host: string, port: number): unknown {
  switch (errnoCode(error)) {
    case 'EADDRINUSE':
      return new UsageError(`port ${port} is in use; pick another with --port`, { cause: error });
    case 'EACCES':
      return new UsageError(`port ${port} needs administrator rights on this system; pick one above 1023 with --port`, { cause: error });
    case 'EADDRNOTAVAIL':
      return new UsageError(`cannot listen on ${host}: no network interface has that address; pick another with --host`, { cause: error });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new UsageError(`cannot listen on ${host}: no such host; pick another with --host`, { cause: error });
    default:
      return error;
  }
}
