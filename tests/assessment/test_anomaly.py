"""The IsolationForest revisit ranking: deterministic, all scored, planted oddities on top."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assessment.anomaly import FEATURES, REVISIT_COLUMNS, features, rank_revisits
from assessment.signals import SignalSettings, prepare
from synth.county import generate_county
from synth.plan import PATTERNS, PlantSpec
from tests.assessment.test_signals import LINE, make_registry


@pytest.fixture(scope="module")
def planted() -> tuple[pd.DataFrame, set[str]]:
    """A clean county with 2 % of exits made transfer-only, same-year and just over the line."""
    rng = np.random.default_rng(21)
    h = make_registry(rng)
    ex = np.flatnonzero((h["status"] == "exited").to_numpy())
    bad = rng.choice(ex, size=max(10, len(ex) // 50), replace=False)
    size = h.loc[bad, "household_size"].to_numpy()
    h.loc[bad, "exit_year"] = h.loc[bad, "registration_year"]
    h.loc[bad, "income_per_capita"] = LINE * 1.01
    h.loc[bad, ["income_wage", "income_business", "income_property"]] = 0.0
    h.loc[bad, "income_transfer"] = LINE * 1.01 * size
    h.loc[bad, "labor_count"] = np.maximum(h.loc[bad, "labor_count"], 2)
    return h, set(h.loc[bad, "household_id"])


def test_ranking_is_deterministic_and_complete(planted: tuple[pd.DataFrame, set[str]]) -> None:
    h, _ = planted
    p = prepare(h)
    a = rank_revisits(p, income_line=LINE, rng_seed=5, top_n=0)
    b = rank_revisits(p, income_line=LINE, rng_seed=5, top_n=0)
    pd.testing.assert_frame_equal(a, b)
    assert tuple(a.columns) == REVISIT_COLUMNS
    assert len(a) == int(p["exited"].sum())
    assert a["rank"].tolist() == list(range(1, len(a) + 1))
    assert a["score"].is_monotonic_decreasing
    c = rank_revisits(p, income_line=LINE, rng_seed=6, top_n=0)
    assert not a["household_id"].equals(c["household_id"])


def test_planted_households_rise_to_the_top(planted: tuple[pd.DataFrame, set[str]]) -> None:
    h, bad = planted
    rev = rank_revisits(prepare(h), income_line=LINE, rng_seed=5, top_n=0)
    top = rev.head(max(1, len(rev) // 20))
    base = len(bad) / len(rev)
    share = top["household_id"].isin(bad).mean()
    assert share >= 3 * base, (share, base)


def test_reasons_name_the_planted_features(planted: tuple[pd.DataFrame, set[str]]) -> None:
    h, bad = planted
    rev = rank_revisits(prepare(h), income_line=LINE, rng_seed=5, top_n=20)
    hit = rev[rev["household_id"].isin(bad)]
    assert len(hit) > 0
    for zh, en in zip(hit["reasons_zh"], hit["reasons_en"], strict=True):
        assert ("transfer share" in en or "above the line" in en or "registration" in en), en
        assert "；" in zh or "（" in zh
    assert len(rev) == 20 and rev["village_code"].str.len().eq(12).all()


def test_fit_on_a_subsample_still_scores_everyone(planted: tuple[pd.DataFrame, set[str]]) -> None:
    h, _ = planted
    p = prepare(h)
    s = SignalSettings(forest_fit_max=300, forest_trees=20)
    rev = rank_revisits(p, income_line=LINE, rng_seed=1, settings=s, top_n=0)
    assert len(rev) == int(p["exited"].sum())
    assert rev["household_id"].is_unique


def test_features_are_documented_and_fill_gaps() -> None:
    h = make_registry(np.random.default_rng(3), n_villages=10)
    h.loc[h.index[:50], "income_per_capita"] = np.nan
    f = features(prepare(h), income_line=LINE)
    assert list(f.columns) == [ft.name for ft in FEATURES]
    assert not f.isna().any().any()


def test_tiny_county_gives_an_empty_list() -> None:
    h = make_registry(np.random.default_rng(3), n_villages=2, mean_size=6)
    h["status"] = "not_registered"
    rev = rank_revisits(prepare(h), income_line=LINE, rng_seed=1)
    assert rev.empty and tuple(rev.columns) == REVISIT_COLUMNS


def _forest_lift(pattern_scale: float) -> float:
    """Top 5 % of the ranking vs the base rate of planted households (truth.pattern not null),
    pooled over 3 counties × 6 patterns, one pattern planted per county.

    Quota is left out: it marks every exited household of its county (base rate 1, no lift
    possible), and it is a village-level pattern the per-household forest cannot see.
    """
    from assessment.signals import support_change
    from tests.assessment.test_signals import YEAR, synth_counties

    rows = synth_counties(3)
    patterns = [p for p in PATTERNS if p != "quota"]
    s = SignalSettings()
    pooled = {"n": 0, "bad": 0, "top": 0, "bad_top": 0}
    print(f"\nFOREST LIFT (top 5 % share of planted / base share), scale 0.15, "
          f"pattern_scale {pattern_scale}:")
    for i, (_, row) in enumerate(rows.iterrows()):
        for p in patterns:
            rng = np.random.default_rng(np.random.SeedSequence(400 + i, spawn_key=(len(p),)))
            plant = PlantSpec(wrong_exit_rate=0.06 if p == "paper_income" else 0.008,
                                    patterns=frozenset({p}), pattern_scale=pattern_scale)
            sc = generate_county(row, year=YEAR, scale=0.15, rng=rng, plant=plant,
                                       income_line=LINE)
            h = prepare(sc.households)
            rev = rank_revisits(h, income_line=LINE, rng_seed=i, top_n=0,
                                support=support_change(h, sc.support_history, YEAR, s))
            bad = rev["household_id"].isin(set(sc.truth.loc[sc.truth["pattern"].notna(),
                                                            "household_id"]))
            k = max(1, round(0.05 * len(rev)))
            base, top = bad.mean(), bad.iloc[:k].mean()
            print(f"  {row['county_code']} {p:20s} base {base:.3f} top5% {top:.3f} "
                  f"lift {top / base:.2f}")
            pooled["n"] += len(rev)
            pooled["bad"] += int(bad.sum())
            pooled["top"] += k
            pooled["bad_top"] += int(bad.iloc[:k].sum())
    base = pooled["bad"] / pooled["n"]
    top = pooled["bad_top"] / pooled["top"]
    print(f"  POOLED base {base:.3f} top5% {top:.3f} lift {top / base:.2f}")
    return top / base


@pytest.mark.slow
def test_forest_lift_when_the_patterns_are_a_minority_of_exits() -> None:
    """Half the generator's default intensity: quick exits in 15 % of exits, same-year exits
    in 7.5 %, bunching in 10 %, ... — anomalies, which is what an isolation forest finds."""
    assert _forest_lift(0.5) >= 3.0


@pytest.mark.slow
def test_forest_lift_at_full_pattern_strength() -> None:
    """At full strength quick exits are 30 % of a county's exits: no ranking can exceed a lift
    of 1/0.30 ≈ 3.3 on them, and the county-level signal (not the forest) is what catches a
    pattern that common. The pooled lift must still be well above chance."""
    assert _forest_lift(1.0) >= 2.0
