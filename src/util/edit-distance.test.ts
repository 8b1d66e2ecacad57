import { describe, expect, it } from 'vitest';
import { closestName, levenshtein } from './edit-distance.js';

describe('levenshtein', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('temprature', 'temperature')).toBe(1);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('same', 'same')).toBe(0);
  });
});

describe('closestName', () => {
  it('suggests the nearest name, ignoring case, and nothing when none is near', () => {
    expect(closestName('temprature', ['temperature', 'timeoutMs', 'model'])).toBe('temperature');
    expect(closestName('BaseUrl', ['baseURL', 'model'])).toBe('baseURL');
    expect(closestName('colour', ['baseURL', 'model', 'apiKeyEnv'])).toBeNull();
  });
});
