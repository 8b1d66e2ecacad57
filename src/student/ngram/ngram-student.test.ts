import { describe, expect, it } from 'vitest';
import { decodeStudentFile } from '../file-container.js';
import { SYNTHETIC_LABELS, syntheticExamples, testSettings } from '../synthetic-task.js';
import type { Student, TrainingExample } from '../types.js';
import { createNgramStudent } from './ngram-student.js';

const train = syntheticExamples(400, 11);
const validation = syntheticExamples(100, 12);
const test = syntheticExamples(200, 13);
const accuracy = (student: Student, examples: readonly TrainingExample[]): number =>
  examples.filter((example) => student.predict(example.text).index === example.label).length / examples.length;

function trained(overrides: Parameters<typeof testSettings>[0] = {}, data = train): Student {
  const student = createNgramStudent(SYNTHETIC_LABELS, testSettings(overrides));
  student.fit(data, validation);
  return student;
}

describe('n-gram student', () => {
  const student = trained();

  it('learns the synthetic task far above chance (25%)', () => {
    expect(accuracy(student, test)).toBeGreaterThan(0.9);
  });

  it('predicts a distribution that sums to 1 and names its argmax', () => {
    for (const example of test.slice(0, 20)) {
      const prediction = student.predict(example.text);
      const probabilities = Array.from(prediction.probabilities);
      expect(probabilities.reduce((sum, p) => sum + p, 0)).toBeCloseTo(1, 5);
      expect(prediction.index).toBe(probabilities.indexOf(Math.max(...probabilities)));
      expect(prediction.label).toBe(SYNTHETIC_LABELS[prediction.index]);
    }
  });

  it('predicts uniformly before training, including for empty text', () => {
    const untrained = createNgramStudent(SYNTHETIC_LABELS, testSettings());
    expect(Array.from(untrained.predict('anything').probabilities)).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(student.predict('').probabilities).toHaveLength(4);
  });

  it('keeps the best epoch’s weights (validation recomputed after fit matches its report)', () => {
    const fresh = createNgramStudent(SYNTHETIC_LABELS, testSettings({ epochs: 12, patience: 2, learningRate: 2 }));
    const report = fresh.fit(train, validation);
    const best = report.epochs.find((epoch) => epoch.epoch === report.bestEpoch);
    expect(best?.improved).toBe(true);
    expect(accuracy(fresh, validation)).toBeCloseTo(best?.validationAgreement ?? -1, 10);
    expect(report.examplesPerSecond).toBeGreaterThan(0);
    expect(report.tokensPerSecond).toBeGreaterThan(report.examplesPerSecond);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const tensors = (model: Student): Buffer[] => [...decodeStudentFile(model.toBytes()).tensors.values()].map((tensor) => Buffer.from(tensor.buffer));
    const again = trained();
    expect(tensors(again)).toEqual(tensors(student));
    expect(tensors(trained({ seed: 2 }))).not.toEqual(tensors(student));
  });

  it('trains on hard-label-only examples', () => {
    const hardOnly = trained({}, train.map((example) => ({ ...example, soft: null })));
    expect(accuracy(hardOnly, test)).toBeGreaterThan(0.8);
  });

  it('follows soft labels: an ambiguous word ends near the teacher’s 0.6 / 0.4, not at the hard label', () => {
    // Every "maybe" text is hard-labelled "yes", but the teacher is only 60% sure.
    const texts = Array.from({ length: 200 }, (_, index) => ({ text: `maybe item${index % 7}`, label: 0, soft: [0.6, 0.4] }));
    const probe = (alpha: number): number => {
      const model = createNgramStudent(['yes', 'no'], testSettings({ alpha, temperature: 1, epochs: 10 }));
      model.fit(texts, texts.slice(0, 20));
      return model.predict('maybe item3').probabilities[0] as number;
    };
    const soft = probe(1);
    const hard = probe(0);
    expect(Math.abs(soft - 0.6)).toBeLessThan(0.05);
    expect(hard).toBeGreaterThan(0.9);
  });

  it('rejects labels out of range and soft labels of the wrong length', () => {
    const model = createNgramStudent(['a', 'b'], testSettings());
    expect(() => model.fit([{ text: 'x', label: 2, soft: null }], [])).toThrow(/label 2/);
    expect(() => model.fit([{ text: 'x', label: 0, soft: [1, 0, 0] }], [])).toThrow(/3 entries, expected 2/);
  });

  it('counts stored parameters: touched rows × dim plus the output layer', () => {
    const untrained = createNgramStudent(SYNTHETIC_LABELS, testSettings());
    expect(untrained.parameterCount()).toBe(4 * 16 + 4);
    expect(student.parameterCount()).toBeGreaterThan(4 * 16 + 4);
    expect((student.parameterCount() - 4 * 17) % 16).toBe(0);
  });
});
