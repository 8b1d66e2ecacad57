import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ChatMessage } from '../teacher/types.js';

/** Lines are buffered into chunks of about this many characters, so a large export is not one string. */
const CHUNK_CHARS = 1 << 20;

/** Writes one JSON object per line, atomically (temp file + rename); returns the lines written. */
export async function writePlainJsonl(rows: readonly object[], file: string): Promise<number> {
  await mkdir(path.dirname(file), { recursive: true });
  // A random suffix keeps two writers of the same file (even in one process) off each other's temp file.
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const handle = await open(temporary, 'w');
    try {
      let chunk = '';
      for (const row of rows) {
        chunk += `${JSON.stringify(row)}\n`;
        if (chunk.length >= CHUNK_CHARS) {
          await handle.writeFile(chunk, 'utf8');
          chunk = '';
        }
      }
      if (chunk.length > 0) await handle.writeFile(chunk, 'utf8');
      // Flush before the rename, so a crash never leaves a renamed but half-written file.
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return rows.length;
}

/** Writes OpenAI fine-tuning JSONL: the prompt messages plus the label as the assistant's answer. */
export async function writeFineTuningJsonl(examples: readonly { messages: ChatMessage[]; label: string }[], file: string): Promise<number> {
  const lines = examples.map((example) => ({ messages: [...example.messages, { role: 'assistant', content: example.label }] }));
  return writePlainJsonl(lines, file);
}
