import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTaskFile, parseTaskSpec, SpecError } from './load.js';
import { buildMessages } from './template.js';

const valid = `name: sentiment
teacher:
  baseURL: https://api.openai.com/v1
  model: gpt-4o-mini
  apiKeyEnv: OPENAI_API_KEY
prompt:
  messages:
    - role: system
      content: "Answer with one of: {{labels}}"
    - role: user
      content: "{{text}}"
labels: [positive, negative]
inputs:
  path: reviews.jsonl
  goldField: label
budget:
  maxUSD: 2
`;

function problemsOf(text: string): SpecError {
  try {
    parseTaskSpec(text, 'task.yaml');
  } catch (error) {
    if (error instanceof SpecError) return error;
    throw error;
  }
  throw new Error('expected a SpecError');
}

describe('parseTaskSpec', () => {
  it('fills every default of a minimal valid file', () => {
    const spec = parseTaskSpec(valid);
    expect(spec.limits.concurrency).toBe(8);
    expect(spec.student.kind).toBe('ngram');
    expect(spec.student.temperature).toBe(2);
    expect(spec.split).toEqual({ train: 0.8, val: 0.1, test: 0.1, seed: 'distillery' });
    expect(spec.curate.dedup).toBe('near');
    expect(spec.teacher.topLogprobs).toBe(20);
    expect(spec.inputs.format).toBe('auto');
  });

  it('points at the line of a duplicate label', () => {
    const error = problemsOf(valid.replace('labels: [positive, negative]', 'labels:\n  - positive\n  - negative\n  - positive'));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatchObject({ field: 'labels[2]', line: 15 });
    expect(error.message).toContain('duplicate label "positive"');
  });

  it('names unknown settings and a bad URL with their lines', () => {
    const error = problemsOf(valid.replace('baseURL: https://api.openai.com/v1', 'baseURL: not a url\n  colour: blue'));
    const fields = error.problems.map((problem) => problem.field).sort();
    expect(fields).toEqual(['teacher', 'teacher.baseURL']);
    const url = error.problems.find((problem) => problem.field === 'teacher.baseURL');
    expect(url?.line).toBe(3);
    expect(error.message).toMatch(/unknown setting "colour"/);
  });

  it('reports a missing required section', () => {
    const error = problemsOf(valid.replace(/budget:\n {2}maxUSD: 2\n/, ''));
    expect(error.problems[0]).toMatchObject({ field: 'budget', message: 'is required' });
  });

  it('rejects YAML syntax errors with a line', () => {
    const error = problemsOf('name: x\nteacher: [unclosed\n');
    expect(error.message).toContain('is not valid YAML');
    expect(error.problems[0]?.line).toBeGreaterThan(0);
  });

  it('rejects a prompt that never includes the input', () => {
    const error = problemsOf(valid.replace('content: "{{text}}"', 'content: "hello"'));
    expect(error.problems[0]?.field).toBe('prompt.messages');
    expect(error.message).toContain('{{text}}');
  });

  it('rejects a key written in place of an environment variable name', () => {
    const error = problemsOf(valid.replace('apiKeyEnv: OPENAI_API_KEY', 'apiKeyEnv: sk-abc123'));
    expect(error.problems[0]?.field).toBe('teacher.apiKeyEnv');
  });

  it('rejects splits that do not add up to one', () => {
    const error = problemsOf(`${valid}split:\n  train: 0.5\n  val: 0.1\n  test: 0.1\n`);
    expect(error.message).toContain('must add up to 1');
  });

  it('rejects a document that is not a mapping', () => {
    expect(problemsOf('- just\n- a list\n').message).toContain('is not a task file');
  });
});

describe('loadTaskFile', () => {
  it('resolves the project folder next to the task file', async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'distillery-spec-'));
    const file = path.join(folder, 'task.yaml');
    await writeFile(file, valid);
    const loaded = await loadTaskFile(file);
    expect(loaded.baseDir).toBe(folder);
    expect(loaded.projectDir).toBe(path.join(folder, '.distillery', 'sentiment'));
  });

  it('says when the file does not exist', async () => {
    await expect(loadTaskFile('/nonexistent/task.yaml')).rejects.toThrow(/no such file/);
  });
});

describe('buildMessages', () => {
  it('fills {{text}} and {{labels}}', () => {
    const messages = buildMessages(parseTaskSpec(valid), 'great film');
    expect(messages).toEqual([
      { role: 'system', content: 'Answer with one of: positive, negative' },
      { role: 'user', content: 'great film' },
    ]);
  });
});
