import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { taskSpecSchema } from '../task/schema.js';
import { sha256Hex } from '../util/hash.js';
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
    expect(warnings).toEqual(['1 input repeats an earlier one word for word and was read once']);
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
  it('reads NDJSON, turning numeric gold into strings and ids into the text hash', async () => {
    const file = write('n.ndjson', '{"body":"ten","y":1}\r\n{"body":"zero","y":null}\r\n{"body":"empty","y":""}\r\n');
    const { records } = await readInputs(settings({ path: file, textField: 'body', goldField: 'y' }), folder, ['0', '1']);
    expect(records.map((record) => [record.text, record.gold, record.source])).toEqual([['ten', '1', 'n.ndjson:1'], ['zero', null, 'n.ndjson:2'], ['empty', null, 'n.ndjson:3']]);
    expect(records[0]?.id).toBe(sha256Hex('ten').slice(0, 32));
  });

  it('picks the format per matched file and reads a glob that climbs out of the task folder', async () => {
    write('mixed/1.jsonl', '{"text":"from jsonl"}\n');
    write('mixed/2.csv', 'text\nfrom csv\n');
    write('mixed/3.txt', 'from text\n');
    write('mixed/4.md', '# from a file\nsecond line\n');
    const { records } = await readInputs(settings({ path: '../mixed/*' }), path.join(folder, 'tasks'), labels);
    expect(records.map((record) => [record.text, record.source])).toEqual([
      ['from jsonl', '../mixed/1.jsonl:1'], ['from csv', '../mixed/2.csv:2'], ['from text', '../mixed/3.txt:1'], ['# from a file\nsecond line\n', '../mixed/4.md:1'],
    ]);
    const forced = await readInputs(settings({ path: 'mixed/4.md', format: 'text' }), folder, labels);
    expect(forced.records.map((record) => record.text)).toEqual(['# from a file', 'second line']);
  });

  it('reads a literal file name that looks like a glob', async () => {
    const file = write('data [v2] (1).jsonl', '{"text":"literal"}\n');
    expect((await readInputs(settings({ path: file }), folder, labels)).records.map((record) => record.text)).toEqual(['literal']);
  });

  it('truncates without splitting an emoji and warns about blank texts', async () => {
    const file = write('emoji.jsonl', '{"text":"ab🙂cd"}\n{"text":"  "}\n');
    const { records, warnings } = await readInputs(settings({ path: file, maxChars: 3 }), folder, labels);
    expect(records.map((record) => record.text)).toEqual(['ab']);
    expect(warnings).toEqual(['1 input has a blank "text" and was skipped']);
  });

  it('lists at most five wrong gold labels, pointing at the first', async () => {
    const rows = Array.from({ length: 7 }, (_, index) => `{"text":"t${index}","label":"bad${index}"}`).join('\n');
    const error = await readError({ path: write('many-gold.jsonl', `{"text":"ok","label":"pos"}\n${rows}\n`), goldField: 'label' });
    expect(error.message).toMatch(/^7 gold labels are not in the task's labels \(pos, neg\)/);
    expect(error.message).toContain('many-gold.jsonl:6: "bad4"');
    expect(error.message).not.toContain('bad5');
    expect(error.message).toContain('and 2 more');
    expect([path.basename(error.file), error.line]).toEqual(['many-gold.jsonl', 2]);
  });

  it('rejects a JSONL line that is not an object and a path that is a folder', async () => {
    expect((await readError({ path: write('array.jsonl', '["text"]\n') })).message).toMatch(/array\.jsonl:1: expected a JSON object per line, got an array/);
    mkdirSync(path.join(folder, 'a-folder'), { recursive: true });
    expect((await readError({ path: 'a-folder', format: 'files' })).message).toMatch(/cannot read input file a-folder: is a folder/);
  });

  it('keeps the first `limit` inputs after dropping repeats, and says so', async () => {
    const file = write('limit.txt', 'a\nb\na\nc\nd\n');
    const { records, warnings } = await readInputs(settings({ path: file, limit: 2 }), folder, labels);
    expect(records.map((record) => record.text)).toEqual(['a', 'b']);
    expect(warnings).toContain('kept the first 2 of 4 inputs (inputs.limit)');
  });

  it('suggests the task label when a gold label differs only in case or punctuation', async () => {
    const error = await readError({ path: write('case.csv', 'text,label\nhi,Pos\nyo,neg.\nhey,neutral\n'), goldField: 'label' });
    expect(error.message).toContain('case.csv:2: "Pos" (did you mean "pos"?)');
    expect(error.message).toContain('case.csv:3: "neg." (did you mean "neg"?)');
    expect(error.message).toMatch(/case\.csv:4: "neutral"$/m);
  });

  it('keeps the row\'s own id in the source when idField is set', async () => {
    const file = write('ids.jsonl', '{"text":"a","key":17}\n{"text":"b","key":"x-2"}\n{"text":"c"}\n');
    const { records } = await readInputs(settings({ path: file, idField: 'key' }), folder, labels);
    expect(records.map((record) => record.source)).toEqual(['ids.jsonl:1 id=17', 'ids.jsonl:2 id=x-2', 'ids.jsonl:3']);
  });

  it('calls a file whose texts are all blank empty inputs, and names the line of broken CSV quoting', async () => {
    expect((await readError({ path: write('blank.jsonl', '{"text":""}\n{"text":"  "}\n') })).message).toMatch(/empty inputs: all 2 "text" values are blank/);
    expect((await readError({ path: write('header-only.csv', 'text,label\n') })).message).toMatch(/header-only\.csv is empty/);
    const broken = await readError({ path: write('quote.csv', 'text\nfine\n"unclosed\n') });
    expect(broken.message).toMatch(/quote\.csv:\d+: invalid CSV/);
    expect(broken.line).not.toBeNull();
  });

  it('keeps the prompt fields of each record, as text, and reports the fields no row has', async () => {
    const file = write('fields.jsonl', '{"text":"a","title":"T1","stars":5,"tags":["x"]}\n{"text":"b","title":"T2","stars":null}\n{"text":"c","title":"T3","stars":4}\n');
    const result = await readInputs(settings({ path: file }), folder, labels, ['title', 'stars', 'tags', 'author']);
    expect(result.records.map((record) => record.fields)).toEqual([{ title: 'T1', stars: '5', tags: '["x"]' }, { title: 'T2' }, { title: 'T3', stars: '4' }]);
    expect(result.missingFields).toEqual(['author']);
    expect(result.availableFields).toEqual(['text', 'title', 'stars', 'tags']);
    expect(result.warnings).toEqual(['1 input has no "stars" field: {{stars}} is left empty in its prompt', '2 inputs have no "tags" field: {{tags}} is left empty in their prompts']);
  });

  it('keys a record by its text alone unless the prompt names other fields, then by those too', async () => {
    const file = write('same-text.jsonl', '{"text":"same","title":"A"}\n{"text":"same","title":"B"}\n');
    const plain = await readInputs(settings({ path: file }), folder, labels);
    expect(plain.records.map((record) => record.id)).toEqual([sha256Hex('same').slice(0, 32)]);
    expect(plain.records[0]?.fields).toBeUndefined();
    const titled = await readInputs(settings({ path: file }), folder, labels, ['title']);
    expect(titled.records.map((record) => record.fields?.['title'])).toEqual(['A', 'B']);
    expect(new Set(titled.records.map((record) => record.id)).size).toBe(2);
  });
});
