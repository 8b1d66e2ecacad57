/**
 * Issue 8, item 8: `{{field}}` placeholders besides {{text}} and {{labels}} are filled from each input
 * record, a field no input has is an error at the placeholder's line before any call, and the
 * estimate counts the filled prompt.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { answer, createFakeTeacher } from '../collect/fake-teacher.js';
import { loadTaskFile, SpecError } from '../task/load.js';
import type { ChatMessage } from '../teacher/types.js';
import { estimateInputTokens } from '../teacher/tokens.js';
import { estimateCost } from './estimate.js';
import type { ResolvedTeacher } from './make-teacher.js';
import { runTask } from './run-task.js';

const LONG_TITLE = 'an unusually long and descriptive title that adds tokens to every single prompt it is part of';

function taskYaml(userContent: string): string {
  return [
    'name: fields',
    'project: project',
    'teacher:',
    '  baseURL: http://127.0.0.1:9/v1',
    '  model: fake-model',
    'prompt:',
    '  messages:',
    '    - role: system',
    '      content: "Answer with one of: {{labels}}"',
    '    - role: user',
    `      content: ${JSON.stringify(userContent)}`,
    'labels: [pos, neg]',
    'inputs:',
    '  path: inputs.jsonl',
    'budget:',
    '  maxUSD: 1',
    '  prices: { inputPer1M: 1, outputPer1M: 1 }',
    '',
  ].join('\n');
}

function project(userContent: string, rows: ReadonlyArray<Record<string, unknown>>): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-fields-'));
  writeFileSync(path.join(folder, 'task.yaml'), taskYaml(userContent));
  writeFileSync(path.join(folder, 'inputs.jsonl'), rows.map((row) => JSON.stringify(row)).join('\n'));
  return path.join(folder, 'task.yaml');
}

function recordingTeacher(): { resolved: ResolvedTeacher; prompts: ChatMessage[][] } {
  const prompts: ChatMessage[][] = [];
  const teacher = createFakeTeacher((_call, request) => {
    prompts.push([...request.messages]);
    return answer('pos');
  });
  return { resolved: { teacher, prices: { inputPer1M: 1, outputPer1M: 1 }, priceSource: 'task file', maxOutputTokens: 4 }, prompts };
}

const rows = [
  { text: 'great film', title: 'Review one', stars: 5 },
  { text: 'awful film', title: 'Review two', stars: 1 },
  { text: 'fine film', title: 'Review three', stars: 3 },
];

describe('prompt fields', () => {
  it('fills every {{field}} from its input record before the teacher sees it', async () => {
    const file = project('Title: {{title}} ({{ stars }} stars)\n{{text}}', rows);
    const { resolved, prompts } = recordingTeacher();
    await runTask({ task: await loadTaskFile(file), teacher: resolved, until: 'collect' });
    const users = prompts.map((messages) => messages[1]?.content).sort();
    expect(users).toEqual(['Title: Review one (5 stars)\ngreat film', 'Title: Review three (3 stars)\nfine film', 'Title: Review two (1 stars)\nawful film']);
    expect(prompts.flat().some((message) => message.content.includes('{{'))).toBe(false);
  });

  it('treats one text with two titles as two questions', async () => {
    const file = project('{{title}}: {{text}}', [{ text: 'same words', title: 'A' }, { text: 'same words', title: 'B' }]);
    const { resolved, prompts } = recordingTeacher();
    const result = await runTask({ task: await loadTaskFile(file), teacher: resolved, until: 'collect' });
    expect(result.inputs).toBe(2);
    expect(prompts.map((messages) => messages[1]?.content).sort()).toEqual(['A: same words', 'B: same words']);
  });

  it('stops at the placeholder line, before any call, when no input has the field', async () => {
    const file = project('Author: {{author}}\n{{text}}', rows);
    const { resolved, prompts } = recordingTeacher();
    const error = await runTask({ task: await loadTaskFile(file), teacher: resolved }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).exitCode).toBe(2);
    expect((error as SpecError).message).toContain('task.yaml:11:25: prompt.messages[1].content: {{author}} names a field that no input has (inputs.jsonl has text, title, stars)');
    expect(prompts).toHaveLength(0);
    // The estimate refuses the same task the same way.
    await expect(estimateCost(await loadTaskFile(file), resolved)).rejects.toThrow('{{author}} names a field that no input has');
  });

  it('estimates the tokens of the filled prompt', async () => {
    const withTitle = project('{{title}}\n{{text}}', rows.map((row) => ({ ...row, title: LONG_TITLE })));
    const { resolved } = recordingTeacher();
    const estimate = await estimateCost(await loadTaskFile(withTitle), resolved);
    const expected = rows.reduce((sum, row) => sum + estimateInputTokens([
      { role: 'system', content: 'Answer with one of: pos, neg' },
      { role: 'user', content: `${LONG_TITLE}\n${row.text}` },
    ]), 0);
    expect(estimate.inputTokens).toBe(expected);
    const literal = rows.reduce((sum, row) => sum + estimateInputTokens([
      { role: 'system', content: 'Answer with one of: pos, neg' },
      { role: 'user', content: `{{title}}\n${row.text}` },
    ]), 0);
    expect(estimate.inputTokens).toBeGreaterThan(literal);
  });
});
