/**
 * The conformance suite every student kind in the registry must pass (Hono's common.case pattern):
 * add a kind to STUDENT_KINDS and it is tested here with no extra code.
 */
import { describe, expect, it } from 'vitest';
import { studentFromBytes } from './file-format.js';
import { createStudent, STUDENT_KINDS } from './registry.js';
import { SYNTHETIC_LABELS, syntheticExamples, testSettings } from './synthetic-task.js';

const train = syntheticExamples(300, 31);
const validation = syntheticExamples(80, 32);
const held = syntheticExamples(200, 33);

for (const kind of Object.keys(STUDENT_KINDS)) {
  describe(`student kind "${kind}" conformance`, () => {
    const student = createStudent(kind, SYNTHETIC_LABELS, testSettings({ kind: kind as 'ngram' }));
    const report = student.fit(train, validation);

    it('reports its epochs, best epoch and throughput', () => {
      expect(report.epochs.length).toBeGreaterThanOrEqual(report.bestEpoch);
      expect(report.bestEpoch).toBeGreaterThan(0);
      expect(report.examplesPerSecond).toBeGreaterThan(0);
    });

    it('learns well above chance and predicts normalised distributions', () => {
      let correct = 0;
      for (const example of held) {
        const prediction = student.predict(example.text);
        if (prediction.index === example.label) correct++;
        expect(Array.from(prediction.probabilities).reduce((sum, p) => sum + p, 0)).toBeCloseTo(1, 5);
      }
      expect(correct / held.length).toBeGreaterThan(0.85);
    });

    it('survives a round trip through bytes (≥ 99.5% same predictions)', () => {
      const loaded = studentFromBytes(student.toBytes());
      expect(loaded.kind).toBe(kind);
      const agree = held.filter((example) => loaded.predict(example.text).index === student.predict(example.text).index).length;
      expect(agree / held.length).toBeGreaterThanOrEqual(0.995);
    });
  });
}
