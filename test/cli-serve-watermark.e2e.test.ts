/**
 * `distillery serve --watermark key.json` end to end, as an owner runs it: a language-model student
 * trained here (seconds) on free text, served by the real CLI, called with the official openai client,
 * and its answers scored by `distillery watermark detect`. Keys have fixed secrets and requests fixed
 * seeds, so every p-value below is the same on every run. Behind DISTILLERY_E2E=1 (which CI sets):
 * it spawns the CLI four times, 93 s of wall time on a loaded 2-core machine (16 s of CPU).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWatermarkKeyFile } from '../src/evidence/watermark-key-file.js';
import { startLanguageModelServer } from '../src/serve/language-model-server.js';
import { saveStudent } from '../src/student/file-format.js';
import type { GenerativeStudent } from '../src/student/lm/types.js';
import { trainLanguageModelStudent } from '../src/student/lm/lm-student.js';
import { createStudent } from '../src/student/registry.js';
import { testSettings } from '../src/student/synthetic-task.js';
import { createRandom } from '../src/util/random.js';
import { jsonLines, runCli, startCliServer } from './cli-helpers.js';

const enabled = process.env['DISTILLERY_E2E'] === '1';

const WORDS = 'the a river stone light green small old house runs falls under over near cold bright quiet dog cat sings and slowly water tree morning night wind field road far'.split(' ');

/** Prompts "write about X" answered with 100 random words: a student that writes high-entropy text. */
function freeTextExamples(): Array<{ prompt: string; answer: string }> {
  const random = createRandom(5);
  return Array.from({ length: 24 }, (_, index) => ({ prompt: `write about ${WORDS[index % WORDS.length]}`, answer: Array.from({ length: 100 }, () => WORDS[random.nextInt(WORDS.length)]).join(' ') }));
}

let folder: string;
let studentFile: string;
let student: GenerativeStudent;

/** A key file with a fixed secret. */
function keyFile(name: string, scheme: 'kgw' | 'gumbel', contextWidth: number): string {
  const file = path.join(folder, name);
  writeFileSync(file, JSON.stringify({ scheme, version: 1, secret: Buffer.alloc(32, 7).toString('base64'), gamma: 0.25, delta: 2, contextWidth, seedingScheme: 'lefthash' }));
  return file;
}

beforeAll(async () => {
  if (!enabled) return;
  folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-serve-watermark-'));
  ({ student } = trainLanguageModelStudent(freeTextExamples(), undefined, {
    vocabularySize: 420,
    config: { width: 32, layers: 1, heads: 4, keyValueHeads: 2, hiddenWidth: 64, context: 400 },
    training: { steps: 30, batchSize: 4, learningRate: 1e-2, warmupSteps: 5, evaluateEvery: 10, patience: 100, seed: 3 },
  }));
  studentFile = path.join(folder, 'writer.dstl');
  writeFileSync(studentFile, student.toBytes());
});

afterAll(() => {
  if (enabled) rmSync(folder, { recursive: true, force: true });
});

/** Serves the student in process (a real loopback server), watermarked with `keyPath` when given, for `use`. */
async function withInProcessServer<T>(keyPath: string | undefined, use: (client: OpenAI) => Promise<T>): Promise<T> {
  const watermark = keyPath === undefined ? undefined : await readWatermarkKeyFile(keyPath);
  const server = await startLanguageModelServer({ student, modelName: 'writer', ...(watermark === undefined ? {} : { watermark }) });
  try {
    return await use(new OpenAI({ baseURL: server.url, apiKey: 'unused', maxRetries: 0 }));
  } finally {
    await server.close();
  }
}

/** Starts `distillery serve …` (the real CLI), calls `use` with an openai client on it, and stops the server. */
async function withCliServer<T>(args: readonly string[], use: (client: OpenAI) => Promise<T>): Promise<T> {
  const { child, url } = await startCliServer(['serve', studentFile, '--port', '0', '--model', 'writer', ...args]);
  try {
    return await use(new OpenAI({ baseURL: url, apiKey: 'unused', maxRetries: 0 }));
  } finally {
    child.kill('SIGTERM');
  }
}

/** Sampled answers (the last one streamed) written into one file: the served text an owner would check. */
async function servedText(client: OpenAI, name: string): Promise<string> {
  const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'user', content: 'write about the river' }];
  const completion = await client.chat.completions.create({ model: 'writer', messages, temperature: 1, seed: 11, n: 7, max_tokens: 120 });
  const texts = completion.choices.map((choice) => choice.message.content ?? '');
  let streamed = '';
  for await (const chunk of await client.chat.completions.create({ model: 'writer', messages, temperature: 1, seed: 99, max_tokens: 120, stream: true })) streamed += chunk.choices[0]?.delta.content ?? '';
  const file = path.join(folder, name);
  writeFileSync(file, [...texts, streamed].join('\n'));
  return file;
}

/** What detect prints for one text. */
interface Detection { source: string; tokens: number; scored: number; pValue: number; verdict: string }

/** `distillery watermark detect --json` on files, one line each (printed, so the figures are on record). */
async function detect(key: string, ...files: string[]): Promise<Detection[]> {
  const result = await runCli(['watermark', 'detect', '--key', key, '--tokenizer', studentFile, '--json', ...files]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const lines = jsonLines(result.stdout) as unknown as Detection[];
  for (const line of lines) process.stdout.write(`${path.basename(line.source)}: ${line.tokens} tokens, ${line.scored} scored, p = ${line.pValue.toPrecision(3)}\n`);
  return lines;
}

describe.skipIf(!enabled)('distillery serve --watermark (end to end)', () => {
  it('marks a KGW student\'s answers: p < 1e-6 over a few hundred tokens, a large p for the same student served unmarked', async () => {
    const key = keyFile('kgw.json', 'kgw', 1);
    const markedFile = await withCliServer(['--watermark', key], (client) => servedText(client, 'kgw-marked.txt'));
    const plainFile = await withInProcessServer(undefined, (client) => servedText(client, 'plain.txt'));
    const [marked, plain] = await detect(key, markedFile, plainFile);
    expect(marked?.scored).toBeGreaterThanOrEqual(200);
    expect(marked?.pValue).toBeLessThan(1e-6);
    expect(plain?.scored).toBeGreaterThanOrEqual(200);
    expect(plain?.pValue).toBeGreaterThan(1e-2);
  }, 120_000);

  it('marks with a Gumbel key through the sampler seam (h = 3: with h = 1 the keyed choice loops)', async () => {
    const key = keyFile('gumbel.json', 'gumbel', 3);
    const markedFile = await withInProcessServer(key, (client) => servedText(client, 'gumbel-marked.txt'));
    const plainFile = await withInProcessServer(undefined, (client) => servedText(client, 'plain-again.txt'));
    const [marked, plain] = await detect(key, markedFile, plainFile);
    expect(marked?.scored).toBeGreaterThanOrEqual(200);
    expect(marked?.pValue).toBeLessThan(1e-6);
    expect(plain?.pValue).toBeGreaterThan(1e-2);
  }, 120_000);

  it('is a usage error for a classifier student, and for a missing key file', async () => {
    const classifierFile = path.join(folder, 'labels.dstl');
    await saveStudent(createStudent('ngram', ['a', 'b'], testSettings()), classifierFile);
    const classifier = await runCli(['serve', classifierFile, '--port', '0', '--watermark', keyFile('k.json', 'kgw', 1)]);
    expect(classifier.code).toBe(2);
    expect(classifier.stderr).toMatch(/^distillery: --watermark needs a language-model student; this is a classifier student \(kind ngram\)/);
    expect(classifier.stderr.trim().split('\n')).toHaveLength(1);
    const missing = await runCli(['serve', studentFile, '--port', '0', '--watermark', path.join(folder, 'none.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read the watermark key .*none\.json/);
  }, 60_000);
});
