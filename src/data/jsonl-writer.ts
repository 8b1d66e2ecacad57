/** The atomic, streaming JSONL writer shared by every export. */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/** Lines are buffered into chunks of about this many characters, so a large export is not one string. */
const CHUNK_CHARS = 1 << 20;
/** OpenAI rejects a fine-tuning file with fewer examples than this. */
export const OPENAI_MIN_EXAMPLES = 10;

/**
 * A JSONL file written to a temp name and renamed into place on commit, so readers never see half a
 * file and a failed export leaves the previous one intact.
 */
export class AtomicJsonlWriter {
  readonly #temporary: string;
  #handle: FileHandle | undefined;
  #chunk = '';
  /** Lines written so far. */
  lines = 0;

  constructor(readonly file: string) {
    // A random suffix keeps two writers of the same file (even in one process) off each other's temp file.
    this.#temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  }

  /** Creates the folder and the temp file. */
  async open(): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    this.#handle = await open(this.#temporary, 'w');
  }

  /** Appends one value as one JSON line. */
  async write(row: unknown): Promise<void> {
    this.#chunk += `${JSON.stringify(row)}\n`;
    this.lines++;
    if (this.#chunk.length >= CHUNK_CHARS) await this.#flush();
  }

  /** Flushes, syncs and renames the temp file into place. */
  async commit(): Promise<void> {
    await this.#flush();
    // Flush to disk before the rename, so a crash never leaves a renamed but half-written file.
    await this.#handle?.sync();
    await this.#handle?.close();
    this.#handle = undefined;
    await rename(this.#temporary, this.file);
  }

  /** Closes and removes the temp file, leaving any earlier file in place. */
  async abort(): Promise<void> {
    await this.#handle?.close().catch(() => undefined);
    this.#handle = undefined;
    await rm(this.#temporary, { force: true });
  }

  async #flush(): Promise<void> {
    if (this.#chunk.length === 0) return;
    const chunk = this.#chunk;
    this.#chunk = '';
    await this.#handle?.writeFile(chunk, 'utf8');
  }
}

/** Opens the writers, runs `body`, then commits them all or (on any error) removes every temp file. */
export async function withWriters<T>(writers: readonly AtomicJsonlWriter[], body: () => Promise<T>): Promise<T> {
  try {
    for (const writer of writers) await writer.open();
    const result = await body();
    for (const writer of writers) await writer.commit();
    return result;
  } catch (error) {
    await Promise.all(writers.map((writer) => writer.abort()));
    throw error;
  }
}
