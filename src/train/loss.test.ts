import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { distillationLoss, softmaxWithTemperature, temperTeacher, type DistillationOptions } from './loss.js';

const lossOf = (logits: number[], teacher: number[] | null, label: number, options: DistillationOptions): number =>
  distillationLoss(logits, teacher, label, options, new Float64Array(logits.length)).loss;

function finiteDifference(logits: number[], teacher: number[] | null, label: number, options: DistillationOptions): number[] {
  const step = 1e-6;
  return logits.map((_, k) => {
    const plus = logits.slice();
    const minus = logits.slice();
    plus[k] = (plus[k] as number) + step;
    minus[k] = (minus[k] as number) - step;
    return (lossOf(plus, teacher, label, options) - lossOf(minus, teacher, label, options)) / (2 * step);
  });
}

describe('softmaxWithTemperature', () => {
  it('gives known values and sums to 1', () => {
    const out = new Float64Array(3);
    softmaxWithTemperature([0, Math.log(2), Math.log(3)], 1, out);
    expect(Array.from(out)).toEqual([1 / 6, 2 / 6, 3 / 6].map((value) => expect.closeTo(value, 12)));
    softmaxWithTemperature([0, 2 * Math.log(2)], 2, out);
    expect(out[0]).toBeCloseTo(1 / 3, 12);
    expect(out[1]).toBeCloseTo(2 / 3, 12);
  });

  it('is stable for huge logits', () => {
    const out = new Float64Array(2);
    softmaxWithTemperature([1000, 1000], 1, out);
    expect(Array.from(out)).toEqual([0.5, 0.5]);
  });
});

describe('temperTeacher', () => {
  it('raises to 1/T and renormalises, keeping zeros zero', () => {
    const out = new Float64Array(3);
    expect(temperTeacher([0.64, 0.36, 0], 2, out)).toBe(true);
    expect(out[0]).toBeCloseTo(0.8 / 1.4, 12);
    expect(out[1]).toBeCloseTo(0.6 / 1.4, 12);
    expect(out[2]).toBe(0);
  });

  it('is the identity at T = 1 and refuses an all-zero distribution', () => {
    const out = new Float64Array(2);
    temperTeacher([0.25, 0.75], 1, out);
    expect(out[1]).toBeCloseTo(0.75, 14);
    expect(temperTeacher([0, 0], 1, out)).toBe(false);
  });
});

describe('distillationLoss', () => {
  const cases: Array<{ name: string; logits: number[]; teacher: number[] | null; label: number; options: DistillationOptions }> = [
    { name: 'T=2 α=0.7', logits: [0.3, -1.2, 2.0, 0.1], teacher: [0.1, 0.2, 0.6, 0.1], label: 2, options: { temperature: 2, alpha: 0.7 } },
    { name: 'T=1 α=1', logits: [1, 2, 3], teacher: [0.2, 0.3, 0.5], label: 0, options: { temperature: 1, alpha: 1 } },
    { name: 'T=5 α=0.5, teacher zero', logits: [-3, 4, 0.5], teacher: [0, 0.9, 0.1], label: 1, options: { temperature: 5, alpha: 0.5 } },
    { name: 'hard only', logits: [0.5, -0.5], teacher: null, label: 1, options: { temperature: 3, alpha: 0.9 } },
  ];

  for (const { name, logits, teacher, label, options } of cases) {
    it(`gradient matches finite differences (${name})`, () => {
      const { grad } = distillationLoss(logits, teacher, label, options, new Float64Array(logits.length));
      const numeric = finiteDifference(logits, teacher, label, options);
      numeric.forEach((value, k) => expect(grad[k]).toBeCloseTo(value, 6));
    });
  }

  it('hard-label cross-entropy of uniform logits is log(n)', () => {
    expect(lossOf([0, 0, 0, 0], null, 3, { temperature: 2, alpha: 0.7 })).toBeCloseTo(Math.log(4), 12);
  });

  it('at T=1, α=1 equals soft cross-entropy minus teacher entropy', () => {
    const logits = [0.4, -0.2, 1.1];
    const teacher = [0.5, 0.2, 0.3];
    const student = new Float64Array(3);
    softmaxWithTemperature(logits, 1, student);
    const crossEntropy = -teacher.reduce((sum, p, k) => sum + p * Math.log(student[k] as number), 0);
    const entropy = -teacher.reduce((sum, p) => sum + p * Math.log(p), 0);
    expect(lossOf(logits, teacher, 0, { temperature: 1, alpha: 1 })).toBeCloseTo(crossEntropy - entropy, 12);
  });

  it('is zero (with zero gradient) when the student already matches the teacher at T', () => {
    const teacher = [0.7, 0.2, 0.1];
    const logits = teacher.map((p) => Math.log(p));
    const { loss, grad } = distillationLoss(logits, teacher, 0, { temperature: 3, alpha: 1 }, new Float64Array(3));
    expect(loss).toBeCloseTo(0, 12);
    Array.from(grad).forEach((value) => expect(value).toBeCloseTo(0, 12));
  });

  it('scales the soft term by T² (Hinton) and mixes with (1 − α)·CE', () => {
    const logits = [1, 0];
    const teacher = [0.5, 0.5];
    const ce = lossOf(logits, null, 0, { temperature: 1, alpha: 0 });
    const klAtT = (T: number): number => lossOf(logits, teacher, 0, { temperature: T, alpha: 1 }) / (T * T);
    const q = 1 / (1 + Math.exp(-1 / 4));
    expect(klAtT(4)).toBeCloseTo(0.5 * Math.log(0.5 / q) + 0.5 * Math.log(0.5 / (1 - q)), 12);
    expect(lossOf(logits, teacher, 0, { temperature: 4, alpha: 0.25 })).toBeCloseTo(0.25 * 16 * klAtT(4) + 0.75 * ce, 12);
  });

  it('falls back to cross-entropy when the teacher has no mass or α = 0', () => {
    const hard = lossOf([0.2, 0.9], null, 1, { temperature: 2, alpha: 0.5 });
    expect(lossOf([0.2, 0.9], [0, 0], 1, { temperature: 2, alpha: 0.5 })).toBeCloseTo(hard, 14);
    expect(lossOf([0.2, 0.9], [0.9, 0.1], 1, { temperature: 2, alpha: 0 })).toBeCloseTo(hard, 14);
  });

  it('writes the gradient into the buffer it was given', () => {
    const buffer = new Float64Array(2);
    expect(distillationLoss([0, 0], null, 0, { temperature: 1, alpha: 0 }, buffer).grad).toBe(buffer);
    expect(Array.from(buffer)).toEqual([-0.5, 0.5]);
  });
});

describe('distillationLoss with soft: logits (logit matching)', () => {
  const options: DistillationOptions = { temperature: 2, alpha: 0.8, soft: 'logits' };
  const teacher = [0.7, 0.2, 0.1 - 1e-6, 1e-6, 0]; // the last label was not listed
  for (const [name, logits] of [['a hinge active', [1, 0.5, -0.3, 0.2, 4]], ['hinges idle', [3, 1.5, 0.4, -9, -20]]] as const) {
    it(`gradient matches finite differences (${name})`, () => {
      const analytic = Array.from(distillationLoss([...logits], teacher, 0, options, new Float64Array(logits.length)).grad);
      finiteDifference([...logits], teacher, 0, options).forEach((value, k) => expect(analytic[k]).toBeCloseTo(value, 5));
    });
  }

  it('is zero when the student logits are the teacher log-probabilities plus any constant (α = 1)', () => {
    const probabilities = [0.6, 0.3, 0.1];
    const logits = probabilities.map((p) => Math.log(p) + 7.5);
    const result = distillationLoss(logits, probabilities, 0, { temperature: 1, alpha: 1, soft: 'logits' }, new Float64Array(3));
    expect(result.loss).toBeCloseTo(0, 12);
    result.grad.forEach((value) => expect(value).toBeCloseTo(0, 12));
  });

  it('sees what KL cannot: how a near-certain teacher ranks its unlikely labels', () => {
    // Two students agree with the teacher's top label at p ≈ 1; only one ranks the rest as it does.
    const teacherProbabilities = [1 - 2e-9 - 1e-12, 2e-9, 1e-12];
    const right = [30, 10, 2];
    const wrong = [30, 2, 10];
    const kl = (logits: number[]) => lossOf(logits, teacherProbabilities, 0, { temperature: 1, alpha: 1 });
    const matched = (logits: number[]) => lossOf(logits, teacherProbabilities, 0, { temperature: 1, alpha: 1, soft: 'logits' });
    expect(Math.abs(kl(right) - kl(wrong))).toBeLessThan(1e-7);
    expect(matched(wrong) - matched(right)).toBeGreaterThan(10);
  });

  it('falls back to KL when fewer than two labels are listed', () => {
    const kl = lossOf([0.2, 0.9, 0], [1, 0, 0], 1, { temperature: 2, alpha: 0.5 });
    expect(lossOf([0.2, 0.9, 0], [1, 0, 0], 1, { temperature: 2, alpha: 0.5, soft: 'logits' })).toBeCloseTo(kl, 14);
  });
});

/** Losses and gradients computed by PyTorch's autograd in float64; the script beside the JSON regenerates them. */
const TORCH_REFERENCE = JSON.parse(readFileSync(new URL('./__golden__/distillation-loss.json', import.meta.url), 'utf8')) as {
  source: string;
  cases: Array<{ name: string; logits: number[]; teacher: number[] | null; label: number; temperature: number; alpha: number; loss: number; grad: number[] }>;
};

describe('distillationLoss against PyTorch (golden values)', () => {
  it('has reference cases to compare with', () => {
    expect(TORCH_REFERENCE.source).toMatch(/^torch /);
    expect(TORCH_REFERENCE.cases.length).toBeGreaterThanOrEqual(10);
  });

  for (const reference of TORCH_REFERENCE.cases) {
    it(`matches loss and gradient within 1e-5 (${reference.name})`, () => {
      const { loss, grad } = distillationLoss(reference.logits, reference.teacher, reference.label, { temperature: reference.temperature, alpha: reference.alpha }, new Float64Array(reference.logits.length));
      const maxDifference = Math.max(Math.abs(loss - reference.loss), ...reference.grad.map((value, k) => Math.abs((grad[k] as number) - value)));
      // "TENSOR OK, maxdiff": one number says how close the whole case is.
      expect(maxDifference, `maxdiff ${maxDifference} (loss ${loss} vs ${reference.loss})`).toBeLessThan(1e-5);
      expect(Number.isFinite(loss)).toBe(true);
    });
  }
});
