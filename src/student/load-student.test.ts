import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadStudent } from '../index.js';
import { StudentFileError } from './file-container.js';
import { trainLanguageModelStudent } from './lm/lm-student.js';
import { colourExamples } from './lm/synthetic-text.js';
import { isGenerativeStudent, loadStudentFileOfAnyKind, type AnyStudent } from './load-student.js';
import { createStudent } from './registry.js';
import { testSettings } from './synthetic-task.js';

const folder = mkdtempSync(path.join(tmpdir(), 'distillery-load-'));
const { student: writer } = trainLanguageModelStudent(colourExamples(1), colourExamples(1), {
  vocabularySize: 280,
  config: { width: 16, layers: 1, heads: 2, keyValueHeads: 1, hiddenWidth: 32, context: 40 },
  training: { steps: 2, batchSize: 4, evaluateEvery: 1, seed: 1 },
});
const lmFile = path.join(folder, 'writer.dstl');
writeFileSync(lmFile, writer.toBytes());
const classifierFile = path.join(folder, 'labeller.dstl');
writeFileSync(classifierFile, createStudent('ngram', ['a', 'b'], testSettings()).toBytes());

describe('loading any student file', () => {
  it('tells a language model from a classifier by the kind in the file', () => {
    expect(loadStudentFileOfAnyKind(lmFile).family).toBe('generative');
    expect(loadStudentFileOfAnyKind(classifierFile)).toMatchObject({ family: 'classifier', student: { kind: 'ngram', labels: ['a', 'b'] } });
  });

  it('gives loadStudent a student that generates and streams the same text', async () => {
    const loaded = loadStudent<AnyStudent>(lmFile);
    if (!isGenerativeStudent(loaded)) throw new Error('expected a generative student');
    const generation = loaded.generate('colour: red', { maxTokens: 12, temperature: 1, seed: 4 });
    expect(generation).toEqual(writer.generate('colour: red', { maxTokens: 12, temperature: 1, seed: 4 }));
    let streamed = '';
    for await (const chunk of loaded.stream('colour: red', { maxTokens: 12, temperature: 1, seed: 4 })) streamed += chunk.text;
    expect(streamed).toBe(generation.text);
    expect(isGenerativeStudent(loadStudent(classifierFile))).toBe(false);
  });

  it('names the file when it is missing or corrupt', () => {
    expect(() => loadStudent(path.join(folder, 'none.dstl'))).toThrow(StudentFileError);
    const corrupt = path.join(folder, 'corrupt.dstl');
    writeFileSync(corrupt, 'not a student');
    expect(() => loadStudent(corrupt)).toThrow(new RegExp(`^${corrupt.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
  });
});
