/**
 * Watermark calibration and power (issue 11), for the `watermark-calibration` bench section and as a
 * script of its own (`node --import tsx bench/watermark-calibration.ts [--texts=N]`, which prints JSON):
 *  1. False alarms on unwatermarked real English: nlp-corpus sentences (in file order, so texts read
 *     as documents) tokenised with o200k and cut into texts of 25–400 tokens, scored by KGW and Gumbel
 *     detectors, once with one fixed key for every text (what an owner sees) and once with a fresh key
 *     per text (the null the exact tests assume). KS uniformity of the p-values (the randomised binomial
 *     p-value for KGW, whose exact tail is a staircase) and false-alarm rates at 1e-2 … 1e-5.
 *  2. Power: texts sampled from a seeded random bigram model over 2,000 tokens through the KGW
 *     processor (γ 0.25, δ 2) and the Gumbel sampler; the p-value against the number of tokens.
 */
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { sentencePool } from '../src/demo/sentence-corpus.js';
import { generateTokens, sampleIndex, softmaxInPlace, summariseCalibration, toyBigramModel, type CalibrationSummary } from '../src/evidence/calibration.js';
import { detectGumbel, gumbelSampler } from '../src/evidence/gumbel.js';
import { detectKgw, kgwProcessor } from '../src/evidence/kgw.js';
import { randomizedBinomialUpperTail } from '../src/evidence/statistics.js';
import { generateWatermarkKey, type WatermarkKey, type WatermarkScheme } from '../src/evidence/watermark-key.js';
import { createRandom, type Random } from '../src/util/random.js';

/** Text lengths in tokens, calibration and power alike. */
export const LENGTHS = [25, 50, 100, 200, 400] as const;

/** A key with a secret drawn from `random` (reproducible, unlike keygen's crypto.getRandomValues). */
function seededKey(scheme: WatermarkScheme, random: Random): WatermarkKey {
  return { ...generateWatermarkKey(scheme), secret: Uint8Array.from({ length: 32 }, () => random.nextInt(256)) };
}

/**
 * `count` texts, spread evenly over LENGTHS, as non-overlapping windows (within each length) of the
 * corpus's o200k token stream; when the stream cannot supply a long length's share, the shortfall
 * goes to the next shorter length, so there are always `count` texts.
 */
export async function englishTexts(count: number): Promise<number[][]> {
  const perLength = Math.ceil(count / LENGTHS.length);
  const needed = perLength * LENGTHS[LENGTHS.length - 1]!;
  const stream: number[] = [];
  for (const sentence of await sentencePool()) {
    for (const token of encode(` ${sentence.text}`)) stream.push(token);
    if (stream.length >= needed) break;
  }
  const texts: number[][] = [];
  let shortfall = 0;
  for (const length of [...LENGTHS].reverse()) {
    const wanted = Math.min(perLength + shortfall, count - texts.length);
    const windows = Math.min(wanted, Math.floor(stream.length / length));
    shortfall = wanted - windows;
    for (let index = 0; index < windows; index++) texts.push(stream.slice(index * length, (index + 1) * length));
  }
  return texts;
}

/** Calibration of one scheme over `texts`, with one fixed key or a fresh key per text. */
export function calibrate(scheme: WatermarkScheme, texts: readonly number[][], keying: 'fixed' | 'per-text', seed: number): CalibrationSummary {
  return calibrateWithValues(scheme, texts, keying, seed).summary;
}

/** `calibrate`, with the p-values it summarised. */
function calibrateWithValues(scheme: WatermarkScheme, texts: readonly number[][], keying: 'fixed' | 'per-text', seed: number): { summary: CalibrationSummary; values: { pValues: number[]; uniformity: number[] } } {
  const random = createRandom(seed);
  const fixed = seededKey(scheme, random);
  const pValues: number[] = [];
  const uniformity: number[] = [];
  for (const tokens of texts) {
    const key = keying === 'fixed' ? fixed : seededKey(scheme, random);
    if (scheme === 'kgw') {
      const result = detectKgw(key, tokens);
      pValues.push(result.pValue);
      uniformity.push(randomizedBinomialUpperTail(result.green, result.scored, key.gamma, random.next()));
    } else {
      const result = detectGumbel(key, tokens);
      pValues.push(result.pValue);
      uniformity.push(result.pValue);
    }
  }
  return { summary: summariseCalibration(pValues, uniformity), values: { pValues, uniformity } };
}

/** Calibration over several keys: the p-values of all of them pooled, and each key's (or pass's) own summary. */
export interface MultiKeyCalibration {
  pooled: CalibrationSummary;
  perKey: CalibrationSummary[];
}

/**
 * `calibrate` under `keys` independent seeds (seed, seed + 1, …; the first is `calibrate(…, seed)` itself):
 * for 'fixed', `keys` owners each with one key over every text; for 'per-text', `keys` passes of fresh
 * keys. One fixed key makes a corpus's texts share their n-grams' PRF values, so its false-alarm count
 * varies from key to key more than a binomial's; only the average over keys is pinned to the threshold.
 */
export function calibrateOverKeys(scheme: WatermarkScheme, texts: readonly number[][], keying: 'fixed' | 'per-text', seed: number, keys: number): MultiKeyCalibration {
  const pValues: number[] = [];
  const uniformity: number[] = [];
  const perKey: CalibrationSummary[] = [];
  for (let index = 0; index < keys; index++) {
    const { summary, values } = calibrateWithValues(scheme, texts, keying, seed + index);
    perKey.push(summary);
    for (const value of values.pValues) pValues.push(value);
    for (const value of values.uniformity) uniformity.push(value);
  }
  return { pooled: summariseCalibration(pValues, uniformity), perKey };
}

/** Power at one length: median log10 p and the fraction detected at p < 1e-3 and p < 1e-6. */
export interface PowerPoint {
  tokens: number;
  medianScored: number;
  medianLog10P: number;
  detectedAt1e3: number;
  detectedAt1e6: number;
}

/** Samples `texts` watermarked texts of LENGTHS' largest length from the toy model and scores every prefix length. */
export function power(scheme: WatermarkScheme, texts: number, seed: number): PowerPoint[] {
  const random = createRandom(seed);
  const key = seededKey(scheme, random);
  const model = toyBigramModel(2000, seed);
  const longest = LENGTHS[LENGTHS.length - 1]!;
  const samples: number[][] = [];
  for (let text = 0; text < texts; text++) {
    if (scheme === 'kgw') samples.push(generateTokens(model, longest, random, kgwProcessor(key)));
    else {
      const sampler = gumbelSampler(key, random.next);
      const tokens = [random.nextInt(model.vocabulary)];
      while (tokens.length < longest) tokens.push(sampler(softmaxInPlace(model.logits(tokens.at(-1)!)), tokens));
      samples.push(tokens);
    }
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;
  return LENGTHS.map((length) => {
    const results = samples.map((tokens) => (scheme === 'kgw' ? detectKgw(key, tokens.slice(0, length)) : detectGumbel(key, tokens.slice(0, length))));
    return {
      tokens: length,
      medianScored: median(results.map((result) => result.scored)),
      medianLog10P: median(results.map((result) => result.log10P)),
      detectedAt1e3: results.filter((result) => result.pValue < 1e-3).length / texts,
      detectedAt1e6: results.filter((result) => result.log10P < -6).length / texts,
    };
  });
}

/** The toy model's own (unwatermarked) sampling, for a control on the same model: fraction below 1e-3 per length. */
export function toyModelControl(texts: number, seed: number): number {
  const random = createRandom(seed);
  const key = seededKey('kgw', random);
  const model = toyBigramModel(2000, seed);
  let alarms = 0;
  for (let text = 0; text < texts; text++) {
    const tokens = [random.nextInt(model.vocabulary)];
    while (tokens.length < 200) tokens.push(sampleIndex(softmaxInPlace(model.logits(tokens.at(-1)!)), random));
    if (detectKgw(key, tokens).pValue < 1e-3) alarms++;
  }
  return alarms / texts;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const texts = Number(process.argv.find((argument) => argument.startsWith('--texts='))?.slice(8) ?? 10_000);
  const english = await englishTexts(texts);
  const report: Record<string, unknown> = { texts: english.length };
  for (const scheme of ['kgw', 'gumbel'] as const) {
    for (const keying of ['fixed', 'per-text'] as const) {
      const started = performance.now();
      report[`${scheme} ${keying} key`] = calibrate(scheme, english, keying, 11);
      process.stderr.write(`${scheme} ${keying}: ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    }
    report[`${scheme} power`] = power(scheme, 200, 12);
  }
  report['toy model without watermark, FPR at 1e-3 (200 tokens)'] = toyModelControl(1000, 13);
  process.stdout.write(`${JSON.stringify(report, (key, value: unknown) => (key === 'values' ? undefined : value), 2)}\n`);
}
