"""Empirical inclusion frequencies against the design's π (slow: thousands of draws).

Each of R independent draws selects unit i with probability π_i, so its count is
Binomial(R, π_i): |f_i − π_i| ≤ 4·sqrt(π_i(1 − π_i)/R) fails by chance with probability about
6e-5 per unit (normal tail beyond 4 SD), well under 1 % for the ≤ 60 units checked here, while
a wrong π (e.g. ignoring the certainty step or a biased start) shifts f by many SDs at this R.
"""

import numpy as np
import pandas as pd
import pytest

from sampling.design import draw_county_sample
from sampling.pps import pps_systematic, srs
from sampling.settings import SamplingSettings, VillageMethod
from tests.sampling._frames import make_county

R = 4000


def _check(counts: np.ndarray, pi: np.ndarray, reps: int) -> None:
    f = counts / reps
    tol = 4 * np.sqrt(pi * (1 - pi) / reps)
    bad = np.flatnonzero(np.abs(f - pi) > tol + 1e-12)
    assert bad.size == 0, (f[bad], pi[bad], tol[bad])


@pytest.mark.slow
def test_pps_systematic_inclusion_frequencies():
    sizes = np.array([400, 3, 17, 60, 5, 90, 45, 45, 1, 120, 30, 8, 0, 75, 22], dtype=float)
    rng = np.random.default_rng(20200601)
    counts = np.zeros(len(sizes))
    for _ in range(R):
        idx, pi = pps_systematic(sizes, 5, rng)
        counts[idx] += 1
    _check(counts, pi, R)


@pytest.mark.slow
def test_srs_inclusion_frequencies():
    rng = np.random.default_rng(7)
    counts = np.zeros(23)
    for _ in range(R):
        idx, pi = srs(23, 6, rng)
        counts[idx] += 1
    _check(counts, pi, R)


@pytest.mark.slow
@pytest.mark.parametrize("method", list(VillageMethod))
def test_two_stage_inclusion_frequencies(method):
    # 1,000 draws of a small county per stage-1 method (the ≥ 2,000-draw checks of the
    # selection functions are above): villages against pi_village, and every 7th household
    # against pi_village·pi_household (main sample).
    reps = 1000
    sizes = [5, 40, 12, 80, 7, 25, 60, 9, 33, 18, 3, 50]
    v, h = make_county(n_villages=len(sizes), households_per_village=sizes, seed=4)
    cfg = SamplingSettings(
        village_method=method,
        villages_per_stratum={"poor_remote": 2, "poor": 2, "non_poor": 2},
        households_per_village={"exited": 4, "poor": 2, "risk": 2, "other": 3},
    )
    rng = np.random.default_rng(99)
    v_counts: dict[str, int] = {}
    h_counts: dict[str, int] = {}
    v_pi: dict[str, float] = {}
    h_pi: dict[str, float] = {}
    for _ in range(reps):
        s = draw_county_sample(v, h, cfg, rng, seed=1, county_code="130631")
        vil = s.drop_duplicates("village_code")
        for code, p in zip(vil["village_code"], vil["pi_village"], strict=True):
            v_counts[code] = v_counts.get(code, 0) + 1
            v_pi[code] = p
        main = s[s["role"] == "main"]
        for hid, p in zip(main["household_id"], main["pi_village"] * main["pi_household"],
                          strict=True):
            h_counts[hid] = h_counts.get(hid, 0) + 1
            h_pi[hid] = p
    codes = sorted(v_pi)
    _check(np.array([v_counts[c] for c in codes], float), np.array([v_pi[c] for c in codes]),
           reps)
    hids = sorted(h_pi)[::7]
    _check(np.array([h_counts[c] for c in hids], float), np.array([h_pi[c] for c in hids]), reps)
    # Every village of the frame must be reachable (none has π = 0 silently).
    assert set(codes) == set(pd.unique(v["village_code"]))
