/**
 * threads: 1 must stay exactly what it was before the kernels were blocked for speed (model.ts): every
 * epoch's training loss and a hash of the trained model's predictions are pinned to values recorded
 * from the straightforward loops (commit 465e184). Two shapes: dim 16 with 4 labels (the blocked paths),
 * and dim 10 with 5 labels (the remainder paths), both with char n-grams and soft teacher labels.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SYNTHETIC_LABELS, syntheticExamples, testSettings } from '../synthetic-task.js';
import { createNgramStudent } from './ngram-student.js';

function fingerprint(labels: readonly string[], dim: number): { losses: number[]; predictions: string } {
  const pad = (examples: ReturnType<typeof syntheticExamples>) => examples.map((example) => ({ ...example, soft: example.soft && labels.length > example.soft.length ? [...example.soft.map((p) => p * 0.9), 0.1] : example.soft }));
  const student = createNgramStudent(labels, testSettings({ threads: 1, dim, epochs: 6, patience: 6 }));
  const report = student.fit(pad(syntheticExamples(300, 21)), pad(syntheticExamples(80, 22)));
  const hash = createHash('sha256');
  for (const example of syntheticExamples(200, 23)) hash.update(student.predict(example.text).probabilities);
  return { losses: report.epochs.map((epoch) => epoch.trainLoss), predictions: hash.digest('hex') };
}

describe('n-gram student, threads: 1 is bit-identical to the pre-optimisation loops', () => {
  it('dim 16, 4 labels', () => {
    expect(fingerprint(SYNTHETIC_LABELS, 16)).toEqual(GOLDEN_16);
  });

  it('dim 10, 5 labels (remainder loops)', () => {
    expect(fingerprint([...SYNTHETIC_LABELS, 'other'], 10)).toEqual(GOLDEN_10);
  });
});

const GOLDEN_16 = {
  losses: [0.41787997761402146, 0.24162630079108752, 0.20794255786392415, 0.19068801433394938, 0.17371965246283716, 0.1628173251426943],
  predictions: '6f3b123a01a7c44d2811398b411d9b451a84a134ab3c7410ca8b5f7a2b147d64',
};
const GOLDEN_10 = {
  losses: [0.43855096081751865, 0.2455890836404822, 0.2200822971946188, 0.20524911684783392, 0.19369748470521045, 0.18307021485953318],
  predictions: '4fa59a99e3386e391406ff4c8a1630fba51115f2f914bfce1de73880d17b1f14',
};
