/** `distillery route` as a user runs it: a project without a student, in front of a scripted teacher server, with the openai SDK as the client. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from './cli-helpers.js';

let folder: string;
let teacher: Server;
let teacherUrl: string;

beforeAll(async () => {
  folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-route-'));
  // A scripted teacher server: every chat completion is answered "bug".
  teacher = createServer((request, response) => {
    request.resume().on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ id: 'chatcmpl-s', object: 'chat.completion', created: 1, model: 'local-teacher', choices: [{ index: 0, message: { role: 'assistant', content: 'bug' }, finish_reason: 'stop', logprobs: null }] }));
    });
  });
  await new Promise<void>((resolve) => teacher.listen(0, '127.0.0.1', resolve));
  teacherUrl = `http://127.0.0.1:${(teacher.address() as AddressInfo).port}/v1`;
  writeFileSync(path.join(folder, 'task.yaml'), `name: t\nproject: .\nteacher: { baseURL: '${teacherUrl}', model: local-teacher }\nprompt: { messages: [{ role: user, content: '{{text}}' }] }\nlabels: [billing, bug]\ninputs: { path: x.jsonl }\nbudget: { maxUSD: 1 }\n`);
});

afterAll(async () => {
  teacher.closeAllConnections();
  await new Promise<void>((resolve) => teacher.close(() => resolve()));
  rmSync(folder, { recursive: true, force: true });
});

describe('distillery route', () => {
  it('without a student, says why at startup and sends every call to the scripted teacher server', async () => {
    const child = spawnCli(['route', folder, '--port', '0']);
    try {
      const { url, stderr } = await new Promise<{ url: string; stderr: string }>((resolve, reject) => {
        let text = '';
        child.stderr?.on('data', (chunk: Buffer) => {
          text += chunk.toString('utf8');
          const match = /at (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(text);
          if (match?.[1] !== undefined && text.includes('every call goes to the teacher')) resolve({ url: match[1], stderr: text });
        });
        child.once('exit', (code) => reject(new Error(`route exited (${code}): ${text}`)));
      });
      expect(stderr).toMatch(/every call goes to the teacher: no student file at .*student\.dstl/);
      const client = new OpenAI({ baseURL: url, apiKey: 'sk-app', maxRetries: 0 });
      const { data, response } = await client.chat.completions.create({ model: 'local-teacher', messages: [{ role: 'user', content: 'it crashes' }] }).withResponse();
      expect(response.headers.get('x-distillery-route')).toBe('teacher');
      expect(data.choices[0]?.message.content).toBe('bug');
      const metrics = await (await fetch(url.replace(/\/v1$/, '/metrics'))).text();
      expect(metrics).toContain('distillery_route_requests_total{route="teacher"} 1');
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('rejects a bad --target-agreement in one line with exit 2', async () => {
    const result = await runCli(['route', folder, '--target-agreement', '1.2']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('distillery: --target-agreement must be a number in (0, 1], e.g. 0.98; got "1.2"');
  });
});
