import { describe, expect, it } from 'vitest';
import { packExamples, parseFeatureVector } from './features.js';

describe('parseFeatureVector', () => {
  it('reads numbers separated by commas and/or white space', () => {
    expect(Array.from(parseFeatureVector(' 1, 2.5\t-3e-1\n4 ,5 '))).toEqual([1, 2.5, Math.fround(-0.3), 4, 5]);
  });

  it('names the bad token and the expected length', () => {
    expect(() => parseFeatureVector('1, two, 3')).toThrow('feature 1 ("two") is not a finite number');
    expect(() => parseFeatureVector('1, NaN')).toThrow(/feature 1/);
    expect(() => parseFeatureVector('   ')).toThrow(/got no numbers/);
    expect(() => parseFeatureVector('1 2 3', 4)).toThrow('feature vector has 3 numbers, expected 4 (the student\'s input size)');
  });
});

describe('packExamples', () => {
  it('packs vectors from features or text, labels and soft targets row by row', () => {
    const set = packExamples([
      { text: '1 2', label: 1, soft: [0.25, 0.75] },
      { text: 'ignored', features: Float32Array.from([3, 4]), label: 0, soft: null },
    ], 2, null, 'training');
    expect(set.inputSize).toBe(2);
    expect(Array.from(set.features)).toEqual([1, 2, 3, 4]);
    expect(Array.from(set.labels)).toEqual([1, 0]);
    expect(Array.from(set.soft.subarray(0, 2))).toEqual([0.25, 0.75]);
    expect(Array.from(set.hasSoft)).toEqual([1, 0]);
  });

  it('says which example has the wrong length, label or soft label', () => {
    expect(() => packExamples([{ text: '1 2', label: 0, soft: null }, { text: '1 2 3', label: 0, soft: null }], 2, null, 'training')).toThrow('training example 1: feature vector has 3 numbers, expected 2');
    expect(() => packExamples([{ text: '1 2', label: 0, soft: null }], 2, 3, 'validation')).toThrow(/validation example 0: feature vector has 2 numbers, expected 3/);
    expect(() => packExamples([{ text: '1', label: 5, soft: null }], 2, null, 'training')).toThrow(/label 5/);
    expect(() => packExamples([{ text: '1', label: 0, soft: [1] }], 2, null, 'training')).toThrow(/soft label has 1 entries, expected 2/);
  });
});
