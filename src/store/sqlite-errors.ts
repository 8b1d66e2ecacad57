import { StoreError, type StoreErrorCause } from './errors.js';

const INTACT = 'Answers committed before this point are intact; nothing was half-written.';

/** Extracts the SQLite result code ("SQLITE_FULL", ...) from a better-sqlite3 error, if any. */
function sqliteCode(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return null;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : null;
}

/** The errno code ("EIO", ...) of a Node file-system error, such as a failed fdatasync of the WAL. */
function systemCode(error: unknown): string | null {
  if (typeof error !== 'object' || error === null || typeof (error as { errno?: unknown }).errno !== 'number') return null;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : null;
}

/** Classifies a Node file-system errno code. */
function classifySystem(code: string): StoreErrorCause {
  if (code === 'ENOSPC' || code === 'EDQUOT') return 'disk-full';
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') return 'read-only';
  return 'io';
}

/** Classifies an extended SQLite code by its primary code (SQLITE_IOERR_WRITE → io, and so on). */
function classify(code: string | null): StoreErrorCause {
  if (code === null) return 'other';
  if (code === 'SQLITE_FULL' || code === 'SQLITE_IOERR_NOSPC') return 'disk-full';
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_PERM') return 'read-only';
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return 'corrupt';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'busy';
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN')) return 'io';
  if (code.startsWith('SQLITE_CONSTRAINT')) return 'constraint';
  return 'other';
}

/** Writes the user-facing sentence for one cause; `action` says what Distillery was doing. */
function describe(reason: StoreErrorCause, file: string, action: string, detail: string): string {
  switch (reason) {
    case 'disk-full':
      return `The disk is full (or the database reached its size limit) while ${action} in ${file}. ${INTACT} Free some space and run again.`;
    case 'read-only':
      return `The database ${file} is read-only (file or folder permissions, or a read-only mount) while ${action}. ${INTACT} Make it writable and run again.`;
    case 'corrupt':
      return `The database ${file} is damaged or is not a Distillery database (${detail}) while ${action}. Distillery stopped without writing to it, so it has not made anything worse; keep a copy and restore it from a backup.`;
    case 'busy':
      return `The database ${file} stayed locked by another process while ${action}. ${INTACT} Stop the other Distillery process using this project and run again.`;
    case 'io':
      return `A disk input/output error occurred on ${file} while ${action} (${detail}). ${INTACT} Check the disk and run again.`;
    case 'constraint':
      return `Refused an inconsistent write to ${file} while ${action}: ${detail}. ${INTACT}`;
    default:
      return `Database error on ${file} while ${action}: ${detail}. ${INTACT}`;
  }
}

/** Turns any error thrown by better-sqlite3 (or by a flush of the WAL) into a StoreError that names the cause and the file. */
export function toStoreError(error: unknown, file: string, action: string): StoreError {
  if (error instanceof StoreError) return error;
  const system = sqliteCode(error) === null ? systemCode(error) : null;
  const code = sqliteCode(error) ?? system;
  const reason = system === null ? classify(code) : classifySystem(system);
  const detail = error instanceof Error ? error.message : String(error);
  return new StoreError(describe(reason, file, action, detail), { reason, file, code, cause: error });
}
