import { describe, expect, it } from 'vitest';
import { bagMlpSettingsSchema } from '../../task/student-kind-settings.js';
import { studentFromBytes } from '../file-format.js';
import { createStudent } from '../registry.js';
import { testSettings, xorExamples } from '../synthetic-task.js';

describe('student kind "auto"', () => {
  it('trains the grid, reports every candidate, and keeps the best by validation agreement', () => {
    const settings = testSettings({ kind: 'auto', wordNgrams: 1, charNgramMin: 0, charNgramMax: 0, epochs: 20, patience: 20, bagMlp: bagMlpSettingsSchema.parse({ hiddenSizes: [8], learningRate: 0.01 }) });
    const student = createStudent('auto', ['same', 'different'], settings);
    expect(student.kind).toBe('auto');
    const report = student.fit(xorExamples(300, 1), xorExamples(100, 2));
    const candidates = report.candidates ?? [];
    expect(candidates.map((candidate) => candidate.name)).toEqual(['ngram', 'bag-mlp[32]', 'bag-mlp[64]', 'bag-mlp[128]']);
    const chosen = candidates.filter((candidate) => candidate.chosen);
    expect(chosen).toHaveLength(1);
    expect(chosen[0]?.validationAgreement).toBe(Math.max(...candidates.map((candidate) => candidate.validationAgreement)));
    // The XOR teacher is beyond the linear n-gram student, so a bag-MLP wins.
    expect(student.kind).toBe('bag-mlp');
    expect(studentFromBytes(student.toBytes()).kind).toBe('bag-mlp');
  });

  it('cannot be predicted with or saved before it has picked', () => {
    const student = createStudent('auto', ['a', 'b'], testSettings({ kind: 'auto' }));
    expect(() => student.predict('x')).toThrow('call fit first');
  });
});
