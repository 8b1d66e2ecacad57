import { describe, expect, it } from 'vitest';
import { labelDistribution, matchLabel, type LogprobToken } from './label-distribution.js';

/** A generated token with probability p and listed alternatives [token, probability]. */
function token(text: string, p: number, alternatives: Array<[string, number]> = [[text, p]]): LogprobToken {
  const logprob = (q: number): number => (q === 0 ? -9999 : Math.log(q));
  return { token: text, logprob: logprob(p), bytes: null, top_logprobs: alternatives.map(([alternative, q]) => ({ token: alternative, logprob: logprob(q) })) };
}

/** Expects two arrays of numbers to agree to 9 decimals. */
function expectClose(actual: number[] | undefined, expected: number[]): void {
  expect(actual).toHaveLength(expected.length);
  expected.forEach((value, index) => expect(actual?.[index]).toBeCloseTo(value, 9));
}

describe('labelDistribution', () => {
  it('folds case and leading-whitespace variants of one label together; unlisted mass and junk tokens are tail', () => {
    const content = [token(' Positive', 0.6, [[' Positive', 0.6], [' Negative', 0.2], ['positive', 0.1], ['Neutral', 0.05], [' The', 0.03]])];
    const result = labelDistribution(content, ['positive', 'negative', 'neutral']);
    expectClose(result?.distribution, [0.7 / 0.95, 0.2 / 0.95, 0.05 / 0.95]);
    expect(result?.tailMass).toBeCloseTo(0.05, 9);
  });

  it('splits a shared first token on the chosen path by the next position (c / cpp / cs), with -9999 as 0', () => {
    const content = [
      token('c', 0.9, [['c', 0.9], ['java', 0.1], ['python', 0]]),
      token('pp', 0.8, [['pp', 0.8], ['s', 0.15], ['#', 0.03]]),
    ];
    const result = labelDistribution(content, ['c', 'cpp', 'cs']);
    expectClose(result?.distribution, [0, 0.72 / 0.855, 0.135 / 0.855]);
    expect(result?.tailMass).toBeCloseTo(0.145, 9);
    expect(result?.warnings.join(' ')).toContain('-9999');
  });

  it('gives a shared prefix to the label it completes when the next token ends the answer (c + newline)', () => {
    const content = [token('c', 0.9, [['c', 0.9], ['cs', 0.1]]), token('\n', 0.5, [['\n', 0.5], ['pp', 0.3], ['.', 0.2]])];
    const result = labelDistribution(content, ['c', 'cpp', 'cs']);
    expectClose(result?.distribution, [0.63, 0.27, 0.1]);
    expect(result?.tailMass).toBeCloseTo(0, 9);
  });

  it('off the chosen path: an exact label takes a prefix token, else it is split evenly over compatible labels', () => {
    const exact = labelDistribution([token('negative', 0.7, [['negative', 0.7], ['pos', 0.2], ['posit', 0.1]])], ['pos', 'positive', 'negative']);
    expectClose(exact?.distribution, [0.2, 0.1, 0.7]);
    const even = labelDistribution([token('go', 0.6, [['go', 0.6], ['c', 0.3]])], ['cpp', 'cs', 'go']);
    expectClose(even?.distribution, [0.15 / 0.9, 0.15 / 0.9, 0.6 / 0.9]);
    expect(even?.tailMass).toBeCloseTo(0.1 / 1.0, 9);
  });

  it('walks multi-token labels', () => {
    const content = [
      token('very', 0.8, [['very', 0.8], ['neutral', 0.15]]),
      token(' positive', 0.7, [[' positive', 0.7], [' negative', 0.25], [' good', 0.05]]),
    ];
    const result = labelDistribution(content, ['very negative', 'very positive', 'neutral']);
    expectClose(result?.distribution, [0.2 / 0.91, 0.56 / 0.91, 0.15 / 0.91]);
    expect(result?.tailMass).toBeCloseTo(0.09 / 1.0, 9);
  });

  it('skips leading quotes: an alternative quote follows the chosen path, an alternative label start counts directly', () => {
    const content = [
      token('"', 0.9, [['"', 0.9], ["'", 0.05], ['Positive', 0.05]]),
      token('positive', 0.9, [['positive', 0.9], ['negative', 0.1]]),
    ];
    const result = labelDistribution(content, ['positive', 'negative']);
    expectClose(result?.distribution, [0.905, 0.095]);
    expect(result?.tailMass).toBeCloseTo(0, 9);
  });

  it('gives a chosen token marked -9999 the unlisted remainder and warns', () => {
    const content: LogprobToken[] = [{ token: 'neutral', logprob: -9999, top_logprobs: [{ token: 'positive', logprob: Math.log(0.5) }, { token: 'negative', logprob: Math.log(0.3) }] }];
    const result = labelDistribution(content, ['positive', 'negative', 'neutral']);
    expectClose(result?.distribution, [0.5, 0.3, 0.2]);
    expect(result?.warnings.join(' ')).toContain('outside the top-k');
  });

  it('counts a chosen path that leaves every label as tail and warns', () => {
    const result = labelDistribution([token('The', 0.6, [['The', 0.6], ['positive', 0.3]])], ['positive', 'negative']);
    expectClose(result?.distribution, [1, 0]);
    expect(result?.tailMass).toBeCloseTo(0.7, 9);
    expect(result?.warnings.join(' ')).toContain('left every label');
  });

  it('decides by the text when the answer ends while a shorter label is complete (pos vs positive)', () => {
    const result = labelDistribution([token('pos', 0.9, [['pos', 0.9], ['positive', 0.1]])], ['pos', 'positive']);
    expectClose(result?.distribution, [0.9, 0.1]);
  });

  it('works without top_logprobs: the chosen label gets its probability, the rest is tail', () => {
    const result = labelDistribution([{ token: 'negative', logprob: Math.log(0.8), top_logprobs: [] }], ['positive', 'negative']);
    expectClose(result?.distribution, [0, 1]);
    expect(result?.tailMass).toBeCloseTo(0.2, 9);
  });

  it('returns null without logprobs or without any label mass', () => {
    expect(labelDistribution(null, ['a', 'b'])).toBeNull();
    expect(labelDistribution(undefined, ['a', 'b'])).toBeNull();
    expect(labelDistribution([], ['a', 'b'])).toBeNull();
    expect(labelDistribution([token('Hmm', 0.9, [['Hmm', 0.9], ['Well', 0.1]])], ['yes', 'no'])).toBeNull();
  });

  it('ignores alternatives without a token instead of throwing', () => {
    const content = [{ token: 'b', logprob: Math.log(0.6), top_logprobs: [{ logprob: Math.log(0.3) } as LogprobToken, { token: 'a', logprob: Math.log(0.4) }] }];
    expectClose(labelDistribution(content, ['a', 'b'])?.distribution, [0.4, 0.6]);
  });

  it('keeps label order and sums to 1', () => {
    const result = labelDistribution([token('b', 0.5, [['b', 0.5], ['c', 0.3], ['a', 0.2]])], ['c', 'a', 'b']);
    expectClose(result?.distribution, [0.3, 0.2, 0.5]);
    expect(result?.distribution.reduce((sum, value) => sum + value, 0)).toBeCloseTo(1, 12);
  });
});

describe('matchLabel', () => {
  const labels = ['positive', 'negative', 'neutral'];

  it('ignores case, surrounding whitespace, quotes, backticks and a final period', () => {
    expect(matchLabel(' Positive.', labels)).toBe('positive');
    expect(matchLabel('"negative"', labels)).toBe('negative');
    expect(matchLabel('`NEUTRAL`\n', labels)).toBe('neutral');
  });

  it('never coerces: extra words, partial labels and empty answers are not labels', () => {
    expect(matchLabel('positive sentiment', labels)).toBeNull();
    expect(matchLabel('pos', labels)).toBeNull();
    expect(matchLabel('Label: positive', labels)).toBeNull();
    expect(matchLabel('  ', labels)).toBeNull();
  });

  it('prefers the label written exactly as answered when two differ only in case', () => {
    expect(matchLabel('Yes', ['yes', 'Yes'])).toBe('Yes');
    expect(matchLabel('YES', ['yes', 'Yes'])).toBe('yes');
  });

  it('keeps multi-word labels whole, collapsing runs of whitespace', () => {
    expect(matchLabel('Very   Negative', ['very negative', 'very positive'])).toBe('very negative');
  });
});
