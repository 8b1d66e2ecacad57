import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../teacher/types.js';
import { exportLabelled, writeFineTuningJsonl, writePlainJsonl, type LabelledRow } from './export.js';

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

describe('exportLabelled', () => {
  const row = (index: number, split: LabelledRow['split'], label: string | null): LabelledRow => ({ id: `id${index}`, text: `text ${index}`, label, distribution: label === null ? null : [0.9, 0.1], gold: index % 2 === 0 ? 'pos' : null, split });

  it('streams an async source into the plain file and one fine-tuning file per split, with counts', async () => {
    const directory = path.join(folder, 'exports');
    async function* rows(): AsyncGenerator<LabelledRow> {
      for (let index = 0; index < 12; index++) yield row(index, 'train', 'pos');
      yield row(12, 'train', null);
      yield row(13, 'val', 'neg');
      yield row(14, 'test', 'neg');
    }
    const result = await exportLabelled(rows(), { directory, buildMessages: (input) => [{ role: 'system', content: 'Label it.' }, { role: 'user', content: input.text }] });
    expect(result.plain.rows).toBe(15);
    expect(result.fineTuning.train?.examples).toBe(12);
    expect(result.fineTuning.val?.examples).toBe(1);
    expect(result.fineTuning.test).toBeUndefined();
    expect(result.unlabelled).toBe(1);
    expect(result.warnings).toEqual(['openai-finetune-val.jsonl has 1 examples; OpenAI fine-tuning needs at least 10']);
    expect(readdirSync(directory).sort()).toEqual(['labelled.jsonl', 'openai-finetune-train.jsonl', 'openai-finetune-val.jsonl']);
    const plain = lines(path.join(directory, 'labelled.jsonl')).filter((line) => line !== '').map((line) => JSON.parse(line) as unknown);
    expect(plain[12]).toEqual({ id: 'id12', text: 'text 12', label: null, distribution: null, gold: 'pos', split: 'train' });
    expect(Object.keys(plain[0] as object)).toEqual(['id', 'text', 'label', 'distribution', 'gold', 'split']);
    const val = lines(path.join(directory, 'openai-finetune-val.jsonl'));
    expect(val).toEqual(['{"messages":[{"role":"system","content":"Label it."},{"role":"user","content":"text 13"},{"role":"assistant","content":"neg"}]}', '']);
  });

  it('leaves no file behind when the source fails midway', async () => {
    const directory = path.join(folder, 'failed-export');
    function* rows(): Generator<LabelledRow> {
      yield row(0, 'train', 'pos');
      throw new Error('source broke');
    }
    await expect(exportLabelled(rows(), { directory, buildMessages: () => [] })).rejects.toThrow('source broke');
    expect(readdirSync(directory)).toEqual([]);
  });
});
