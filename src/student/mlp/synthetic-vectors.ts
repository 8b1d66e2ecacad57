/**
 * A small seeded synthetic task over feature vectors, for the MLP's tests and the conformance
 * suite: four labels decided by the XOR of the signs of x0 and x1 and by the sign of x2, plus three
 * noise features in [−1, 1]. The XOR half defeats any linear model (it stays near 50% on that bit), so passing
 * it shows the hidden layer works.
 */
import type { StudentSettings } from '../../task/schema.js';
import { createRandom } from '../../util/random.js';
import { testSettings } from '../synthetic-task.js';
import type { TrainingExample } from '../types.js';

/** Labels of the vector task (the same four names as the text task). */
export const VECTOR_LABELS = ['sports', 'cooking', 'code', 'music'] as const;

/** Length of every vector. */
export const VECTOR_SIZE = 6;

/** `count` examples; the vector is written in `text` (comma-separated) and, with `withFeatures`, also given as `features`. */
export function syntheticVectorExamples(count: number, seed: number, withFeatures = false): TrainingExample[] {
  const random = createRandom(seed);
  return Array.from({ length: count }, () => {
    // Informative features keep |x| ≥ 0.1, a margin that makes the task learnable from a few hundred examples.
    const vector = Float32Array.from({ length: VECTOR_SIZE }, (_, index) => (index < 3 ? (random.next() < 0.5 ? -1 : 1) * (0.1 + 0.9 * random.next()) : random.next() * 2 - 1));
    const label = 2 * Number((vector[0] as number) * (vector[1] as number) > 0) + Number((vector[2] as number) > 0);
    const soft = VECTOR_LABELS.map((_, k) => (k === label ? 0.7 : 0.1));
    const text = Array.from(vector, (value) => value.toFixed(4)).join(', ');
    // The features are rounded like the text, so both paths see the same numbers.
    const example: TrainingExample = { text, label, soft };
    if (withFeatures) example.features = Float32Array.from(text.split(', '), Number);
    return example;
  });
}

/** Small, fast MLP settings for tests. */
export function mlpTestSettings(overrides: Partial<StudentSettings> = {}, mlp: Partial<NonNullable<StudentSettings['mlp']>> = {}): StudentSettings {
  return testSettings({ kind: 'mlp', epochs: 60, patience: 10, mlp: { hiddenSizes: [16], batchSize: 16, dropout: 0, learningRate: 0.01, learningRateDecay: 1, ...mlp }, ...overrides });
}
