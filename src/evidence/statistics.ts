/**
 * Exact tail probabilities for watermark detection (Fernandez et al. 2023, "Three Bricks"): the
 * binomial upper tail through the regularised incomplete beta function (KGW) and the upper incomplete
 * gamma function (Gumbel/Aaronson), both evaluated by continued fractions with the modified Lentz
 * method (Numerical Recipes §6.2, §6.4) and kept in log space, so a p-value of 1e-300 — or one far
 * below what a double can hold — still comes back as an exact log10. Also the one-sample
 * Kolmogorov–Smirnov test against the uniform distribution, for checking that p-values are calibrated.
 */

/** A probability with its base-10 logarithm (the logarithm stays finite after the probability underflows). */
export interface TailProbability {
  p: number;
  log10P: number;
}

const LN10 = Math.LN10;
const TINY = 1e-300;
const EPSILON = 1e-16;

// Lanczos coefficients (g = 7, n = 9): about 15 significant digits for the gamma function.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0: Stirling's series for large x (no cancellation), Lanczos below. */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`logGamma needs a positive argument, got ${x}`);
  if (x >= 15) {
    const inverse = 1 / x;
    const inverseSquared = inverse * inverse;
    const series = inverse * (1 / 12 - inverseSquared * (1 / 360 - inverseSquared * (1 / 1260 - inverseSquared * (1 / 1680 - inverseSquared / 1188))));
    return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + series;
  }
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const shifted = x - 1;
  let sum = LANCZOS[0]!;
  for (let index = 1; index < LANCZOS.length; index++) sum += LANCZOS[index]! / (shifted + index);
  const t = shifted + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (shifted + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** ln B(a, b). */
export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

/** Iterations allowed to a continued fraction; it needs about √max(a, b) of them, so this covers a, b up to ~1e9. */
const MAX_ITERATIONS = 200_000;

/** The continued fraction of the incomplete beta function (NR betacf), by modified Lentz. */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const sum = a + b;
  let c = 1;
  let d = 1 - (sum * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let result = d;
  for (let m = 1; m <= MAX_ITERATIONS; m++) {
    const twoM = 2 * m;
    let coefficient = (m * (b - m) * x) / ((a + twoM - 1) * (a + twoM));
    d = 1 + coefficient * d; if (Math.abs(d) < TINY) d = TINY;
    c = 1 + coefficient / c; if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    result *= d * c;
    coefficient = (-(a + m) * (sum + m) * x) / ((a + twoM) * (a + twoM + 1));
    d = 1 + coefficient * d; if (Math.abs(d) < TINY) d = TINY;
    c = 1 + coefficient / c; if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    result *= delta;
    if (Math.abs(delta - 1) < EPSILON) return result;
  }
  throw new RangeError(`incomplete beta continued fraction did not converge (a=${a}, b=${b}, x=${x})`);
}

/** ln of the regularised incomplete beta I_x(a, b), evaluated where its continued fraction converges fast. */
function logIncompleteBetaDirect(a: number, b: number, x: number): number {
  return a * Math.log(x) + b * Math.log1p(-x) - logBeta(a, b) - Math.log(a) + Math.log(betaContinuedFraction(a, b, x));
}

/** The regularised incomplete beta I_x(a, b) with its log10 (exact in log space when it underflows). */
export function regularizedIncompleteBeta(x: number, a: number, b: number): TailProbability {
  if (!(a > 0 && b > 0)) throw new RangeError(`incomplete beta needs a, b > 0 (a=${a}, b=${b})`);
  if (!(x >= 0 && x <= 1)) throw new RangeError(`incomplete beta needs 0 <= x <= 1, got ${x}`);
  if (x === 0) return { p: 0, log10P: -Infinity };
  if (x === 1) return { p: 1, log10P: 0 };
  if (x < (a + 1) / (a + b + 2)) {
    const logValue = logIncompleteBetaDirect(a, b, x);
    return { p: Math.exp(logValue), log10P: logValue / LN10 };
  }
  // Symmetry I_x(a, b) = 1 − I_{1−x}(b, a); here the value is at least about one half, so no precision is lost.
  const complement = Math.exp(logIncompleteBetaDirect(b, a, 1 - x));
  const value = 1 - complement;
  return { p: value, log10P: Math.log1p(-complement) / LN10 };
}

/** P[Binomial(trials, probability) ≥ successes] = I_probability(successes, trials − successes + 1). */
export function binomialUpperTail(successes: number, trials: number, probability: number): TailProbability {
  if (!Number.isInteger(successes) || !Number.isInteger(trials) || trials < 0) throw new RangeError(`binomial tail needs integer counts (successes=${successes}, trials=${trials})`);
  if (!(probability > 0 && probability < 1)) throw new RangeError(`binomial tail needs 0 < probability < 1, got ${probability}`);
  if (successes <= 0) return { p: 1, log10P: 0 };
  if (successes > trials) return { p: 0, log10P: -Infinity };
  return regularizedIncompleteBeta(probability, successes, trials - successes + 1);
}

/** ln P(a, x) by its power series (converges fast for x < a + 1). */
function logLowerGammaSeries(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n <= MAX_ITERATIONS; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPSILON) return Math.log(sum) - x + a * Math.log(x) - logGamma(a);
  }
  throw new RangeError(`incomplete gamma series did not converge (a=${a}, x=${x})`);
}

/** ln Q(a, x) by its continued fraction (NR gcf, modified Lentz; converges fast for x ≥ a + 1). */
function logUpperGammaContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let result = d;
  for (let n = 1; n <= MAX_ITERATIONS; n++) {
    const coefficient = -n * (n - a);
    b += 2;
    d = coefficient * d + b; if (Math.abs(d) < TINY) d = TINY;
    c = b + coefficient / c; if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    result *= delta;
    if (Math.abs(delta - 1) < EPSILON) return Math.log(result) - x + a * Math.log(x) - logGamma(a);
  }
  throw new RangeError(`incomplete gamma continued fraction did not converge (a=${a}, x=${x})`);
}

/** The regularised upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a) with its log10: P[Gamma(a, 1) ≥ x]. */
export function regularizedUpperGamma(a: number, x: number): TailProbability {
  if (!(a > 0)) throw new RangeError(`incomplete gamma needs a > 0, got ${a}`);
  if (!(x >= 0)) throw new RangeError(`incomplete gamma needs x >= 0, got ${x}`);
  if (x === 0) return { p: 1, log10P: 0 };
  if (x < a + 1) {
    const lower = Math.exp(logLowerGammaSeries(a, x));
    return { p: 1 - lower, log10P: Math.log1p(-lower) / LN10 };
  }
  const logValue = logUpperGammaContinuedFraction(a, x);
  return { p: Math.exp(logValue), log10P: logValue / LN10 };
}

/**
 * The Kolmogorov distribution's survival function P[K > λ] (scipy.special.kolmogorov): the alternating
 * series 2 Σ (−1)^(k−1) e^(−2k²λ²) where it converges fast, the Jacobi-theta form for small λ.
 */
export function kolmogorovSurvival(lambda: number): number {
  if (lambda <= 0) return 1;
  if (lambda < 1) {
    // 1 − √(2π)/λ Σ_{k≥1} e^(−(2k−1)²π²/(8λ²)).
    const factor = (Math.PI * Math.PI) / (8 * lambda * lambda);
    let sum = 0;
    for (let k = 1; k <= 100; k++) {
      const term = Math.exp(-((2 * k - 1) ** 2) * factor);
      sum += term;
      if (term < 1e-17 * sum) break;
    }
    return 1 - (Math.sqrt(2 * Math.PI) / lambda) * sum;
  }
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    sum += (k % 2 === 1 ? 1 : -1) * term;
    if (term < 1e-17) break;
  }
  return Math.max(0, Math.min(1, 2 * sum));
}

/** A one-sample Kolmogorov–Smirnov test. */
export interface KolmogorovSmirnovResult {
  /** sup |F_n(x) − x|. */
  statistic: number;
  /** Asymptotic p-value P[K > √n · D] (scipy.stats.kstest with method='asymp'). */
  pValue: number;
  samples: number;
}

/** The one-sample KS test of `values` against Uniform(0, 1) (values outside [0, 1] are clamped). */
export function kolmogorovSmirnovUniform(values: readonly number[]): KolmogorovSmirnovResult {
  if (values.length === 0) throw new RangeError('a KS test needs at least one value');
  const sorted = Float64Array.from(values, (value) => Math.min(1, Math.max(0, value))).sort();
  const count = sorted.length;
  let statistic = 0;
  for (let index = 0; index < count; index++) {
    const value = sorted[index]!;
    statistic = Math.max(statistic, (index + 1) / count - value, value - index / count);
  }
  return { statistic, pValue: kolmogorovSurvival(Math.sqrt(count) * statistic), samples: count };
}

/**
 * The randomised binomial p-value P[X > S] + u · P[X = S] for u ~ Uniform(0, 1): exactly uniform under
 * the null, unlike the (conservative, discrete) exact tail — what a uniformity check of a detector's
 * hashing should look at, since the exact tail of short texts is a staircase a KS test always rejects.
 */
export function randomizedBinomialUpperTail(successes: number, trials: number, probability: number, uniform: number): number {
  const atLeast = binomialUpperTail(successes, trials, probability).p;
  const above = binomialUpperTail(successes + 1, trials, probability).p;
  return above + uniform * (atLeast - above);
}
