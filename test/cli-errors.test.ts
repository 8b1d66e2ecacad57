/**
 * The bad input a new user meets before anything works — a student not trained yet, a project folder
 * the OS refuses, a busy or invalid port, a misspelt stage or option — each answered with one line
 * naming the cause and the documented exit code, never a Node stack trace.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTaskSpec } from '../src/task/load.js';
import { createStudent, saveStudent } from '../src/student/index.js';
import { EXIT } from '../src/util/errors.js';
import { repositoryRoot, runCli, type CliResult } from './cli-helpers.js';

/** The unprivileged user (nobody) the EACCES case runs as under root, which ignores permission bits. */
const NOBODY = 65534;

/** Who runs the EACCES case: this user if unprivileged, else nobody if it can read this checkout, else no one. */
function unprivilegedUser(): { user?: number } | undefined {
  if (process.getuid?.() !== 0) return {};
  const probe = `require('node:fs').accessSync(${JSON.stringify(path.join(repositoryRoot, 'src/cli/main.ts'))}); require(${JSON.stringify(path.join(repositoryRoot, 'node_modules/tsx/package.json'))})`;
  return spawnSync(process.execPath, ['-e', probe], { uid: NOBODY, gid: NOBODY }).status === 0 ? { user: NOBODY } : undefined;
}
const unprivileged = unprivilegedUser();

let folder: string;
let busy: Server;
let busyPort: number;
let studentFile: string;

function taskYaml(extra = ''): string {
  return [
    'name: tickets',
    extra,
    "teacher: { baseURL: 'http://127.0.0.1:1/v1', model: m }",
    "prompt: { messages: [{ role: user, content: 'Answer with one of {{labels}}: {{text}}' }] }",
    'labels: [a, b]',
    'inputs: { path: inputs.jsonl }',
    'budget: { maxUSD: 1 }',
    '',
  ].join('\n');
}

/** Asserts the documented exit code and exactly one line on stderr, with no stack frame. */
function expectOneLine(result: CliResult, code: number, pattern: RegExp): void {
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(pattern);
  expect(result.code).toBe(code);
}

beforeAll(async () => {
  folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-errors-'));
  chmodSync(folder, 0o755); // readable by the unprivileged user of the EACCES case
  writeFileSync(path.join(folder, 'inputs.jsonl'), '{"text":"hello"}\n{"text":"bye"}\n');
  writeFileSync(path.join(folder, 'task.yaml'), taskYaml());
  writeFileSync(path.join(folder, 'a-file'), 'not a folder');
  writeFileSync(path.join(folder, 'under-a-file.yaml'), taskYaml('project: a-file/project'));
  const settings = parseTaskSpec(taskYaml()).student;
  const student = createStudent('ngram', ['a', 'b'], settings);
  const data = [{ text: 'hello there', label: 0, soft: null }, { text: 'bye now', label: 1, soft: null }];
  student.fit(data, data);
  studentFile = path.join(folder, 'tickets.dstl');
  await saveStudent(student, studentFile);
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  busyPort = (busy.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => busy.close(() => resolve()));
  rmSync(folder, { recursive: true, force: true });
});

describe('a student that does not exist yet', () => {
  it('predict before any run says to run first and exits 2', async () => {
    const result = await runCli(['predict', path.join(folder, 'task.yaml'), 'hello']);
    expectOneLine(result, EXIT.invalidInput, /no student yet at .*student\.dstl: run `distillery run task\.yaml` first/);
    expect(result.stdout).toBe('');
  });

  it('serve before any run says to run first and exits 2', async () => {
    const result = await runCli(['serve', path.join(folder, 'task.yaml'), '--port', '0']);
    expectOneLine(result, EXIT.invalidInput, /no student yet at .*student\.dstl: run `distillery run task\.yaml` first/);
  });
});

describe('a project folder the OS refuses', () => {
  it('a project folder under a file (ENOTDIR) is named in one line, exit 5', async () => {
    const result = await runCli(['run', path.join(folder, 'under-a-file.yaml')]);
    expectOneLine(result, EXIT.store, /cannot use the project folder .*a-file[/\\]project: a part of the path is a file, not a folder/);
  });

  // Skipped only as root on a checkout nobody can read (src/util/node-errors.test.ts still covers the mapping).
  it.skipIf(unprivileged === undefined)('an unwritable project folder (EACCES) is named in one line, exit 5', async () => {
    const locked = path.join(folder, 'locked');
    mkdirSync(locked);
    writeFileSync(path.join(locked, 'inputs.jsonl'), '{"text":"hello"}\n');
    writeFileSync(path.join(locked, 'task.yaml'), taskYaml('project: .'));
    chmodSync(locked, 0o555);
    try {
      const result = await runCli(['run', path.join(locked, 'task.yaml')], { ...unprivileged, env: { HOME: os.tmpdir() } });
      expectOneLine(result, EXIT.store, /cannot use the project folder .*locked: permission denied/);
    } finally {
      chmodSync(locked, 0o755);
    }
  });
});

describe('ports', () => {
  it('serve on a busy port says so and exits 2', async () => {
    const result = await runCli(['serve', studentFile, '--port', String(busyPort)]);
    expectOneLine(result, EXIT.invalidInput, new RegExp(`port ${busyPort} is in use; pick another with --port`));
  });

  it('serve --port that is no port is refused in one line, exit 2', async () => {
    const result = await runCli(['serve', studentFile, '--port', 'eighty']);
    expectOneLine(result, EXIT.invalidInput, /--port must be an integer from 0 to 65535 .*got "eighty"/);
  });

  it.each([['abc'], ['70000'], ['-1'], ['80.5']])('guard serve --port %s is refused in one line, exit 2', async (port) => {
    const result = await runCli(['guard', 'serve', '--upstream', 'http://127.0.0.1:1/v1', '--db', path.join(folder, 'guard.db'), '--port', port]);
    expectOneLine(result, EXIT.invalidInput, /--port must be an integer from 0 to 65535/);
  });

  it('guard serve with an --upstream that is no URL is refused in one line, exit 2', async () => {
    const result = await runCli(['guard', 'serve', '--upstream', 'localhost:8000', '--db', path.join(folder, 'guard.db'), '--port', '0']);
    expectOneLine(result, EXIT.invalidInput, /--upstream must be an http:\/\/ or https:\/\/ URL/);
  });
});

describe('flags', () => {
  it('--until with no such stage lists the valid ones, exit 2', async () => {
    const result = await runCli(['run', path.join(folder, 'task.yaml'), '--until', 'training']);
    expectOneLine(result, EXIT.invalidInput, /--until must be one of import, collect, curate, train, evaluate, got "training"/);
  });

  it('an unknown option is a usage error, exit 2', async () => {
    const result = await runCli(['run', path.join(folder, 'task.yaml'), '--retrian']);
    // Commander's own message, with its "did you mean" on a second line; still no stack.
    expect(result.stderr).toMatch(/unknown option '--retrian'/);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.code).toBe(EXIT.invalidInput);
  });
});
