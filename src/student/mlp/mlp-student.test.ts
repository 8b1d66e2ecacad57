import { describe, expect, it } from 'vitest';
import { taskSpecSchema } from '../../task/schema.js';
import { decodeStudentFile } from '../file-container.js';
import { studentFromBytes } from '../file-format.js';
import { createStudent } from '../registry.js';
import type { TrainingExample } from '../types.js';
import { createMlpStudent, type MlpStudent } from './mlp-student.js';
import { mlpTestSettings, syntheticVectorExamples, VECTOR_LABELS, VECTOR_SIZE } from './synthetic-vectors.js';

const train = syntheticVectorExamples(600, 21);
const validation = syntheticVectorExamples(150, 22);
const test = syntheticVectorExamples(300, 23);
const accuracy = (student: MlpStudent, examples: readonly TrainingExample[]): number =>
  examples.filter((example) => student.predict(example.text).index === example.label).length / examples.length;

function trained(settings = mlpTestSettings(), data = train): MlpStudent {
  const student = createMlpStudent(VECTOR_LABELS, settings);
  student.fit(data, validation);
  return student;
}

describe('MLP student', () => {
  const student = trained();

  it('learns the XOR-shaped vector task far above chance (25%)', () => {
    expect(accuracy(student, test)).toBeGreaterThan(0.95);
    expect(student.layerSizes()).toEqual([VECTOR_SIZE, 16, 4]);
    expect(student.parameterCount()).toBe(VECTOR_SIZE * 16 + 16 + 16 * 4 + 4);
  });

  it('predicts the same from text, from a vector and in a batch', () => {
    const example = test[0] as TrainingExample;
    const vector = Float32Array.from(example.text.split(', '), Number);
    const fromText = student.predict(example.text);
    expect(student.predictVector(vector)).toEqual(fromText);
    expect(Array.from(student.predictProbabilities(vector, 1))).toEqual(Array.from(fromText.probabilities));
    expect(Array.from(fromText.probabilities).reduce((sum, p) => sum + p, 0)).toBeCloseTo(1, 5);
    expect(fromText.label).toBe(VECTOR_LABELS[fromText.index]);
  });

  it('trains identically from `features` and from vectors written in the text', () => {
    const withFeatures = trained(mlpTestSettings(), syntheticVectorExamples(600, 21, true).map((example) => ({ ...example, text: '' })));
    expect(decodeStudentFile(withFeatures.toBytes()).tensors).toEqual(decodeStudentFile(student.toBytes()).tensors);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const tensors = (model: MlpStudent): Buffer[] => [...decodeStudentFile(model.toBytes()).tensors.values()].map((tensor) => Buffer.from(tensor.buffer));
    const settings = mlpTestSettings({ epochs: 5 }, { dropout: 0.3 });
    const first = trained(settings);
    expect(tensors(trained(settings))).toEqual(tensors(first));
    expect(tensors(trained({ ...settings, seed: 2 }))).not.toEqual(tensors(first));
  });

  it('multiplies the learning rate by learningRateDecay after every epoch', () => {
    const weightsOf = (model: MlpStudent): Float32Array => decodeStudentFile(model.toBytes()).tensors.get('layer0.weights') as Float32Array;
    const largestChange = (epochs: number, learningRateDecay: number): number => {
      const after = weightsOf(trained(mlpTestSettings({ epochs, patience: 10 }, { learningRateDecay })));
      const first = weightsOf(trained(mlpTestSettings({ epochs: 1 }, { learningRateDecay })));
      return Math.max(...Array.from(after, (value, index) => Math.abs(value - (first[index] as number))));
    };
    // A vanishing rate freezes the weights after epoch 1; a constant one keeps moving them.
    expect(largestChange(3, 1e-9)).toBeLessThan(1e-6);
    expect(largestChange(3, 1)).toBeGreaterThan(1e-3);
  });

  it('survives a round trip through bytes and the registry with identical predictions', () => {
    const loaded = studentFromBytes(student.toBytes());
    expect(loaded.kind).toBe('mlp');
    expect(loaded.labels).toEqual(VECTOR_LABELS);
    expect(loaded.parameterCount()).toBe(student.parameterCount());
    for (const example of test) expect(loaded.predict(example.text)).toEqual(student.predict(example.text));
  });

  it('is created through the registry from task settings, filling the MLP defaults', () => {
    const fromRegistry = createStudent('mlp', ['a', 'b'], mlpTestSettings({}, {}));
    expect(fromRegistry.kind).toBe('mlp');
    const defaults = createStudent('mlp', ['a', 'b'], { ...mlpTestSettings(), mlp: undefined as never });
    expect(() => defaults.predict('1 2')).toThrow(/not been fitted/);
  });

  it('reads its settings from the task file’s student section, defaults filled in', () => {
    const settings = taskSpecSchema.shape.student.parse({ kind: 'mlp', mlp: { hiddenSizes: [64, 32] } });
    expect(settings.mlp).toEqual({ hiddenSizes: [64, 32], batchSize: 128, dropout: 0, learningRate: 0.001, learningRateDecay: 1 });
    expect(() => taskSpecSchema.shape.student.parse({ kind: 'mlp', mlp: { hiddenSizes: [] } })).toThrow();
    expect(() => taskSpecSchema.shape.student.parse({ kind: 'mlp', mlp: { dropout: 1 } })).toThrow();
    expect(taskSpecSchema.shape.student.parse({}).mlp).toBeUndefined();
  });

  it('gives clear errors for vectors of the wrong length, and before fitting', () => {
    expect(() => student.predict('0.1, 0.2')).toThrow(`feature vector has 2 numbers, expected ${VECTOR_SIZE} (the student's input size)`);
    expect(() => student.predictVector([1, 2, 3])).toThrow(/has 3 numbers, expected 6/);
    expect(() => student.predictProbabilities(new Float32Array(10), 2)).toThrow(/expected 2 feature vectors of 6 numbers \(12 values\), got 10/);
    expect(() => student.predict('a, b')).toThrow(/feature 0 \("a"\) is not a finite number/);
    const fresh = createMlpStudent(VECTOR_LABELS, mlpTestSettings());
    expect(() => fresh.fit([...train.slice(0, 5), { text: '1, 2', label: 0, soft: null }], [])).toThrow('training example 5: feature vector has 2 numbers, expected 6');
    expect(() => fresh.fit(train, [{ text: '1 2 3', label: 0, soft: null }])).toThrow(/validation example 0/);
    expect(() => fresh.fit([], [])).toThrow(/zero training examples/);
    expect(() => fresh.toBytes()).toThrow(/not been fitted/);
    expect(fresh.parameterCount()).toBe(0);
  });

  it('follows soft labels: an ambiguous point ends near the teacher’s 0.6 / 0.4, not at the hard label', () => {
    const points = Array.from({ length: 64 }, (_, index) => ({ text: `${(index % 8) / 8}, 1`, label: 0, soft: [0.6, 0.4] }));
    const probe = (alpha: number): number => {
      const model = createMlpStudent(['yes', 'no'], mlpTestSettings({ alpha, temperature: 1, epochs: 40 }, { hiddenSizes: [4] }));
      model.fit(points, points);
      return model.predict('0.25, 1').probabilities[0] as number;
    };
    expect(Math.abs(probe(1) - 0.6)).toBeLessThan(0.05);
    expect(probe(0)).toBeGreaterThan(0.9);
  });
});
