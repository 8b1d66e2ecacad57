import { createWriteStream } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import type { ChatMessage } from '../teacher/types.js';

/** Writes one JSON object per line, atomically (temp file + rename); returns the lines written. */
export async function writePlainJsonl(rows: readonly object[], file: string): Promise<number> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  const stream = createWriteStream(temporary);
  for (const row of rows) {
    if (!stream.write(`${JSON.stringify(row)}\n`)) await new Promise<void>((resolve) => stream.once('drain', () => resolve()));
  }
  stream.end();
  await finished(stream);
  await rename(temporary, file);
  return rows.length;
}

/** Writes OpenAI fine-tuning JSONL: the prompt messages plus the label as the assistant's answer. */
export async function writeFineTuningJsonl(examples: readonly { messages: ChatMessage[]; label: string }[], file: string): Promise<number> {
  return writePlainJsonl(examples.map((example) => ({ messages: [...example.messages, { role: 'assistant', content: example.label }] })), file);
}
