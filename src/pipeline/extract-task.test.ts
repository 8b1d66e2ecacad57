/**
 * An extract task through `run` today: collected and curated with the extract kind reading each
 * completion (a schema-breaking answer recorded as junk, its completion kept); a classify student named
 * for it is a task-file error at its line (training is covered by lm-pipeline.test.ts).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { answer, createFakeTeacher } from '../collect/fake-teacher.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import { loadTaskFile } from '../task/load.js';
import { SpecError } from '../task/load.js';
import type { ResolvedTeacher } from './make-teacher.js';
import { projectPaths } from './project.js';
import { runTask } from './run-task.js';

const TASK = `name: people
kind: extract
project: project
teacher:
  baseURL: http://127.0.0.1:9/v1
  model: fake-model
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
  additionalProperties: false
inputs:
  path: inputs.jsonl
budget:
  maxUSD: 1
  prices: { inputPer1M: 1, outputPer1M: 1 }
`;

/** A project folder with the extract task and three sentences; returns the task file. */
function project(): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-extract-'));
  writeFileSync(path.join(folder, 'task.yaml'), TASK);
  writeFileSync(path.join(folder, 'inputs.jsonl'), ['Ada met Alan.', 'Grace wrote code.', 'It rained.'].map((text) => JSON.stringify({ text })).join('\n'));
  return path.join(folder, 'task.yaml');
}

/** A teacher that answers a fenced object for people, and a schema-breaking one for the rain. */
function teacher(): ResolvedTeacher & { teacher: ReturnType<typeof createFakeTeacher> } {
  const fake = createFakeTeacher((call) => {
    if (call.user.startsWith('Ada')) return answer('```json\n{"people": ["Ada", "Alan"]}\n```');
    if (call.user.startsWith('Grace')) return answer('{"people": ["Grace"]}');
    return answer('{"weather": "rain"}');
  });
  return { teacher: fake, prices: { inputPer1M: 1, outputPer1M: 1 }, priceSource: 'task file', maxOutputTokens: 64 };
}

describe('an extract task', () => {
  it('collects with the extract kind reading answers: schema breakers are junk, completions kept', async () => {
    const file = project();
    const task = await loadTaskFile(file);
    const resolved = teacher();
    const result = await runTask({ task, teacher: resolved, until: 'curate' });
    expect(result.collection).toMatchObject({ called: 3, junk: 1 });
    expect(resolved.teacher.calls[0]?.user).not.toContain('{{');
    const store = openSqliteStore(projectPaths(task.projectDir).database);
    try {
      const responses = await store.listResponses();
      expect(responses.filter((response) => response.kind === 'label')).toHaveLength(2);
      expect(responses.every((response) => response.completion?.raw !== undefined)).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('refuses a classify student for an extract task at the task file\'s line, before any call', async () => {
    const file = project();
    writeFileSync(file, `${TASK}student:\n  kind: ngram\n`);
    const error = await loadTaskFile(file).then(() => null, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(SpecError);
    expect((error as Error).message).toMatch(/task\.yaml:\d+:\d+: student\.kind: extract tasks train the span tagger or the language-model student: use kind: auto \(or leave it out\), span or lm, not ngram/);
  });
});
