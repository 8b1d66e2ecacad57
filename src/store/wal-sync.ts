/**
 * Durability without blocking the event loop. With `synchronous = FULL`, SQLite fsyncs the WAL inside
 * every commit, on the one thread better-sqlite3 runs on: each commit stalls everything else (in-flight
 * answers, new calls) for a disk flush, a few milliseconds on many disks. Instead the database runs with
 * `synchronous = NORMAL` (commits reach the OS, not yet the disk) and this flushes the WAL file itself
 * with fdatasync on libuv's thread pool; a write is acknowledged only after a flush that began after its
 * commit. fsync flushes a file (its inode) whatever descriptor wrote to it, so our own descriptor of
 * the WAL suffices; it is opened read-write because Windows refuses to flush a read-only handle
 * (FlushFileBuffers needs write access), and we never write through it. Checkpoints stay safe: in WAL mode with NORMAL, SQLite syncs the WAL
 * before each checkpoint and the database after it.
 */
import { closeSync, fdatasync, fdatasyncSync, openSync } from 'node:fs';

/** The file-system calls the syncer makes; injected by tests to check their order and to make them fail. */
export interface WalFileSystem {
  openSync(path: string, flags: string): number;
  fdatasync(descriptor: number, callback: (error: NodeJS.ErrnoException | null) => void): void;
  fdatasyncSync(descriptor: number): void;
  closeSync(descriptor: number): void;
}

/** Node's own calls. */
export const NODE_WAL_FILE_SYSTEM: WalFileSystem = { openSync, fdatasync, fdatasyncSync, closeSync };

/** Flushes one database's WAL file to disk. */
export class WalSync {
  readonly #walFile: string;
  readonly #fileSystem: WalFileSystem;
  #descriptor: number | null = null;

  /** `databaseFile` is the database's path; its WAL is the same path plus `-wal`. */
  constructor(databaseFile: string, fileSystem: WalFileSystem = NODE_WAL_FILE_SYSTEM) {
    this.#walFile = `${databaseFile}-wal`;
    this.#fileSystem = fileSystem;
  }

  /** The WAL's descriptor, opened on first use; null while there is no WAL file (so nothing in it to flush). */
  #open(): number | null {
    if (this.#descriptor !== null) return this.#descriptor;
    try {
      this.#descriptor = this.#fileSystem.openSync(this.#walFile, 'r+');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    return this.#descriptor;
  }

  /** Flushes the WAL on the thread pool; rejects with the I/O error when the disk refuses. */
  flush(): Promise<void> {
    return new Promise((resolve, reject) => {
      let descriptor: number | null;
      try {
        descriptor = this.#open();
      } catch (error) {
        reject(error);
        return;
      }
      if (descriptor === null) resolve();
      else this.#fileSystem.fdatasync(descriptor, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Flushes the WAL now, on this thread: for the rare writes outside the journal (inputs, splits, state). */
  flushNow(): void {
    const descriptor = this.#open();
    if (descriptor !== null) this.#fileSystem.fdatasyncSync(descriptor);
  }

  /** Closes the descriptor; call once no flush is in flight. */
  close(): void {
    if (this.#descriptor !== null) this.#fileSystem.closeSync(this.#descriptor);
    this.#descriptor = null;
  }
}
