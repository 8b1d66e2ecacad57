import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTaskFile, parseTaskSpec, parseTaskText, SpecError } from './load.js';
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

describe('task file validation (issue 8, item 9)', () => {
  it('rejects a baseURL without a scheme, at its key', () => {
    for (const url of ['localhost:11434/v1', 'api.openai.com/v1']) {
      const error = problemsOf(valid.replace('https://api.openai.com/v1', url));
      expect(error.problems).toHaveLength(1);
      expect(error.problems[0]).toMatchObject({ field: 'teacher.baseURL', line: 3, column: 3 });
      expect(error.message).toContain('task.yaml:3:3: teacher.baseURL: must be an http:// or https:// URL');
    }
  });

  it('keeps accepting http and https base URLs', () => {
    expect(parseTaskSpec(valid.replace('https://api.openai.com/v1', 'http://127.0.0.1:11434/v1')).teacher.baseURL).toBe('http://127.0.0.1:11434/v1');
  });

  it('rejects labels that differ only in case, naming both', () => {
    const error = problemsOf(valid.replace('labels: [positive, negative]', 'labels:\n  - positive\n  - negative\n  - Positive'));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatchObject({ field: 'labels[2]', line: 15, column: 5 });
    expect(error.message).toContain('task.yaml:15:5: labels[2]: labels "positive" (labels[0]) and "Positive" (labels[2]) differ only in case or spaces');
  });

  it('rejects labels that differ only in surrounding or inner whitespace', () => {
    const surrounding = problemsOf(valid.replace('labels: [positive, negative]', 'labels: ["not spam", "spam", " not spam "]'));
    expect(surrounding.message).toContain('labels "not spam" (labels[0]) and " not spam " (labels[2]) differ only in case or spaces');
    const inner = problemsOf(valid.replace('labels: [positive, negative]', 'labels: ["not spam", "notspam"]'));
    expect(inner.problems[0]).toMatchObject({ field: 'labels[1]', line: 12 });
    expect(inner.message).toContain('labels "not spam" (labels[0]) and "notspam" (labels[1])');
  });

  it('warns, at the messages key, when no message lists the {{labels}}', () => {
    const parsed = parseTaskText(valid.replace('Answer with one of: {{labels}}', 'Answer with the sentiment'));
    expect(parsed.warnings).toEqual([expect.objectContaining({ field: 'prompt.messages', line: 7, column: 3 })]);
    expect(parsed.warnings[0]?.message).toContain('no message contains {{labels}}');
    expect(parseTaskText(valid).warnings).toEqual([]);
  });

  it('points a mistyped key at its own line and suggests the closest valid key', () => {
    const error = problemsOf(valid.replace('  model: gpt-4o-mini\n', '  model: gpt-4o-mini\n  temprature: 0.5\n'));
    expect(error.problems).toEqual([{ field: 'teacher', line: 5, column: 3, message: 'unknown setting "temprature" (did you mean "temperature"?)' }]);
    expect(error.message).toContain('task.yaml:5:3: teacher: unknown setting "temprature" (did you mean "temperature"?)');
  });

  it('suggests at every level, one problem per key, and lists the valid keys when none is close', () => {
    const error = problemsOf(`${valid.replace('name: sentiment', 'nmae: sentiment\nname: sentiment')}studnet:\n  epochs: 3\ncolour: blue\n`);
    expect(error.problems.map((problem) => [problem.line, problem.column, problem.message])).toEqual([
      [1, 1, 'unknown setting "nmae" (did you mean "name"?)'],
      [19, 1, 'unknown setting "studnet" (did you mean "student"?)'],
      [21, 1, expect.stringMatching(/^unknown setting "colour"; valid here: name, project, teacher, prompt, labels, inputs, budget/)],
    ]);
  });

  it('points a missing required setting at its parent key', () => {
    const error = problemsOf(valid.replace('  model: gpt-4o-mini\n', ''));
    expect(error.problems).toEqual([{ field: 'teacher.model', line: 2, column: 1, message: 'is required' }]);
  });
});

describe('loadTaskFile', () => {
  it('hands back the warnings and the lines of input-field placeholders', async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'distillery-spec-'));
    const file = path.join(folder, 'task.yaml');
    await writeFile(file, valid.replace('content: "{{text}}"', 'content: "Title: {{ title }}\\n{{text}}"').replace('Answer with one of: {{labels}}', 'Answer'));
    const loaded = await loadTaskFile(file);
    expect(loaded.warnings?.map((warning) => warning.field)).toEqual(['prompt.messages']);
    expect(loaded.promptFields).toEqual([{ name: 'title', field: 'prompt.messages[1].content', line: 11, column: 24 }]);
  });

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

describe('buildMessages with input fields', () => {
  it('fills every {{field}} from the record, and leaves a field this record lacks empty', () => {
    const spec = parseTaskSpec(valid.replace('content: "{{text}}"', 'content: "[{{ title }}] {{text}} ({{stars}})"'));
    expect(buildMessages(spec, 'great film', { title: 'Heat', stars: '5' })[1]).toEqual({ role: 'user', content: '[Heat] great film (5)' });
    expect(buildMessages(spec, 'great film', { title: 'Heat' })[1]?.content).toBe('[Heat] great film ()');
    // A value is inserted as it is: placeholders inside it are not filled again.
    expect(buildMessages(spec, '{{title}}', { title: '{{text}}' })[1]?.content).toBe('[{{text}}] {{title}} ()');
  });
});
