/** The prompt template reaches the student file (issue 8, item 10): `serve` inverts it to find the input. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { answer, createFakeTeacher } from '../collect/fake-teacher.js';
import { loadTaskFile } from '../task/load.js';
import { loadStudentFile, readStudentPrompt } from '../student/file-format.js';
import type { ResolvedTeacher } from './make-teacher.js';
import { projectPaths } from './project.js';
import { runTask } from './run-task.js';

const TASK = [
  'name: prompt-header',
  'project: project',
  'teacher:',
  '  baseURL: http://127.0.0.1:9/v1',
  '  model: fake-model',
  'prompt:',
  '  messages:',
  '    - role: system',
  '      content: "Answer with one of: {{labels}}"',
  '    - role: user',
  '      content: "Review:\\n{{text}}"',
  'labels: [pos, neg]',
  'inputs:',
  '  path: inputs.jsonl',
  'budget:',
  '  maxUSD: 1',
  '  prices: { inputPer1M: 1, outputPer1M: 1 }',
  'student:',
  '  epochs: 2',
  '',
].join('\n');

function teacher(): ResolvedTeacher {
  const fake = createFakeTeacher((call) => answer(call.user.includes('good') ? 'pos' : 'neg'));
  return { teacher: fake, prices: { inputPer1M: 1, outputPer1M: 1 }, priceSource: 'task file', maxOutputTokens: 4 };
}

describe('train stage', () => {
  it('records the task prompt in the student file, and adds it to a file from before it was recorded', async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-train-'));
    writeFileSync(path.join(folder, 'task.yaml'), TASK);
    const rows = Array.from({ length: 60 }, (_, index) => JSON.stringify({ text: `${index % 2 === 0 ? 'good' : 'bad'} review number ${index}` }));
    writeFileSync(path.join(folder, 'inputs.jsonl'), rows.join('\n'));
    const task = await loadTaskFile(path.join(folder, 'task.yaml'));
    const expected = { messages: [{ role: 'system', content: 'Answer with one of: {{labels}}' }, { role: 'user', content: 'Review:\n{{text}}' }] };
    await runTask({ task, teacher: teacher(), until: 'train' });
    const studentFile = projectPaths(task.projectDir).student;
    expect(readStudentPrompt(studentFile)).toEqual(expected);

    // A student file written before the prompt was kept: the next run's reuse of it records the prompt.
    writeFileSync(studentFile, loadStudentFile(studentFile).toBytes());
    expect(readStudentPrompt(studentFile)).toBeNull();
    const events: string[] = [];
    await runTask({ task, teacher: teacher(), until: 'train', emit: (event) => events.push(event.type === 'stage-skip' ? `skip ${event.stage}` : event.type) });
    expect(events).toContain('skip train');
    expect(readStudentPrompt(studentFile)).toEqual(expected);
  });
});
