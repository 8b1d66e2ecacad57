/**
 * The Shapiro–Wilk test of normality, as in R's shapiro.test: the coefficients of Royston (1992) and
 * the p-value approximations of Royston (1995), Algorithm AS R94. PRADA uses it on the distances
 * between a key's queries.
 */
import { normalQuantile, normalUpperTail } from './normal-distribution.js';

/** W and its p-value (small p: the sample is unlikely to come from a normal distribution). */
export interface ShapiroWilkResult { w: number; pValue: number }

/** Royston's polynomial corrections for the two largest coefficients (AS R94 `c1`, `c2`). */
const FIRST_COEFFICIENT = [0, 0.221157, -0.147981, -2.07119, 4.434685, -2.706056];
const SECOND_COEFFICIENT = [0, 0.042981, -0.293762, -1.752461, 5.682633, -3.582633];
/** The p-value's normalising transform: mean and log-sd of log(1 − W) as polynomials (AS R94 `g`, `c3`–`c6`). */
const SMALL_GAMMA = [-2.273, 0.459];
const SMALL_MEAN = [0.544, -0.39978, 0.025054, -6.714e-4];
const SMALL_LOG_SD = [1.3822, -0.77857, 0.062767, -0.0020322];
const LARGE_MEAN = [-1.5861, -0.31082, -0.083751, 0.0038915];
const LARGE_LOG_SD = [-0.4803, -0.082676, 0.0030302];
/** Samples larger than this are outside the approximations' range (as in R). */
export const SHAPIRO_WILK_MAX_N = 5000;

/** c[0] + c[1]·x + c[2]·x² + … */
function polynomial(coefficients: readonly number[], x: number): number {
  let sum = 0;
  for (let index = coefficients.length - 1; index >= 0; index--) sum = sum * x + (coefficients[index] ?? 0);
  return sum;
}

const coefficientCache = new Map<number, Float64Array>();

/** The n/2 positive coefficients a_1 ≥ a_2 ≥ … for a sample of size n (cached: PRADA asks for the same n every request). */
export function shapiroWilkCoefficients(n: number): Float64Array {
  const cached = coefficientCache.get(n);
  if (cached !== undefined) return cached;
  const half = Math.floor(n / 2);
  const a = new Float64Array(half);
  if (n === 3) {
    a[0] = Math.SQRT1_2;
  } else {
    // Expected normal order statistics (Blom's approximation), lower half, negative.
    const m = Float64Array.from({ length: half }, (_, index) => normalQuantile((index + 1 - 0.375) / (n + 0.25)));
    const sumSquares = 2 * m.reduce((sum, value) => sum + value * value, 0);
    const root = Math.sqrt(sumSquares);
    const x = 1 / Math.sqrt(n);
    const a1 = polynomial(FIRST_COEFFICIENT, x) - (m[0] as number) / root;
    let first = 1;
    let factor: number;
    if (n > 5) {
      const a2 = polynomial(SECOND_COEFFICIENT, x) - (m[1] as number) / root;
      factor = Math.sqrt((sumSquares - 2 * (m[0] as number) ** 2 - 2 * (m[1] as number) ** 2) / (1 - 2 * a1 * a1 - 2 * a2 * a2));
      a[1] = a2;
      first = 2;
    } else {
      factor = Math.sqrt((sumSquares - 2 * (m[0] as number) ** 2) / (1 - 2 * a1 * a1));
    }
    a[0] = a1;
    for (let index = first; index < half; index++) a[index] = -(m[index] as number) / factor;
  }
  if (coefficientCache.size > 64) coefficientCache.clear();
  coefficientCache.set(n, a);
  return a;
}

/** Royston's p-value for W from a sample of size n. */
export function shapiroWilkPValue(w: number, n: number): number {
  if (n === 3) {
    // Exact for n = 3: (6/π)(asin √W − asin √(3/4)).
    return Math.min(1, Math.max(0, (6 / Math.PI) * (Math.asin(Math.sqrt(w)) - Math.PI / 3)));
  }
  const logComplement = Math.log(1 - w);
  if (n <= 11) {
    const gamma = polynomial(SMALL_GAMMA, n);
    if (logComplement >= gamma) return 1e-99;
    const y = -Math.log(gamma - logComplement);
    return normalUpperTail((y - polynomial(SMALL_MEAN, n)) / Math.exp(polynomial(SMALL_LOG_SD, n)));
  }
  const logN = Math.log(n);
  return normalUpperTail((logComplement - polynomial(LARGE_MEAN, logN)) / Math.exp(polynomial(LARGE_LOG_SD, logN)));
}

/**
 * Shapiro–Wilk W and p for a sample of 3 to 5000 values; null when the sample is too small, too large,
 * or has no spread (all values equal), where the test is undefined.
 */
export function shapiroWilk(values: ArrayLike<number>): ShapiroWilkResult | null {
  const n = values.length;
  if (n < 3 || n > SHAPIRO_WILK_MAX_N) return null;
  const sorted = Float64Array.from(values).sort();
  const range = (sorted[n - 1] as number) - (sorted[0] as number);
  if (!(range > 0)) return null;
  const a = shapiroWilkCoefficients(n);
  let mean = 0;
  for (const value of sorted) mean += value;
  mean /= n;
  let squares = 0;
  for (const value of sorted) squares += (value - mean) ** 2;
  let numerator = 0;
  for (let index = 0; index < a.length; index++) numerator += (a[index] as number) * ((sorted[n - 1 - index] as number) - (sorted[index] as number));
  let w = Math.min(1, (numerator * numerator) / squares);
  if (n === 3) w = Math.max(w, 0.75);
  return { w, pValue: shapiroWilkPValue(w, n) };
}
