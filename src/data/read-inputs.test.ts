import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { taskSpecSchema } from '../spec/schema.js';
import { InputError } from './input-error.js';
import { readInputs } from './read-inputs.js';

const labels = ['pos', 'neg'];
const folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-inputs-'));

function settings(inputs: Record<string, unknown>) {
  return taskSpecSchema.parse({
    name: 'x', teacher: { baseURL: 'http://127.0.0.1/v1', model: 'm' }, prompt: { messages: [{ role: 'user', content: '{{text}}' }] },
    labels, inputs, budget: { maxUSD: 1 },
  }).inputs;
}

function write(name: string, text: string): string {
  const file = path.join(folder, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return name;
}

async function readError(inputs: Record<string, unknown>): Promise<InputError> {
  try {
    await readInputs(settings(inputs), folder, labels);
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError');
}

describe('readInputs', () => {
  it('reads JSONL with gold labels, skipping blank lines and collapsing repeats', async () => {
    const file = write('a.jsonl', '{"text":"good","label":"pos"}\n\n{"text":"bad","label":"neg"}\n{"text":"good","label":"pos"}\n');
    const { records, warnings } = await readInputs(settings({ path: file, goldField: 'label' }), folder, labels);
    expect(records.map((record) => [record.text, record.gold, record.source])).toEqual([['good', 'pos', 'a.jsonl:1'], ['bad', 'neg', 'a.jsonl:3']]);
    expect(warnings[0]).toMatch(/1 inputs repeat/);
    expect(records[0]?.id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('reads CSV with a BOM and quoted fields', async () => {
    const file = write('b.csv', '\uFEFFtext,label\n"hello, world",pos\n"say ""hi""",neg\n');
    const { records } = await readInputs(settings({ path: file, goldField: 'label' }), folder, labels);
    expect(records.map((record) => record.text)).toEqual(['hello, world', 'say "hi"']);
  });

  it('reads text lines and a glob of whole files, in sorted order, truncating to maxChars', async () => {
    const lines = write('c.txt', 'one\n\ntwo\n');
    expect((await readInputs(settings({ path: lines }), folder, labels)).records.map((record) => record.text)).toEqual(['one', 'two']);
    write('files/z.py', 'print("z")');
    write('files/a.py', 'print("a") and more text');
    const { records } = await readInputs(settings({ path: 'files/*.py', maxChars: 10 }), folder, labels);
    expect(records.map((record) => record.text)).toEqual(['print("a")', 'print("z")']);
  });

  it('names the line of malformed JSON', async () => {
    const error = await readError({ path: write('bad.jsonl', '{"text":"ok"}\n{"text": oops}\n') });
    expect(error.line).toBe(2);
    expect(error.message).toMatch(/bad\.jsonl:2: invalid JSON/);
  });

  it('names the row that lacks the text field and lists the fields it has', async () => {
    const error = await readError({ path: write('missing.csv', 'body,label\nhello,pos\n') });
    expect(error.message).toMatch(/missing\.csv:2: no "text" field .* has: body, label/);
  });

  it('rejects a non-string text', async () => {
    const error = await readError({ path: write('number.jsonl', '{"text": 5}\n') });
    expect(error.message).toMatch(/must be a string, got number/);
  });

  it('lists gold labels outside the label set with file and line', async () => {
    const error = await readError({ path: write('gold.jsonl', '{"text":"a","label":"pos"}\n{"text":"b","label":"postive"}\n'), goldField: 'label' });
    expect(error.message).toMatch(/1 gold label is not in the task's labels/);
    expect(error.message).toContain('gold.jsonl:2: "postive"');
  });

  it('says when a file is empty or a glob matches nothing or a file is missing', async () => {
    expect((await readError({ path: write('empty.jsonl', '\n\n') })).message).toMatch(/is empty/);
    expect((await readError({ path: 'nothing/*.jsonl' })).message).toMatch(/no input files match/);
    expect((await readError({ path: 'nope.jsonl' })).message).toMatch(/no such file/);
  });
});
