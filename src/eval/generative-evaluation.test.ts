import { describe, expect, it } from 'vitest';
import { extractMetrics } from './extract-metrics.js';
import { evaluateExtract, evaluateGenerate, judgeHeadline } from './generative-evaluation.js';
import { summariseJudgements, type JudgedPair } from './judge.js';
import { renderGenerativeMarkdown } from './generative-report.js';
import { corpusChrf, rougeL } from './text-metrics.js';

const SCHEMA = { type: 'object', properties: { people: { type: 'array', items: { type: 'string' } } }, required: ['people'] };

describe('evaluation entry points', () => {
  const extractPairs = Array.from({ length: 30 }, (_, index) => ({
    input: `sentence ${index}`,
    teacher: JSON.stringify({ people: [`P${index}`, 'Ann'] }),
    student: index % 3 === 0 ? 'not json' : JSON.stringify({ people: index % 3 === 1 ? [`P${index}`, 'Ann'] : ['Ann'] }),
  }));

  it('extract: the point estimates are the metrics of the whole set, each inside its interval', () => {
    const evaluation = evaluateExtract(extractPairs, SCHEMA, { seed: 2 });
    const metrics = extractMetrics(extractPairs, SCHEMA);
    expect(evaluation.fieldF1.estimate).toBeCloseTo(metrics.fields.f1, 12);
    expect(evaluation.validRate.estimate).toBeCloseTo(2 / 3, 12);
    expect(evaluation.exactMatch.estimate).toBeCloseTo(1 / 3, 12);
    for (const figure of evaluation.headline) {
      expect(figure.interval.lower).toBeLessThanOrEqual(figure.interval.estimate);
      expect(figure.interval.upper).toBeGreaterThanOrEqual(figure.interval.estimate);
    }
    // TP 10·2 + 10·1 = 30, FP 0, FN 10·2 + 10·1 = 30 → P 1, R 1/2, F1 2/3.
    expect(metrics.fields.f1).toBeCloseTo(2 / 3, 12);
    expect(evaluation.examples.filter((example) => example.score === 0)).toHaveLength(10);
    expect(renderGenerativeMarkdown({ headline: evaluation.headline, examples: evaluation.examples, scoreName: 'field F1', scoreScale: 'proportion' })).toContain('| field F1 vs teacher | 66.7% (95% CI');
  });

  it('generate: corpus chrF, mean ROUGE-L and exact match, reproducible for a seed', () => {
    const pairs = [
      { input: 'a', teacher: 'The cat sat on the mat.', student: 'The cat sat on the mat.' },
      { input: 'b', teacher: 'It rained all day.', student: 'It was raining all day long.' },
      { input: 'c', teacher: 'Paris is in France.', student: 'Lyon.' },
    ];
    const evaluation = evaluateGenerate(pairs, { seed: 4 });
    expect(evaluation.chrf.estimate).toBeCloseTo(corpusChrf(pairs.map((pair) => pair.student), pairs.map((pair) => pair.teacher)), 12);
    expect(evaluation.rougeL.estimate).toBeCloseTo(pairs.reduce((total, pair) => total + rougeL(pair.teacher, pair.student).fmeasure, 0) / 3, 12);
    expect(evaluation.exactMatch.estimate).toBeCloseTo(1 / 3, 12);
    expect(evaluateGenerate(pairs, { seed: 4 })).toEqual(evaluation);
    expect(evaluation.examples[0]?.score).toBeCloseTo(100, 10);
  });

  it('judge: win and loss rates over the readable pairs, with intervals', () => {
    const outcomes = ['win', 'win', 'tie', 'loss', 'unparseable'] as const;
    const judged: JudgedPair[] = outcomes.map((outcome, index) => ({ index, outcome, studentFirst: 'tie', teacherFirst: 'tie' }));
    const summary = summariseJudgements(outcomes.map(() => ({ input: 'q', teacher: 't', student: 's' })), judged, { calls: 10, costUSD: 0 });
    const [wins, losses] = judgeHeadline(summary, { seed: 1 });
    expect(wins?.interval.estimate).toBeCloseTo(summary.winRate, 12);
    expect(wins?.interval.estimate).toBeCloseTo(2 / 4, 12);
    expect(losses?.interval.estimate).toBeCloseTo(1 / 4, 12);
    expect(wins?.interval.examples).toBe(4);
  });
});
