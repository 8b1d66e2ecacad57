/**
 * The conformance suite every student kind in the registry must pass (Hono's common.case pattern):
 * add a text kind to STUDENT_KINDS and it is tested here with no extra code; a kind that reads
 * another input (the MLP reads feature vectors written as text) names its task in TASKS.
 */
import { describe, expect, it } from 'vitest';
import type { StudentSettings } from '../task/schema.js';
import { studentFromBytes } from './file-format.js';
import { mlpTestSettings, syntheticVectorExamples, VECTOR_LABELS } from './mlp/synthetic-vectors.js';
import { createStudent, STUDENT_KINDS } from './registry.js';
import { SYNTHETIC_LABELS, syntheticExamples, testSettings } from './synthetic-task.js';
import type { TrainingExample } from './types.js';

/** A labelled task a kind can learn, and small settings that learn it quickly. */
interface ConformanceTask { labels: readonly string[]; examples: (count: number, seed: number) => TrainingExample[]; settings: StudentSettings }

const TEXT_TASK = (kind: string): ConformanceTask => ({ labels: SYNTHETIC_LABELS, examples: syntheticExamples, settings: testSettings({ kind: kind as StudentSettings['kind'] }) });
const TASKS: Record<string, ConformanceTask> = {
  mlp: { labels: VECTOR_LABELS, examples: (count, seed) => syntheticVectorExamples(count, seed), settings: mlpTestSettings() },
};

for (const kind of Object.keys(STUDENT_KINDS)) {
  const task = TASKS[kind] ?? TEXT_TASK(kind);
  const train = task.examples(300, 31);
  const validation = task.examples(80, 32);
  const held = task.examples(200, 33);

  describe(`student kind "${kind}" conformance`, () => {
    const student = createStudent(kind, task.labels, task.settings);
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
