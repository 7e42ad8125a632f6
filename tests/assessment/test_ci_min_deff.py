"""The design-effect floor of the Korn–Graubard interval (Korn & Graubard 1998; NCHS 2017)."""

import numpy as np
import pandas as pd
from scipy import stats

from assessment.ci import korn_graubard_interval
from assessment.estimation import SurveyDesign


def test_floor_caps_the_effective_sample_size_at_n() -> None:
    # var smaller than SRS's p(1-p)/n means deff < 1: R's n_eff exceeds n.
    p, n, df = 0.02, 400, 30
    var = 0.5 * p * (1 - p) / n
    lo_r, hi_r, n_eff_r = korn_graubard_interval(p, var, n, df, 0.95)
    lo, hi, n_eff = korn_graubard_interval(p, var, n, df, 0.95, min_deff=1.0)
    factor = (stats.t.ppf(0.025, n - 1) / stats.t.ppf(0.025, df)) ** 2  # R's df adjustment
    assert n_eff_r > n * factor
    assert np.isclose(n_eff, n * factor)  # capped at n, then df-adjusted (NCHS 2017 order)
    assert hi > hi_r and lo < lo_r  # wider on both sides
    # The capped bound is Clopper–Pearson at n_eff (x = n_eff·p): an independent closed form.
    x = n_eff * p
    assert np.isclose(hi, stats.beta.ppf(0.975, x + 1, n_eff - x))


def test_floor_leaves_an_interval_with_deff_above_one_alone() -> None:
    p, n, df = 0.05, 400, 30
    var = 3.0 * p * (1 - p) / n
    assert korn_graubard_interval(p, var, n, df, 0.95) == korn_graubard_interval(
        p, var, n, df, 0.95, min_deff=1.0)


def test_proportion_passes_the_floor_through() -> None:
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"psu": np.repeat(np.arange(20), 30), "w": 1.0})
    df["y"] = (rng.random(len(df)) < 0.03).astype(float)
    d = SurveyDesign(df, weights="w", psu="psu")
    r_like, floored = d.proportion("y", ci="beta"), d.proportion("y", ci="beta", min_deff=1.0)
    # This sample's estimated design effect is below 1, so the floor must widen the CI.
    assert floored.ci_high > r_like.ci_high and floored.value == r_like.value
