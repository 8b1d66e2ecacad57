#!/usr/bin/env python3
"""Reference values for src/evidence/statistics.test.ts, from scipy (1.10).

Run: /usr/bin/python3 src/evidence/__golden__/generate-statistics.py > src/evidence/__golden__/statistics.json
"p" is scipy's value (betainc, binom.sf, gammaincc, kolmogorov, kstest with method='asymp');
"log10P" comes from mpmath at 50 digits (installed with scipy), because scipy's log survival
functions return -inf once a tail underflows a double and these tests pin tails down to 1e-2000.
"""
import json
import math

import mpmath
import numpy as np
from scipy import special, stats

mpmath.mp.dps = 50

def log10(value):
    return float(mpmath.log10(value))

beta = []
for x, a, b in [(0.25, 1, 1), (0.5, 2, 3), (0.1, 0.5, 0.5), (0.9, 5, 2), (0.25, 30, 71), (0.25, 60, 41),
                (0.3, 500, 501), (0.01, 2, 2000), (0.75, 1000, 10), (0.25, 5000, 5001), (0.999, 3, 3)]:
    value = special.betainc(a, b, x)
    beta.append({"x": x, "a": a, "b": b, "p": float(value), "log10P": log10(mpmath.betainc(a, b, 0, x, regularized=True))})

def binomial_tail(successes, trials, probability):
    """The tail summed term by term at 50 digits (mpmath's betainc fails to converge for large counts)."""
    if successes <= 0:
        return mpmath.mpf(1)
    p = mpmath.mpf(probability)
    term = mpmath.binomial(trials, successes) * p ** successes * (1 - p) ** (trials - successes)
    total = mpmath.mpf(0)
    for k in range(successes, trials + 1):
        total += term
        if k < trials:
            term *= mpmath.mpf(trials - k) / (k + 1) * p / (1 - p)
        if term < total * mpmath.mpf(10) ** -40:
            break
    return total

binomial = []
for successes, trials, probability in [(1, 1, 0.25), (0, 10, 0.25), (10, 10, 0.25), (7, 25, 0.25), (13, 25, 0.25),
                                       (25, 25, 0.25), (30, 100, 0.25), (60, 100, 0.25), (100, 200, 0.5),
                                       (300, 1000, 0.25), (500, 1000, 0.25), (700, 1000, 0.25), (1000, 1000, 0.25),
                                       (2000, 5000, 0.25), (1500, 5000, 0.25), (4000, 10000, 0.25), (1200, 1200, 0.5),
                                       (950, 1000, 0.5), (480, 500, 0.25), (3, 100000, 0.0001), (800, 1000, 0.25),
                                       (6000, 10000, 0.25), (20000, 40000, 0.25)]:
    value = stats.binom.sf(successes - 1, trials, probability)
    exact = binomial_tail(successes, trials, probability)
    binomial.append({"successes": successes, "trials": trials, "probability": probability, "p": float(value), "log10P": log10(exact)})

gamma = []
for a, x in [(1, 0.5), (1, 3), (5, 2), (5, 5), (25, 20), (25, 40), (100, 100), (100, 150), (100, 300), (1000, 1100),
             (1000, 1500), (1000, 2000), (5000, 6000), (250, 900), (10, 200), (0.5, 0.1), (1000, 3500), (5000, 15000)] + [
             # The Gumbel detector's thresholds: S at which Q(N, S) is 1e-2, 1e-3 or 1e-5, for the N of 25 to 400-token texts
             # and for the large N of a whole trace run (issue 11's calibration goal is read at exactly these points).
             (a, float(special.gammainccinv(a, alpha))) for a in (24, 49, 99, 199, 399, 20000, 100000) for alpha in (1e-2, 1e-3, 1e-5)]:
    value = special.gammaincc(a, x)
    gamma.append({"a": a, "x": x, "p": float(value), "log10P": log10(mpmath.gammainc(a, x, mpmath.inf, regularized=True))})

kolmogorov = [{"lambda": value, "p": float(special.kolmogorov(value))} for value in [0.05, 0.2, 0.4, 0.6, 0.8, 0.9, 1.0, 1.2, 1.5, 2.0, 3.0]]

generator = np.random.default_rng(20231)
samples = {
    "uniform": generator.uniform(size=500).tolist(),
    "skewed": (generator.uniform(size=300) ** 1.3).tolist(),
    "small": generator.uniform(size=20).tolist(),
}
kstests = []
for name, values in samples.items():
    result = stats.kstest(values, "uniform", method="asymp")
    kstests.append({"name": name, "values": values, "statistic": float(result.statistic), "pValue": float(result.pvalue)})

print(json.dumps({"generator": "src/evidence/__golden__/generate-statistics.py", "scipy": __import__("scipy").__version__,
                  "incompleteBeta": beta, "binomialUpperTail": binomial, "upperGamma": gamma,
                  "kolmogorov": kolmogorov, "kstest": kstests}, indent=1))
