"""Coverage of the four indicators' 95 % intervals by simulation (slow).

One synthetic county (522323, scale 0.25) with the wrong-exit and missed rates planted at
0, 0.5, 1, 2 and 4 % (recognition at 1 − 5 × rate, at least 80 %), REPS independent samples
each through the whole pipeline (draw → field visits with 6 % non-response → substitution →
checks → estimation). Prints coverage with its Monte Carlo standard error and, at a zero rate,
the median upper bound. The target is 93–98 % at every non-zero rate (issue 14); the test
asserts a looser floor of 88 % so that it flags a broken interval without failing on Monte
Carlo noise, and docs/methods.md records the measured table.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from synth.county import realised_rates
from tests.assessment.test_county import _assess, _county

pytestmark = pytest.mark.slow

REPS = 60
RATES = (0.0, 0.005, 0.01, 0.02, 0.04)
NAMES = ("wrong_exit_rate", "missed_rate", "recognition_rate", "incidence")


@pytest.mark.parametrize("rate", RATES)
def test_interval_coverage(rate: float) -> None:
    sc = _county("522323", wrong_exit_rate=rate, missed_rate=rate,
                 recognition_rate=max(1 - 5 * rate, 0.8) if rate else 0.95)
    truth = realised_rates(sc)
    hits = {n: 0 for n in NAMES}
    upper = {n: [] for n in NAMES}
    for rep in range(REPS):
        ind = _assess(sc, rep=7000 + rep).indicators.indicators
        for n in NAMES:
            e = ind[n]
            hits[n] += e.ci_low <= truth[n] <= e.ci_high
            upper[n].append(e.ci_high)
    print(f"\nplanted rate {rate:.3f}, {REPS} samples:")
    for n in NAMES:
        c = hits[n] / REPS
        mc = math.sqrt(max(c * (1 - c), 1e-9) / REPS)
        print(f"  {n:17s} truth {truth[n]:.4f}  coverage {c:.1%} ± {mc:.1%} (MC s.e.)"
              f"  median upper bound {np.median(upper[n]):.4f}")
        if truth[n] > 0:
            assert c >= 0.88, (n, c)
    if rate == 0.0:
        assert np.median(upper["wrong_exit_rate"]) > 0
        assert np.median(upper["missed_rate"]) > 0
