import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeStudentFile } from './file-container.js';
import { loadStudentFile, readStudentPrompt, recordStudentPrompt, saveStudent, studentFromBytes } from './file-format.js';
import { createNgramStudent } from './ngram/ngram-student.js';
import { SYNTHETIC_LABELS, syntheticExamples, testSettings } from './synthetic-task.js';

const student = createNgramStudent(SYNTHETIC_LABELS, testSettings());
student.fit(syntheticExamples(400, 21), syntheticExamples(100, 22));
const held = syntheticExamples(300, 23);
const folder = mkdtempSync(join(tmpdir(), 'distillery-student-'));

describe('the prompt a student file records', () => {
  const prompt = { messages: [{ role: 'system', content: 'Answer with one of: {{labels}}' }, { role: 'user', content: 'Code:\n{{text}}' }] };

  it('is written in the header at save time and read back, the student loading as before', async () => {
    const path = join(folder, 'with-prompt.dstl');
    await saveStudent(student, path, { prompt });
    expect(readStudentPrompt(path)).toEqual(prompt);
    expect(loadStudentFile(path).predict('hello').label).toBe(student.predict('hello').label);
  });

  it('is null for a file written without one, which still loads', async () => {
    const path = join(folder, 'old.dstl');
    writeFileSync(path, student.toBytes());
    expect(readStudentPrompt(path)).toBeNull();
    expect(loadStudentFile(path).labels).toEqual(SYNTHETIC_LABELS);
  });

  it('can be added to an old file, keeping every weight byte for byte', async () => {
    const path = join(folder, 'upgraded.dstl');
    writeFileSync(path, student.toBytes());
    const before = loadStudentFile(path).toBytes();
    await recordStudentPrompt(path, prompt);
    expect(readStudentPrompt(path)).toEqual(prompt);
    expect(Buffer.from(loadStudentFile(path).toBytes()).equals(Buffer.from(before))).toBe(true);
  });
});

describe('student files', () => {
  it('round-trips through disk: same kind, labels, size and predictions within quantisation', async () => {
    const path = join(folder, 'nested', 'student.bin');
    await saveStudent(student, path);
    const loaded = loadStudentFile(path);
    expect(loaded.kind).toBe('ngram');
    expect(loaded.labels).toEqual(SYNTHETIC_LABELS);
    expect(loaded.parameterCount()).toBe(student.parameterCount());
    let agree = 0;
    let maxDifference = 0;
    for (const example of held) {
      const original = student.predict(example.text);
      const restored = loaded.predict(example.text);
      if (original.index === restored.index) agree++;
      original.probabilities.forEach((p, k) => { maxDifference = Math.max(maxDifference, Math.abs(p - (restored.probabilities[k] as number))); });
    }
    expect(agree / held.length).toBeGreaterThanOrEqual(0.995);
    expect(maxDifference).toBeLessThan(0.02);
    expect(maxDifference).toBeGreaterThan(0); // quantisation really happened
  });

  it('is compact: about a third of float32 storage for the same parameters', () => {
    expect(student.toBytes().length).toBeLessThan(0.4 * 4 * student.parameterCount());
  });

  it('saving a loaded student keeps its weights exactly (quantisation is idempotent)', () => {
    const once = studentFromBytes(student.toBytes());
    const twice = studentFromBytes(once.toBytes());
    for (const example of held.slice(0, 50)) expect(twice.predict(example.text).probabilities).toEqual(once.predict(example.text).probabilities);
  });

  it('names the path and the reason for a damaged file', () => {
    const path = join(folder, 'damaged.bin');
    const bytes = student.toBytes();
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff;
    writeFileSync(path, bytes);
    expect(() => loadStudentFile(path)).toThrow(`${path}: checksum mismatch: file is corrupt`);
    writeFileSync(path, 'hello');
    expect(() => loadStudentFile(path)).toThrow('not a Distillery student file');
    expect(readFileSync(path, 'utf8')).toBe('hello');
  });

  it('refuses a file of an unknown kind, listing the valid kinds', () => {
    expect(() => studentFromBytes(encodeStudentFile('transformer', {}, []))).toThrow(/unknown student kind "transformer".*ngram/);
  });

  it('refuses a header that does not describe the tensors', () => {
    expect(() => studentFromBytes(encodeStudentFile('ngram', { labels: ['a', 'b'] }, []))).toThrow('lacks labels or settings');
  });
});
