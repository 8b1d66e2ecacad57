/**
 * Issue 8, items 8 and 9 as a user meets them on the command line: task file warnings on stderr (and
 * as JSON events), and a prompt field no input has stopping `run --estimate` at its line with exit 2.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, runCli } from './cli-helpers.js';

let folder: string;

function taskYaml(userContent: string, system = 'Answer with one of: {{labels}}'): string {
  return [
    'name: cli-input',
    'teacher:',
    '  baseURL: http://127.0.0.1:9/v1',
    '  model: local-model',
    'prompt:',
    '  messages:',
    '    - role: system',
    `      content: ${JSON.stringify(system)}`,
    '    - role: user',
    `      content: ${JSON.stringify(userContent)}`,
    'labels: [pos, neg]',
    'inputs:',
    '  path: inputs.jsonl',
    'budget:',
    '  maxUSD: 1',
    '',
  ].join('\n');
}

beforeAll(() => {
  folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-cli-input-'));
  writeFileSync(path.join(folder, 'inputs.jsonl'), '{"text":"great","title":"A"}\n{"text":"awful","title":"B"}\n');
});

afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('task file warnings and prompt fields on the command line', () => {
  it('prints a prompt without {{labels}} as one warning line on stderr, and as a JSON event with --json', async () => {
    const file = path.join(folder, 'nolabels.yaml');
    writeFileSync(file, taskYaml('{{text}}', 'Answer with the sentiment'));
    const human = await runCli(['run', file, '--estimate']);
    expect(human.code).toBe(0);
    expect(human.stderr).toContain('⚠ nolabels.yaml:6:3: prompt.messages: no message contains {{labels}}');
    expect(human.stderr.split('\n').filter((line) => line.includes('{{labels}}'))).toHaveLength(1);
    const json = await runCli(['run', file, '--estimate', '--json']);
    expect(json.code).toBe(0);
    const events = jsonLines(json.stdout);
    expect(events[0]).toMatchObject({ type: 'task-warning', field: 'prompt.messages', line: 6, column: 3 });
    expect(events[1]).toMatchObject({ type: 'estimate', inputs: 2 });
  }, 60_000);

  it('stops at the line of a placeholder that no input has, with exit 2', async () => {
    const file = path.join(folder, 'author.yaml');
    writeFileSync(file, taskYaml('{{author}}: {{text}}'));
    const result = await runCli(['run', file, '--estimate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('author.yaml:10:17: prompt.messages[1].content: {{author}} names a field that no input has (inputs.jsonl has text, title)');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
