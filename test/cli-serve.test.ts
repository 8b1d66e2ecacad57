/** `distillery serve` and `distillery predict` as a user runs them, with the official openai SDK as the client. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordStudentPrompt } from '../src/student/index.js';
import { spanTaggerToBytes } from '../src/student/span/serialise.js';
import { trainSpanTagger } from '../src/student/span/train.js';
import { runCli, startCliServer } from './cli-helpers.js';
import { saveTicketStudent, TICKET_LABELS } from './ticket-student.js';

let folder: string;
let studentFile: string;

beforeAll(async () => {
  folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-serve-'));
  studentFile = path.join(folder, 'tickets.dstl');
  await saveTicketStudent(studentFile);
});

afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('distillery serve', () => {
  it('answers the openai SDK, plain and streaming, with logprobs', async () => {
    const { child, url } = await startCliServer(['serve', studentFile, '--port', '0']);
    try {
      const client = new OpenAI({ baseURL: url, apiKey: 'unused' });
      const models = await client.models.list();
      expect(models.data.map((model) => model.id)).toEqual(['tickets']);
      const completion = await client.chat.completions.create({
        model: 'tickets',
        messages: [{ role: 'user', content: 'I was charged twice on my invoice' }],
        logprobs: true,
        top_logprobs: 3,
      });
      expect(completion.choices[0]?.message.content).toBe('billing');
      const top = completion.choices[0]?.logprobs?.content?.[0]?.top_logprobs ?? [];
      expect(top.map((entry) => entry.token).sort()).toEqual([...TICKET_LABELS].sort());
      expect(top.reduce((sum, entry) => sum + Math.exp(entry.logprob), 0)).toBeCloseTo(1, 4);

      const stream = await client.chat.completions.create({ model: 'tickets', messages: [{ role: 'user', content: 'the app crashes with an error' }], stream: true });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      expect(text).toBe('bug');
    } finally {
      child.kill('SIGTERM');
    }
  }, 30_000);

  it('serves a span-tagger student file: the banner names it, and the teacher\'s exact prompt gets its JSON answer', async () => {
    const schema = { type: 'object', properties: { people: { type: 'array', items: { type: 'string' } } }, required: ['people'] };
    const train = ['Ann', 'Bob', 'Cleo', 'Dan'].flatMap((name) => [{ input: `${name} called today.`, answer: JSON.stringify({ people: [name] }) }, { input: 'Nobody called today.', answer: '{"people":[]}' }]);
    const spanFile = path.join(folder, 'people.dstl');
    writeFileSync(spanFile, spanTaggerToBytes(trainSpanTagger(train, schema, { epochs: 10, bits: 10 }).tagger));
    await recordStudentPrompt(spanFile, { messages: [{ role: 'system', content: 'Who called? JSON.' }, { role: 'user', content: 'Note: {{text}}' }] });
    const { child, url, banner } = await startCliServer(['serve', spanFile, '--port', '0']);
    try {
      expect(banner).toMatch(/^serving span-tagger student "people" \(fields people\) at http/);
      const client = new OpenAI({ baseURL: url, apiKey: 'unused', maxRetries: 0 });
      const { data, response } = await client.chat.completions.create({ model: 'people', messages: [{ role: 'system', content: 'Who called? JSON.' }, { role: 'user', content: 'Note: Cleo called today.' }] }).withResponse();
      expect(data.choices[0]?.message.content).toBe('{"people":["Cleo"]}');
      expect(response.headers.get('x-distillery-template')).toBe('matched');
    } finally {
      child.kill('SIGTERM');
    }
  }, 60_000);

  it('refuses --watermark for a span-tagger student in one line with exit 2', async () => {
    const spanFile = path.join(folder, 'people-mark.dstl');
    writeFileSync(spanFile, spanTaggerToBytes(trainSpanTagger([{ input: 'Ann called.', answer: '{"people":["Ann"]}' }], { type: 'object', properties: { people: { type: 'array', items: { type: 'string' } } } }, { epochs: 1, bits: 8 }).tagger));
    const keyFile = path.join(folder, 'missing-key.json');
    const result = await runCli(['serve', spanFile, '--port', '0', '--watermark', keyFile]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('distillery: --watermark needs a language-model student; this is a span-tagger student, whose answer copies spans of the input and samples no tokens to mark');
  }, 60_000);

  it('refuses a corrupt student file with a clear message', async () => {
    const corrupt = path.join(folder, 'corrupt.dstl');
    writeFileSync(corrupt, 'this is not a student');
    const result = await runCli(['serve', corrupt, '--port', '0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/not a Distillery student file/);
  });
});

describe('distillery predict', () => {
  it('labels lines from stdin as JSON with --lines', async () => {
    const result = await runCli(['predict', studentFile, '--top', '2', '--lines'], { input: 'refund my payment\nwho founded you\n' });
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { label: string; top: unknown[] });
    expect(lines.map((line) => line.label)).toEqual(['billing', 'other']);
    expect(lines[0]?.top).toHaveLength(2);
  });
});
