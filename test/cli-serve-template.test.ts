/**
 * `distillery serve` finds the task's prompt template (issue 8, item 10): from the student file's
 * header, or, for a student file from before it was recorded, from the task file it was asked to serve.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTaskSpec } from '../src/task/load.js';
import { createStudent } from '../src/student/index.js';
import { startCliServer, type CliServer } from './cli-helpers.js';

const TASK = `name: tickets
teacher: { baseURL: 'http://127.0.0.1:1/v1', model: m }
prompt:
  messages:
    - { role: system, content: 'Route the ticket. Answer with one of: {{labels}}' }
    - { role: user, content: "Ticket:\\n{{text}}" }
labels: [billing, bug]
inputs: { path: x.jsonl }
budget: { maxUSD: 1 }
student: { epochs: 20, dim: 8, buckets: 4096 }
`;

let folder: string;
let studentFile: string;

beforeAll(() => {
  folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-serve-template-'));
  writeFileSync(path.join(folder, 'task.yaml'), TASK);
  const spec = parseTaskSpec(TASK);
  const student = createStudent('ngram', spec.labels, spec.student);
  const data = [['charged twice on my card', 0], ['refund my invoice', 0], ['the app crashes', 1], ['error 500 on upload', 1]].map(([text, label]) => ({ text: String(text), label: Number(label), soft: null }));
  student.fit(data, data);
  studentFile = path.join(folder, '.distillery', 'tickets', 'student.dstl');
  mkdirSync(path.dirname(studentFile), { recursive: true });
  // Written without a prompt, as every student file was before the template was recorded.
  writeFileSync(studentFile, student.toBytes());
});

afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** Starts `serve`, waits for its banner (the line after the URL too), and returns the base URL and everything it printed. */
function serve(target: string): Promise<CliServer> {
  return startCliServer(['serve', target, '--port', '0'], /at (http:\/\/\S+\/v1)\n.*\n/);
}

async function templateHeader(url: string): Promise<string | null> {
  const response = await fetch(`${url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'student', messages: [{ role: 'system', content: 'Route the ticket. Answer with one of: billing, bug' }, { role: 'user', content: 'Ticket:\nthe app crashes' }] }),
  });
  expect(response.status).toBe(200);
  return response.headers.get('x-distillery-template');
}

describe('distillery serve and the prompt template', () => {
  it('says it knows no template when an old student file is served alone', async () => {
    const { child, url, banner } = await serve(studentFile);
    try {
      expect(banner).toContain('no prompt template recorded');
      expect(await templateHeader(url)).toBe('none');
    } finally {
      child.kill('SIGTERM');
    }
  }, 30_000);

  it('inverts the task file\'s template when the task file is served', async () => {
    const { child, url, banner } = await serve(path.join(folder, 'task.yaml'));
    try {
      expect(banner).toContain('x-distillery-template');
      expect(await templateHeader(url)).toBe('matched');
    } finally {
      child.kill('SIGTERM');
    }
  }, 30_000);
});
