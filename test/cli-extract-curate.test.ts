/**
 * `distillery run --until curate` on an extract task as a user meets it, against a scripted
 * loopback OpenAI-compatible teacher: the curation counts in the JSON output, a task whose answers
 * are all refusals stopping with exit 2 and a line naming the filter, a bad refusal pattern at its line.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, runCli } from './cli-helpers.js';

let folder: string;
let server: Server;
let baseURL: string;

/** The scripted teacher's answer to a user message: a refusal, a cut-off answer, or valid JSON. */
function scripted(user: string): { content: string; finish: string } {
  if (user.startsWith('refuse')) return { content: "I'm sorry, but I can't help with that.", finish: 'stop' };
  if (user.startsWith('cut')) return { content: '{"people": ["Gr', finish: 'length' };
  return { content: `{"people": ["${user.split(' ')[0]}"]}`, finish: 'stop' };
}

function taskYaml(name: string, extra = ''): string {
  return `name: ${name}
kind: extract
project: ${name}-project
teacher:
  baseURL: ${baseURL}
  model: scripted-model
  logprobs: false
  maxTokens: 32
prompt:
  messages:
    - role: system
      content: "List the people as JSON matching {{schema}}"
    - role: user
      content: "{{text}}"
schema:
  type: object
  properties:
    people: { type: array, items: { type: string } }
  required: [people]
inputs:
  path: ${name}.jsonl
${extra}budget:
  maxUSD: 1
  prices: { inputPer1M: 1, outputPer1M: 1 }
`;
}

/** Writes a task and its inputs; returns the task file. */
function writeTask(name: string, texts: readonly string[], extra = ''): string {
  writeFileSync(path.join(folder, `${name}.jsonl`), texts.map((text) => JSON.stringify({ text })).join('\n'));
  const file = path.join(folder, `${name}.yaml`);
  writeFileSync(file, taskYaml(name, extra));
  return file;
}

beforeAll(async () => {
  folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-cli-extract-'));
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const messages = (JSON.parse(body) as { messages: Array<{ role: string; content: string }> }).messages;
      const { content, finish } = scripted(messages.find((message) => message.role === 'user')?.content ?? '');
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({
        id: 'chatcmpl-scripted', object: 'chat.completion', created: 1_700_000_000, model: 'scripted-model',
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: finish }],
        usage: { prompt_tokens: 20, completion_tokens: 8, total_tokens: 28 },
      }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(folder, { recursive: true, force: true });
});

const NAMES = ['Ada', 'Grace', 'Alan', 'Linus', 'Barbara', 'Donald', 'Edsger', 'Frances', 'Ken', 'Margaret', 'Niklaus', 'Radia'];

describe('run --until curate on an extract task (scripted loopback teacher)', () => {
  it('prints the per-filter counts in the curate stage-done JSON line and exits 0', async () => {
    const texts = [...NAMES.map((name) => `${name} wrote a program in ${name.length} days.`), 'refuse: a private diary entry.', 'cut: a very long story about Grace Hopper.'];
    const result = await runCli(['run', writeTask('mixed', texts), '--until', 'curate', '--json'], { cwd: folder });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const done = jsonLines(result.stdout).find((event) => event.type === 'stage-done' && event.stage === 'curate');
    expect(done).toMatchObject({ data: { curation: { unanswered: 0, report: { filtered: { truncated: 1, empty: 0, refusal: 1, schema: 0, unreadable: 0 } } } } });
    expect((done?.data as { curation: { recipes: string[] } }).curation.recipes).toContain('exports/train_trl.py');
  }, 60_000);

  it('stops with exit 2 and one line naming the filter when every answer is a refusal', async () => {
    const file = writeTask('refusals', NAMES.map((name) => `refuse: the diary of ${name}.`));
    const result = await runCli(['run', file, '--until', 'curate'], { cwd: folder });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^distillery: no answers left after filtering: refusal removed \d+ of \d+$/m);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const json = await runCli(['run', file, '--until', 'curate', '--json'], { cwd: folder });
    expect(json.code).toBe(2);
    expect(jsonLines(json.stdout).at(-1)).toMatchObject({ type: 'error', exitCode: 2 });
  }, 60_000);

  it('an invalid refusal pattern is an error at its line of the task file, exit 2', async () => {
    const file = writeTask('badpattern', ['Ada met Alan.'], 'curate:\n  refusalPatterns: ["(unclosed"]\n');
    const result = await runCli(['run', file, '--estimate'], { cwd: folder });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/badpattern\.yaml:23:\d+: curate\.refusalPatterns\[0\]: not a valid regular expression/);
  }, 60_000);
});
