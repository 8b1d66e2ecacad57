/**
 * What calibration and power measurements share (the unit test and bench/watermark-calibration.ts):
 * null token streams, a toy language model to watermark, and the summary of a set of null p-values
 * (KS uniformity and false-alarm rates at fixed thresholds). Seeded throughout, so figures reproduce.
 */
import { createRandom, type Random } from '../util/random.js';
import { kolmogorovSmirnovUniform, type KolmogorovSmirnovResult } from './statistics.js';

/** The false-alarm thresholds reported: 1e-2 down to 1e-5. */
export const FALSE_ALARM_THRESHOLDS = [1e-2, 1e-3, 1e-4, 1e-5] as const;

/** A null token stream: `length` ids drawn log-uniformly from [0, vocabulary) — Zipf-like, so n-grams repeat as in text. */
export function zipfTokenStream(length: number, vocabulary: number, random: Random): number[] {
  return Array.from({ length }, () => Math.floor(vocabulary ** random.next()) - 1);
}

/** A seeded random bigram language model: each previous token has its own fixed row of logits. */
export interface ToyLanguageModel {
  vocabulary: number;
  /** The next-token logits after `previous` (a fresh array the caller may modify). */
  logits(previous: number): Float32Array;
}

/** A bigram model over `vocabulary` tokens whose rows have logits scale · (sum of three uniforms); scale sets the entropy. */
export function toyBigramModel(vocabulary: number, seed: number, scale = 4): ToyLanguageModel {
  return {
    vocabulary,
    logits(previous) {
      const random = createRandom((seed * 0x9e3779b1) ^ Math.imul(previous + 1, 0x85ebca6b));
      const row = new Float32Array(vocabulary);
      for (let token = 0; token < vocabulary; token++) row[token] = scale * (random.next() + random.next() + random.next());
      return row;
    },
  };
}

/** Softmax in place (max-subtracted), returning the same array as probabilities. */
export function softmaxInPlace(logits: Float32Array): Float32Array {
  let max = -Infinity;
  for (const value of logits) max = Math.max(max, value);
  let total = 0;
  for (let index = 0; index < logits.length; index++) {
    logits[index] = Math.exp(logits[index]! - max);
    total += logits[index]!;
  }
  for (let index = 0; index < logits.length; index++) logits[index] = logits[index]! / total;
  return logits;
}

/** Draws an index from a probability vector. */
export function sampleIndex(probabilities: ArrayLike<number>, random: Random): number {
  let target = random.next();
  for (let index = 0; index < probabilities.length; index++) {
    target -= probabilities[index]!;
    if (target < 0) return index;
  }
  return probabilities.length - 1;
}

/** Generates `length` tokens from the model, passing logits through `processor` (a KGW processor, or none). */
export function generateTokens(model: ToyLanguageModel, length: number, random: Random, processor?: (logits: Float32Array, previousTokens: readonly number[]) => void): number[] {
  const tokens = [random.nextInt(model.vocabulary)];
  while (tokens.length < length) {
    const logits = model.logits(tokens[tokens.length - 1]!);
    processor?.(logits, tokens);
    tokens.push(sampleIndex(softmaxInPlace(logits), random));
  }
  return tokens;
}

/** A summary of null p-values. */
export interface CalibrationSummary {
  texts: number;
  ks: KolmogorovSmirnovResult;
  /** Fraction of texts with p ≤ threshold, per threshold of FALSE_ALARM_THRESHOLDS. */
  falseAlarmRates: { threshold: number; rate: number; alarms: number }[];
}

/** KS of `uniformityPValues` against uniform, and false-alarm rates of `pValues`. */
export function summariseCalibration(pValues: readonly number[], uniformityPValues: readonly number[] = pValues): CalibrationSummary {
  return {
    texts: pValues.length,
    ks: kolmogorovSmirnovUniform(uniformityPValues),
    falseAlarmRates: FALSE_ALARM_THRESHOLDS.map((threshold) => {
      const alarms = pValues.filter((value) => value <= threshold).length;
      return { threshold, rate: alarms / pValues.length, alarms };
    }),
  };
}
