#!/usr/bin/python3
"""Reference 95% Wilson score intervals from statsmodels, for src/eval/metrics.test.ts.

An implementation independent of Distillery's: statsmodels' proportion_confint(method="wilson").
Regenerate (Debian: apt-get install python3-statsmodels) with
    /usr/bin/python3 src/eval/__golden__/wilson-interval.py > src/eval/__golden__/wilson-interval.json
"""
import json

import scipy
import statsmodels
from statsmodels.stats.proportion import proportion_confint

# (successes, trials): small n, both edges, the README demo's size, and large n.
CASES = [(10, 12), (0, 12), (12, 12), (1, 1), (0, 1), (1, 3), (5, 20), (50, 100), (386, 457), (999, 1000), (4183, 5125)]

rows = []
for successes, trials in CASES:
    lower, upper = proportion_confint(successes, trials, alpha=0.05, method="wilson")
    rows.append({"successes": successes, "trials": trials, "lower": float(lower), "upper": float(upper)})

print(json.dumps({"source": f"statsmodels {statsmodels.__version__} proportion_confint(method='wilson', alpha=0.05), scipy {scipy.__version__}", "cases": rows}, indent=2))
