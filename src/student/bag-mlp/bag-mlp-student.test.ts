import { describe, expect, it } from 'vitest';
import { bagMlpSettingsSchema } from '../../task/student-kind-settings.js';
import { studentFromBytes } from '../file-format.js';
import { decodeStudentFile, encodeStudentFile } from '../file-container.js';
import { createNgramStudent } from '../ngram/ngram-student.js';
import { testSettings, xorExamples } from '../synthetic-task.js';
import type { TrainingExample } from '../types.js';
import { createBagMlpStudent } from './bag-mlp-student.js';

const settings = testSettings({ kind: 'bag-mlp', wordNgrams: 1, charNgramMin: 0, charNgramMax: 0, epochs: 30, patience: 30, bagMlp: bagMlpSettingsSchema.parse({ hiddenSizes: [16], learningRate: 0.01 }) });
const accuracy = (predict: (text: string) => number, examples: readonly TrainingExample[]): number =>
  examples.filter((example) => predict(example.text) === example.label).length / examples.length;

describe('bag-mlp student', () => {
  const train = xorExamples(400, 1);
  const validation = xorExamples(100, 2);
  const held = xorExamples(300, 3);

  it('learns an XOR of two cue words that the linear n-gram student cannot', () => {
    const bagMlp = createBagMlpStudent(['same', 'different'], settings);
    bagMlp.fit(train, validation);
    const ngram = createNgramStudent(['same', 'different'], { ...settings, kind: 'ngram' });
    ngram.fit(train, validation);
    expect(accuracy((text) => bagMlp.predict(text).index, held)).toBeGreaterThan(0.95);
    expect(accuracy((text) => ngram.predict(text).index, held)).toBeLessThan(0.85);
  });

  it('is deterministic for a seed and keeps its calibration temperature through the file', () => {
    const first = createBagMlpStudent(['same', 'different'], settings);
    first.fit(train, validation);
    const second = createBagMlpStudent(['same', 'different'], settings);
    second.fit(train, validation);
    expect(Buffer.from(second.toBytes()).equals(Buffer.from(first.toBytes()))).toBe(false); // createdAt differs…
    const text = held[0]?.text ?? '';
    expect(Array.from(second.predict(text).probabilities)).toEqual(Array.from(first.predict(text).probabilities)); // …the weights do not
    const header = decodeStudentFile(first.toBytes()).header;
    expect(typeof header['calibrationTemperature']).toBe('number');
    const loaded = studentFromBytes(first.toBytes());
    expect(loaded.kind).toBe('bag-mlp');
    expect(accuracy((text) => loaded.predict(text).index, held)).toBeCloseTo(accuracy((text) => first.predict(text).index, held), 2);
  });

  it('with a wide part, tells texts apart by how often a feature occurs, which the mean alone cannot', () => {
    // Every text is one word repeated: the bag's mean is the same for all, only the count differs.
    const counted = (seed: number, count: number): TrainingExample[] => Array.from({ length: count }, (_, index) => {
      const repeats = 1 + ((index * 7 + seed) % 12);
      return { text: Array.from({ length: repeats }, () => 'tick').join(' '), label: repeats > 6 ? 1 : 0, soft: null };
    });
    const countSettings = { ...settings, wordNgrams: 1, epochs: 40, patience: 40 };
    const wide = createBagMlpStudent(['few', 'many'], { ...countSettings, bagMlp: bagMlpSettingsSchema.parse({ hiddenSizes: [8], learningRate: 0.01, wide: true, wideLearningRate: 0.5 }) });
    wide.fit(counted(1, 200), counted(2, 50));
    const deep = createBagMlpStudent(['few', 'many'], countSettings);
    deep.fit(counted(1, 200), counted(2, 50));
    const held = counted(3, 120);
    expect(accuracy((text) => wide.predict(text).index, held)).toBeGreaterThan(0.95);
    expect(accuracy((text) => deep.predict(text).index, held)).toBeLessThan(0.7);
    const loaded = studentFromBytes(wide.toBytes());
    for (const example of held.slice(0, 12)) expect(loaded.predict(example.text).index).toBe(wide.predict(example.text).index);
  });

  it('rejects a file whose layer tensors do not match its header', () => {
    const student = createBagMlpStudent(['same', 'different'], settings);
    student.fit(train.slice(0, 50), validation);
    const contents = decodeStudentFile(student.toBytes());
    const header = { ...contents.header, settings: { ...settings, bagMlp: bagMlpSettingsSchema.parse({ hiddenSizes: [8], learningRate: 0.01 }) } };
    expect(() => studentFromBytes(rebuild(contents, header))).toThrow('layer sizes');
  });
});

function rebuild(contents: ReturnType<typeof decodeStudentFile>, header: Record<string, unknown>): Uint8Array {
  const { tensors: _table, ...rest } = header;
  return encodeStudentFile(contents.kind, rest, [...contents.tensors.entries()]);
}
