/**
 * The entry points the `run` pipeline's evaluate stage calls for extract and generate tasks: score the
 * student's answers against the teacher's on the test split, put a bootstrap interval on every
 * headline figure, and keep the per-example scores the report's worst-examples table needs.
 * Each function is pure given its inputs and seed; the judge (judge.ts) is separate because it spends.
 */
import { bootstrapInterval, bootstrapMean, type BootstrapInterval, type BootstrapOptions } from './bootstrap.js';
import { aggregateExtractScores, compileSchema, fieldScores, scoreExtractExample, sumFieldCounts, type ExtractExampleScore, type ExtractMetrics } from './extract-metrics.js';
import type { HeadlineFigure, ScoredExample } from './generative-report.js';
import type { JudgeSummary } from './judge.js';
import { chrfFromStatistics, chrfStatistics, exactMatch, rougeL, sentenceChrf, sumChrfStatistics, type ChrfOptions } from './text-metrics.js';

/** One test example: its input, the teacher's answer (the reference) and the student's. */
export interface AnswerPair {
  input: string;
  teacher: string;
  student: string;
}

/** What an evaluation of an extract task found. */
export interface ExtractEvaluation {
  metrics: ExtractMetrics;
  parseRate: BootstrapInterval;
  validRate: BootstrapInterval;
  fieldF1: BootstrapInterval;
  exactMatch: BootstrapInterval;
  headline: HeadlineFigure[];
  /** Scored examples (teacher answer parseable), scored by the example's own field F1. */
  examples: ScoredExample[];
}

/** What an evaluation of a generate task found. */
export interface GenerateEvaluation {
  examples: ScoredExample[];
  exactMatch: BootstrapInterval;
  /** Corpus-level chrF (0–100), statistics re-summed per resample. */
  chrf: BootstrapInterval;
  /** Mean ROUGE-L F-measure (as rouge-score aggregates). */
  rougeL: BootstrapInterval;
  headline: HeadlineFigure[];
}

/** Share of scores for which `test` holds. */
function share(scores: readonly ExtractExampleScore[], test: (score: ExtractExampleScore) => boolean): number {
  return scores.length === 0 ? 0 : scores.filter(test).length / scores.length;
}

/** Micro field F1 of a resample: counts summed, then one F1. */
function microF1(scores: readonly ExtractExampleScore[]): number {
  return fieldScores(sumFieldCounts(scores)).f1;
}

/** Scores an extract task's test split against the teacher under the task's JSON Schema. */
export function evaluateExtract(pairs: readonly AnswerPair[], schema: object, options: BootstrapOptions = {}): ExtractEvaluation {
  const isValid = compileSchema(schema);
  const scored: Array<{ pair: AnswerPair; score: ExtractExampleScore }> = [];
  let referenceUnparseable = 0;
  for (const pair of pairs) {
    const score = scoreExtractExample(pair, isValid);
    if (score === undefined) referenceUnparseable++;
    else scored.push({ pair, score });
  }
  const scores = scored.map((entry) => entry.score);
  const parseRate = bootstrapInterval(scores, (sample) => share(sample, (score) => score.parsed), options);
  const validRate = bootstrapInterval(scores, (sample) => share(sample, (score) => score.valid), options);
  const fieldF1 = bootstrapInterval(scores, microF1, options);
  const exact = bootstrapInterval(scores, (sample) => share(sample, (score) => score.exactMatch), options);
  return {
    metrics: aggregateExtractScores(scores, referenceUnparseable),
    parseRate, validRate, fieldF1, exactMatch: exact,
    headline: [
      { name: 'valid JSON (schema)', interval: validRate, scale: 'proportion' },
      { name: 'field F1 vs teacher', interval: fieldF1, scale: 'proportion' },
      { name: 'exact match vs teacher', interval: exact, scale: 'proportion' },
      { name: 'parses as JSON', interval: parseRate, scale: 'proportion' },
    ],
    examples: scored.map(({ pair, score }) => ({ input: pair.input, teacher: pair.teacher, student: pair.student, score: fieldScores(score.counts).f1 })),
  };
}

/** Scores a generate task's test split against the teacher: exact match, chrF, ROUGE-L. */
export function evaluateGenerate(pairs: readonly AnswerPair[], options: BootstrapOptions & { chrf?: ChrfOptions } = {}): GenerateEvaluation {
  const chrfOptions = options.chrf ?? {};
  const statistics = pairs.map((pair) => chrfStatistics(pair.student, pair.teacher, chrfOptions));
  const exact = bootstrapMean(pairs.map((pair) => (exactMatch(pair.student, pair.teacher) ? 1 : 0)), options);
  const chrf = bootstrapInterval(statistics, (sample) => chrfFromStatistics(sumChrfStatistics(sample, chrfOptions), chrfOptions), options);
  const rouge = bootstrapMean(pairs.map((pair) => rougeL(pair.teacher, pair.student).fmeasure), options);
  return {
    examples: pairs.map((pair) => ({ input: pair.input, teacher: pair.teacher, student: pair.student, score: sentenceChrf(pair.student, pair.teacher, chrfOptions) })),
    exactMatch: exact, chrf, rougeL: rouge,
    headline: [
      { name: 'chrF vs teacher', interval: chrf, scale: 'score100' },
      { name: 'ROUGE-L F vs teacher', interval: rouge, scale: 'proportion' },
      { name: 'exact match vs teacher', interval: exact, scale: 'proportion' },
    ],
  };
}

/**
 * The judge's win and loss rates with bootstrap intervals, over the pairs it could read (a tie counts
 * in the denominator, an unparseable pair does not: the same shares as the summary's).
 */
export function judgeHeadline(summary: JudgeSummary, options: BootstrapOptions = {}): HeadlineFigure[] {
  const outcomes = summary.judged.filter((pair) => pair.outcome !== 'unparseable').map((pair) => pair.outcome);
  const rate = (outcome: string) => bootstrapMean(outcomes.map((value) => (value === outcome ? 1 : 0)), options);
  return [
    { name: 'judge: student wins', interval: rate('win'), scale: 'proportion' },
    { name: 'judge: student loses', interval: rate('loss'), scale: 'proportion' },
  ];
}
