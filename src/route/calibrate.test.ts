import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../store/sqlite-store.js';
import type { ResponseRecord } from '../store/types.js';
import type { Prediction, Student } from '../student/types.js';
import { calibrateBestSignal, calibrateThreshold, calibrationFragment, classifierConfidence, coverageCurve, renderCalibrationMarkdown, splitPairs, thinCurve, type ConfidencePair, type ConfidenceSignal } from './calibrate.js';

/** Five held-out calls, worked by hand below. */
const PAIRS: ConfidencePair[] = [
  { confidence: 0.7, agrees: true },
  { confidence: 0.9, agrees: true },
  { confidence: 0.5, agrees: false },
  { confidence: 0.8, agrees: false },
  { confidence: 0.6, agrees: true },
];

describe('coverageCurve', () => {
  it('computes coverage and overall agreement (teacher-answered calls agree) at each distinct confidence, by hand', () => {
    // t=0.5: all 5 by the student, 3 agree: 3/5.  t=0.6: 4 by the student (3 agree) + 1 teacher: 4/5.
    // t=0.7: 3 (2 agree) + 2: 4/5.  t=0.8: 2 (1 agree) + 3: 4/5.  t=0.9: 1 (1 agree) + 4: 5/5.
    expect(coverageCurve(PAIRS)).toEqual([
      { threshold: 0.5, coverage: 1, agreement: 0.6, studentAgreement: 0.6 },
      { threshold: 0.6, coverage: 0.8, agreement: 0.8, studentAgreement: 0.75 },
      { threshold: 0.7, coverage: 0.6, agreement: 0.8, studentAgreement: 2 / 3 },
      { threshold: 0.8, coverage: 0.4, agreement: 0.8, studentAgreement: 0.5 },
      { threshold: 0.9, coverage: 0.2, agreement: 1, studentAgreement: 1 },
    ]);
  });

  it('puts tied confidences in one point: a threshold cannot split them', () => {
    expect(coverageCurve([{ confidence: 0.9, agrees: true }, { confidence: 0.9, agrees: false }, { confidence: 0.4, agrees: true }])).toEqual([
      { threshold: 0.4, coverage: 1, agreement: 2 / 3, studentAgreement: 2 / 3 },
      { threshold: 0.9, coverage: 2 / 3, agreement: 2 / 3, studentAgreement: 0.5 },
    ]);
  });
});

describe('the confidence signal', () => {
  // Four three-label calls, by hand: A is a near-tie the student gets wrong, B a spread-out call it gets right.
  const calls = [
    { probabilities: [0.5, 0.45, 0.05], agrees: false },
    { probabilities: [0.4, 0.3, 0.3], agrees: true },
    { probabilities: [0.9, 0.05, 0.05], agrees: true },
    { probabilities: [0.6, 0.2, 0.2], agrees: true },
  ];
  const pairs = (signal: ConfidenceSignal) => calls.map((call) => ({ confidence: classifierConfidence(call.probabilities, 0, signal), agrees: call.agrees }));

  it('is the top probability, or its margin over the second', () => {
    expect(pairs('top-probability').map((pair) => pair.confidence)).toEqual([0.5, 0.4, 0.9, 0.6]);
    const margins = pairs('margin').map((pair) => pair.confidence);
    [0.05, 0.1, 0.85, 0.4].forEach((margin, index) => expect(margins[index]).toBeCloseTo(margin, 12));
  });

  it('is picked on the held-out calls: the one that answers more of them at the target', () => {
    // Top probability ranks the wrong near-tie (0.5) above the right spread-out call (0.4): only C and D can be answered.
    expect(calibrateThreshold(pairs('top-probability'), 1).point?.coverage).toBe(0.5);
    const best = calibrateBestSignal(new Map([['top-probability', pairs('top-probability')], ['margin', pairs('margin')]]), 1);
    expect(best.signal).toBe('margin');
    expect(best.point?.coverage).toBe(0.75);
    expect(best.threshold).toBeCloseTo(0.1, 12);
    // A tie keeps top probability.
    expect(calibrateBestSignal(new Map([['top-probability', PAIRS], ['margin', PAIRS]]), 0.8).signal).toBe('top-probability');
  });
});

describe('calibrateThreshold', () => {
  it('picks the lowest threshold whose overall agreement reaches the target', () => {
    const calibration = calibrateThreshold(PAIRS, 0.8);
    expect(calibration.threshold).toBe(0.6);
    expect(calibration.point).toEqual({ threshold: 0.6, coverage: 0.8, agreement: 0.8, studentAgreement: 0.75 });
    expect(calibration.reason).toBeNull();
    expect(calibrateThreshold(PAIRS, 0.9).threshold).toBe(0.9);
    expect(calibrateThreshold(PAIRS, 0.5).threshold).toBe(0.5);
  });

  it('sends everything to the teacher, and says why, when no threshold reaches the target', () => {
    const calibration = calibrateThreshold([{ confidence: 0.9, agrees: false }, { confidence: 0.8, agrees: true }], 0.98);
    expect(calibration.threshold).toBeNull();
    expect(calibration.point).toBeNull();
    expect(calibration.reason).toMatch(/no threshold reaches 98\.0% agreement on 2 validation calls/);
    expect(renderCalibrationMarkdown(calibration)).toMatch(/No threshold: every call goes to the teacher/);
  });

  it('sends everything to the teacher when there is no held-out data', () => {
    const calibration = calibrateThreshold([], 0.98);
    expect(calibration).toMatchObject({ threshold: null, examples: 0, curve: [] });
    expect(calibration.reason).toMatch(/no held-out/);
  });

  it('rejects a target outside (0, 1]', () => {
    expect(() => calibrateThreshold(PAIRS, 0)).toThrow(RangeError);
    expect(() => calibrateThreshold(PAIRS, 1.5)).toThrow(RangeError);
  });

  it('thins a long curve for the fragment but keeps the pick, and marks it in the Markdown', () => {
    const many = Array.from({ length: 200 }, (_, index) => ({ confidence: index / 200, agrees: index % 7 !== 0 }));
    const calibration = calibrateThreshold(many, 0.9);
    const thin = thinCurve(calibration, 11);
    expect(thin.length).toBeLessThanOrEqual(12);
    expect(thin).toContain(calibration.point);
    const fragment = calibrationFragment(calibration) as { curve: unknown[]; threshold: number };
    expect(fragment.curve.length).toBeLessThanOrEqual(22);
    expect(fragment.threshold).toBe(calibration.threshold);
    expect(renderCalibrationMarkdown(calibration)).toMatch(/← pick/);
  });
});

describe('splitPairs', () => {
  it('pairs the validation inputs kept by curation with the newest label of the task\'s teacher model', async () => {
    const directory = mkdtempSync(path.join(os.tmpdir(), 'route-calibrate-'));
    const store = openSqliteStore(path.join(directory, 'store.sqlite'));
    try {
      const input = (id: string, text: string) => ({ id, text, gold: null, source: `inputs.jsonl:${id}` });
      await store.addInputs([input('a', 'sure a'), input('b', 'unsure b'), input('c', 'train c'), input('d', 'dup d'), input('e', 'no answer e')]);
      await store.saveSplits([
        { inputId: 'a', split: 'val', duplicateOf: null }, { inputId: 'b', split: 'val', duplicateOf: null },
        { inputId: 'c', split: 'train', duplicateOf: null }, { inputId: 'd', split: 'val', duplicateOf: 'a' }, { inputId: 'e', split: 'val', duplicateOf: null },
      ]);
      const response = (cacheKey: string, inputId: string, label: string, createdAt: number, model = 'teacher-model'): ResponseRecord => ({
        cacheKey, inputId, model, kind: 'label', label, distribution: null, tailMass: null, text: label, inputTokens: 1, outputTokens: 1, costUSD: 0, latencyMs: 1, attempts: 1, createdAt,
      });
      for (const record of [response('k1', 'a', 'yes', 1), response('k2', 'b', 'yes', 1), response('k3', 'b', 'no', 2), response('k4', 'c', 'yes', 1), response('k5', 'd', 'yes', 1), response('k6', 'a', 'no', 3, 'other-model')]) {
        await store.commitResponse(record);
      }
      const student: Student = {
        kind: 'fixed-test', labels: ['yes', 'no'],
        fit: () => { throw new Error('not trainable'); },
        predict: (text: string): Prediction => ({ label: 'yes', index: 0, probabilities: Float32Array.from(text.startsWith('sure') ? [0.9, 0.1] : [0.6, 0.4]) }),
        toBytes: () => new Uint8Array(), parameterCount: () => 0,
      };
      const pairs = await splitPairs(store, student, 'teacher-model', 'val');
      // a: teacher-model says yes (other-model's newer "no" is not the task's teacher); b: the newest answer, "no".
      expect(pairs).toEqual([
        { confidence: expect.closeTo(0.9, 6) as number, agrees: true, text: 'sure a', teacherLabel: 'yes' },
        { confidence: expect.closeTo(0.6, 6) as number, agrees: false, text: 'unsure b', teacherLabel: 'no' },
      ]);
    } finally {
      await store.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
