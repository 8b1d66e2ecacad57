import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../teacher/types.js';
import { writeFineTuningJsonl, writePlainJsonl } from './export.js';

const folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-export-'));
const lines = (file: string) => readFileSync(file, 'utf8').split('\n');

describe('writePlainJsonl', () => {
  it('writes one object per line into a new folder, replacing an older file and leaving no temp file', async () => {
    const file = path.join(folder, 'nested', 'deeper', 'rows.jsonl');
    await writePlainJsonl([{ stale: true }, { stale: true }, { stale: true }], file);
    const rows = [{ id: 'a', text: 'line one\nline two "quoted"', label: null }, { id: 'b', text: '🙂', distribution: [0.25, 0.75] }];
    expect(await writePlainJsonl(rows, file)).toBe(2);
    const written = lines(file);
    expect(written.at(-1)).toBe('');
    expect(written.slice(0, -1).map((line) => JSON.parse(line) as unknown)).toEqual(rows);
    expect(readdirSync(path.dirname(file))).toEqual(['rows.jsonl']);
  });

  it('writes an empty file for no rows and keeps the old file when the write fails', async () => {
    const empty = path.join(folder, 'empty.jsonl');
    expect(await writePlainJsonl([], empty)).toBe(0);
    expect(readFileSync(empty, 'utf8')).toBe('');
    const kept = path.join(folder, 'kept.jsonl');
    writeFileSync(kept, '{"old":1}\n');
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    await expect(writePlainJsonl([{ fine: 1 }, cyclic], kept)).rejects.toThrow(/circular/i);
    expect(readFileSync(kept, 'utf8')).toBe('{"old":1}\n');
    expect(readdirSync(folder).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});

describe('writeFineTuningJsonl', () => {
  it('writes OpenAI fine-tuning lines: the prompt messages then the label as the assistant', async () => {
    const file = path.join(folder, 'finetune.jsonl');
    const messages: ChatMessage[] = [{ role: 'system', content: 'Classify.' }, { role: 'user', content: 'great film' }];
    expect(await writeFineTuningJsonl([{ messages, label: 'pos' }, { messages: [{ role: 'user', content: 'dull' }], label: 'neg' }], file)).toBe(2);
    const parsed = lines(file).filter((line) => line !== '').map((line) => JSON.parse(line) as unknown);
    expect(parsed).toEqual([
      { messages: [...messages, { role: 'assistant', content: 'pos' }] },
      { messages: [{ role: 'user', content: 'dull' }, { role: 'assistant', content: 'neg' }] },
    ]);
    expect(messages).toHaveLength(2);
  });
});
