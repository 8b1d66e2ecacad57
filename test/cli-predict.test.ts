/**
 * `distillery predict` as a user runs it: one JSON object per text, from arguments, a file or stdin,
 * each with the id that joins it back to its input; bad input is one line and exit 2, not a guess.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../src/util/errors.js';
import { jsonLines, runCli, spawnCli, type CliResult } from './cli-helpers.js';
import { saveTicketStudent } from './ticket-student.js';

let folder: string;
let studentFile: string;

interface PredictionLine {
  id: string | number;
  label: string;
  top: Array<{ label: string; probability: number }>;
}

function predictions(result: CliResult): PredictionLine[] {
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return jsonLines(result.stdout) as unknown as PredictionLine[];
}

/** Exit 2, one line on stderr matching `pattern`, nothing on stdout, no stack. */
function expectRefused(result: CliResult, pattern: RegExp): void {
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(pattern);
  expect(result.stdout).toBe('');
  expect(result.code).toBe(EXIT.invalidInput);
}

beforeAll(async () => {
  folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-predict-'));
  studentFile = path.join(folder, 'tickets.dstl');
  await saveTicketStudent(studentFile);
});

afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('distillery predict: where texts come from', () => {
  it('labels each argument on its own, echoing its index as the id', async () => {
    const lines = predictions(await runCli(['predict', studentFile, 'I was charged twice on my invoice', 'the app crashes with an error']));
    expect(lines.map((line) => [line.id, line.label])).toEqual([[0, 'billing'], [1, 'bug']]);
    expect(lines[0]?.top).toHaveLength(3);
  });

  it('reads stdin as one text: a multi-line file is one prediction', async () => {
    const code = 'const invoice = charge(card);\nif (!invoice) throw new Error("payment failed");\n\nrefund(invoice);\n';
    const lines = predictions(await runCli(['predict', studentFile], { input: code }));
    expect(lines).toHaveLength(1);
    expect(lines[0]?.id).toBe(0);
  });

  it('splits stdin by lines only with --lines, ids being line numbers', async () => {
    const lines = predictions(await runCli(['predict', studentFile, '--lines'], { input: 'refund my payment\n\nthe page crashes\n' }));
    expect(lines.map((line) => [line.id, line.label])).toEqual([[1, 'billing'], [3, 'bug']]);
  });

  it('labels every row of a JSONL file, echoing each record\'s id', async () => {
    const file = path.join(folder, 'tickets.jsonl');
    writeFileSync(file, '{"ticket":"T-1","body":"refund my invoice"}\n{"ticket":"T-2","body":"error 500 when uploading"}\n{"ticket":"T-2","body":"error 500 when uploading"}\n');
    const lines = predictions(await runCli(['predict', studentFile, '--input', file, '--text-field', 'body', '--id-field', 'ticket', '--top', '1']));
    // Repeated rows are labelled again: predict answers every row, unlike a run's deduplicated inputs.
    expect(lines.map((line) => [line.id, line.label])).toEqual([['T-1', 'billing'], ['T-2', 'bug'], ['T-2', 'bug']]);
    expect(lines[0]?.top).toEqual([{ label: 'billing', probability: expect.any(Number) }]);
  });

  it('labels a CSV file by its id column, and a text file by line number', async () => {
    const csv = path.join(folder, 'tickets.csv');
    writeFileSync(csv, 'id,text\n7,"I was charged twice, on my card"\n8,who founded the company\n');
    expect(predictions(await runCli(['predict', studentFile, '--input', csv])).map((line) => [line.id, line.label])).toEqual([['7', 'billing'], ['8', 'other']]);
    const text = path.join(folder, 'tickets.txt');
    writeFileSync(text, 'refund my payment\n\nsearch shows an error\n');
    expect(predictions(await runCli(['predict', studentFile, '--input', text])).map((line) => [line.id, line.label])).toEqual([[1, 'billing'], [3, 'bug']]);
  });
});

describe('distillery predict: a reader that stops early', () => {
  it('exits quietly when stdout closes (| head -1), with no EPIPE stack', async () => {
    const file = path.join(folder, 'many.jsonl');
    // Far more output than a pipe buffers, so that writes are still pending when the reader goes.
    writeFileSync(file, Array.from({ length: 20_000 }, (_, index) => JSON.stringify({ id: index, text: `refund invoice ${index}` })).join('\n'));
    const child = spawnCli(['predict', studentFile, '--input', file]);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.stdout?.once('data', () => child.stdout?.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toMatch(/EPIPE|^\s+at /m);
    expect(code).toBe(0);
  });
});

describe('distillery predict: bad input', () => {
  it('refuses an empty text argument rather than predicting a label for it', async () => {
    expectRefused(await runCli(['predict', studentFile, 'refund please', '  ']), /text argument 2: the text is empty/);
  });

  it('refuses empty stdin', async () => {
    expectRefused(await runCli(['predict', studentFile], { input: '\n' }), /stdin: the text is empty/);
  });

  it('refuses a file row with an empty or missing text, naming file and line', async () => {
    const file = path.join(folder, 'blank.jsonl');
    writeFileSync(file, '{"text":"refund my invoice"}\n{"text":""}\n');
    expectRefused(await runCli(['predict', studentFile, '--input', file]), /blank\.jsonl:2: the text is empty/);
    writeFileSync(file, '{"text":"refund my invoice"}\n{"body":"x"}\n');
    expectRefused(await runCli(['predict', studentFile, '--input', file]), /blank\.jsonl:2: no "text" field/);
  });

  it.each([['0', /--top must be a positive whole number/], ['abc', /--top must be a positive whole number/], ['4', /--top must be at most 3, the number of labels/]])('refuses --top %s', async (top, pattern) => {
    expectRefused(await runCli(['predict', studentFile, '--top', top, 'refund']), pattern);
  });

  it('refuses texts and --input together, and --lines with arguments', async () => {
    expectRefused(await runCli(['predict', studentFile, 'refund', '--input', 'x.jsonl']), /not both/);
    expectRefused(await runCli(['predict', studentFile, 'refund', '--lines']), /--lines splits stdin/);
  });

  it('refuses an --input file that does not exist', async () => {
    expectRefused(await runCli(['predict', studentFile, '--input', path.join(folder, 'nope.jsonl')]), /cannot read input file .*nope\.jsonl: no such file/);
  });
});
