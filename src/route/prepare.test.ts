import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MissingKeyError, SetupError } from '../pipeline/errors.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import { saveStudent } from '../student/file-format.js';
import { spanTaggerToBytes } from '../student/span/serialise.js';
import { trainSpanTagger } from '../student/span/train.js';
import { createStudent } from '../student/registry.js';
import { testSettings } from '../student/synthetic-task.js';
import { UsageError } from '../util/errors.js';
import { prepareRoute } from './prepare.js';

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

/** A project folder holding a task.yaml (project: '.') for a local teacher. */
function project(teacher = 'baseURL: http://127.0.0.1:9/v1\n  model: local-teacher'): string {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'route-prepare-'));
  directories.push(directory);
  writeFileSync(path.join(directory, 'task.yaml'), [
    'name: route-test', 'project: .', 'teacher:', `  ${teacher}`, 'prompt:', '  messages:', '    - role: user', '      content: "Sentiment of: {{text}}"',
    'labels: [good, bad]', 'inputs:', '  path: inputs.jsonl', 'budget:', '  maxUSD: 1', '',
  ].join('\n'));
  return directory;
}

describe('prepareRoute', () => {
  it('sends everything to the teacher, and says why, when the project has no student file', async () => {
    const directory = project();
    const prepared = await prepareRoute(directory, 0.98, {});
    expect(prepared.options.student).toBeNull();
    expect(prepared.options.threshold).toBeNull();
    expect(prepared.notes[0]).toMatch(/^every call goes to the teacher: no student file at .*student\.dstl/);
    expect(prepared.options.teacher).toEqual({ baseUrl: 'http://127.0.0.1:9/v1', apiKey: null, timeoutMs: 60_000 });
  });

  it('sends everything to the teacher when the student file cannot be loaded', async () => {
    const directory = project();
    writeFileSync(path.join(directory, 'student.dstl'), 'not a student');
    const prepared = await prepareRoute(path.join(directory, 'task.yaml'), 0.98, {});
    expect(prepared.options.student).toBeNull();
    expect(prepared.notes[0]).toMatch(/^every call goes to the teacher: the student file .* cannot be loaded/);
  });

  it('sends everything to the teacher when an extract task\'s student file is not a language model (a classifier, a span tagger), or is damaged', async () => {
    const directory = mkdtempSync(path.join(os.tmpdir(), 'route-prepare-extract-'));
    directories.push(directory);
    writeFileSync(path.join(directory, 'task.yaml'), [
      'name: route-extract', 'kind: extract', 'project: .', 'teacher:', '  baseURL: http://127.0.0.1:9/v1', '  model: local-teacher', 'prompt:', '  messages:', '    - role: user', '      content: "{{text}}"',
      'schema: {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}', 'inputs:', '  path: inputs.jsonl', 'budget:', '  maxUSD: 1', '',
    ].join('\n'));
    const classifier = createStudent('ngram', ['good', 'bad'], testSettings());
    classifier.fit([{ text: 'good', label: 0, soft: null }, { text: 'bad', label: 1, soft: null }], []);
    await saveStudent(classifier, path.join(directory, 'student.dstl'));
    expect((await prepareRoute(directory, 0.98, {})).notes[0]).toMatch(/^every call goes to the teacher: the student file .* holds a classifier .* needs a language-model student/);
    const tagger = trainSpanTagger([{ input: 'Ann spoke.', answer: '{"name":"Ann"}' }], { type: 'object', properties: { name: { type: 'string' } } }, { epochs: 1, bits: 8 }).tagger;
    writeFileSync(path.join(directory, 'student.dstl'), spanTaggerToBytes(tagger));
    const span = await prepareRoute(directory, 0.98, {});
    expect(span.options.student).toBeNull();
    expect(span.notes[0]).toMatch(/^every call goes to the teacher: the student file .* holds a span tagger \(student\.kind span\), which route cannot use yet/);
    writeFileSync(path.join(directory, 'student.dstl'), 'not a student');
    const damaged = await prepareRoute(directory, 0.98, {});
    expect(damaged.options.student).toBeNull();
    expect(damaged.notes[0]).toMatch(/^every call goes to the teacher: the student file .* cannot be loaded/);
  });

  it('calibrates on the validation split and writes the curve next to the report', async () => {
    const directory = project();
    const student = createStudent('ngram', ['good', 'bad'], testSettings({ epochs: 30 }));
    const texts = (word: string) => Array.from({ length: 20 }, (_, index) => `${word} ${index}`);
    const examples = [...texts('great').map((text) => ({ text, label: 0, soft: null })), ...texts('awful').map((text) => ({ text, label: 1, soft: null }))];
    student.fit(examples, examples);
    await saveStudent(student, path.join(directory, 'student.dstl'));
    const store = openSqliteStore(path.join(directory, 'distillery.sqlite'));
    const validation = ['great one', 'awful one', 'great two', 'awful two'];
    await store.addInputs(validation.map((text, index) => ({ id: `v${index}`, text, gold: null, source: `inputs.jsonl:${index}` })));
    await store.saveSplits(validation.map((_, index) => ({ inputId: `v${index}`, split: 'val' as const, duplicateOf: null })));
    for (const [index, text] of validation.entries()) {
      const label = text.startsWith('great') ? 'good' : 'bad';
      await store.commitResponse({ cacheKey: `k${index}`, inputId: `v${index}`, model: 'local-teacher', kind: 'label', label, distribution: null, tailMass: null, text: label, inputTokens: 1, outputTokens: 1, costUSD: 0, latencyMs: 1, attempts: 1, createdAt: 1 });
    }
    await store.close();
    const prepared = await prepareRoute(directory, 0.98, {});
    expect(prepared.calibration?.examples).toBe(4);
    // The student learnt the cue words: it agrees on all four, so the lowest confidence is the threshold.
    expect(prepared.calibration?.point?.coverage).toBe(1);
    expect(prepared.options.threshold).toBe(prepared.calibration?.curve[0]?.threshold);
    expect(prepared.notes[0]).toMatch(/^threshold 0\.\d{4} \(calibrated on 4 validation calls\): the student answered 100\.0% of them at 100\.0% overall agreement/);
    expect(JSON.parse(readFileSync(path.join(directory, 'route-calibration.json'), 'utf8'))).toMatchObject({ target: 0.98, examples: 4 });
    expect(readFileSync(path.join(directory, 'route-calibration.md'), 'utf8')).toMatch(/← pick/);
    expect(prepared.options.prompt?.messages[0]?.content).toBe('Sentiment of: {{text}}');
  });

  it('fails before listening when the teacher\'s key or prices are missing, or the target is out of range', async () => {
    await expect(prepareRoute(project('baseURL: https://api.openai.com/v1\n  model: gpt-4o-mini\n  apiKeyEnv: ROUTE_TEST_KEY'), 0.98, {})).rejects.toBeInstanceOf(MissingKeyError);
    await expect(prepareRoute(project('baseURL: https://api.openai.com/v1\n  model: gpt-4o-mini'), 0.98, {})).rejects.toBeInstanceOf(SetupError);
    await expect(prepareRoute(project('baseURL: https://example.com/v1\n  model: unknown-model\n  apiKeyEnv: ROUTE_TEST_KEY'), 0.98, { ROUTE_TEST_KEY: 'sk' })).rejects.toThrow(/no built-in prices for model "unknown-model"/);
    await expect(prepareRoute(project(), 1.5, {})).rejects.toBeInstanceOf(UsageError);
    await expect(prepareRoute(path.join(os.tmpdir(), 'no-such-route-project'), 0.98, {})).rejects.toBeInstanceOf(UsageError);
  });
});
