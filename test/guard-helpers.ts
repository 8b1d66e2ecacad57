/** Shared fixtures of the guard tests: a small trained student as a real upstream, a temporary guard store, and gateways as child processes. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createKey, openSqliteGuardStore, type GuardStore } from '../src/guard/index.js';
import { startStudentServer } from '../src/serve/student-server.js';
import type { ListeningServer } from '../src/serve/listen.js';
import { spawnCli } from './cli-helpers.js';
import { parseTaskSpec } from '../src/task/load.js';
import { createStudent } from '../src/student/index.js';

const labels = ['billing', 'bug', 'other'];
const examples = [
  ['I was charged twice on my card', 0], ['refund my invoice payment please', 0], ['the invoice amount is wrong', 0],
  ['the app crashes when I click export', 1], ['error 500 when uploading', 1], ['the page freezes and crashes', 1],
  ['where is your office', 2], ['who founded the company', 2], ['thanks for the nice service', 2],
] as const;

/** Starts the student server the way `distillery serve` does, serving model 'tickets'. */
export async function startTicketsUpstream(): Promise<ListeningServer> {
  const settings = parseTaskSpec(`name: t\nteacher: { baseURL: 'http://127.0.0.1:1/v1', model: m }\nprompt: { messages: [{ role: user, content: '{{text}}' }] }\nlabels: [a, b]\ninputs: { path: x.jsonl }\nbudget: { maxUSD: 1 }\nstudent: { epochs: 20, dim: 8, buckets: 4096 }\n`).student;
  const student = createStudent('ngram', labels, settings);
  const data = examples.map(([text, label]) => ({ text, label, soft: null }));
  student.fit(data, data);
  return startStudentServer({ student, modelName: 'tickets' });
}

/** A guard database in a fresh temporary folder, removed by `cleanup`. */
export function temporaryGuardStore(): { store: GuardStore; file: string; cleanup: () => Promise<void> } {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-guard-'));
  const file = path.join(folder, 'guard.db');
  const store = openSqliteGuardStore(file);
  return { store, file, cleanup: async () => { await store.close(); rmSync(folder, { recursive: true, force: true }); } };
}

/** Issues a key named `name` and returns its id and secret. */
export async function issue(store: GuardStore, name = 'test', tier?: string): Promise<{ id: string; secret: string }> {
  const { key, secret } = await createKey(store, { name, ...(tier === undefined ? {} : { tier }) });
  return { id: key.id, secret };
}

/** A `distillery guard serve` child process. */
export interface GatewayProcess {
  /** Base URL ending in /v1. */
  url: string;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** Everything it wrote to stdout so far (the policy-change JSON lines). */
  stdout(): string;
  stop(): Promise<void>;
}

/** Starts `distillery guard serve <args> --port 0` from the sources and resolves once it listens. */
export function startGatewayProcess(args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<GatewayProcess> {
  const child = spawnCli(['guard', 'serve', '--port', '0', ...args], options);
  let stderr = '';
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      const url = /guarding \S+ at (http:\/\/\S+\/v1)/.exec(stderr)?.[1];
      if (url !== undefined) resolve({ url, stderr: () => stderr, stdout: () => stdout, stop });
    });
    child.once('exit', (code) => reject(new Error(`guard serve exited with ${code} before listening:\n${stderr}`)));
  });
}
