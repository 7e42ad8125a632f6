"""County indicators: a hand-worked tiny design, every verdict branch, empty domains, JSON."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from assessment.ci import beta_interval_at
from assessment.indicators import (
    INDICATORS,
    IndicatorInputError,
    RegistryCounts,
    county_indicators,
    verdict_for,
)
from assessment.settings import CIMethod, Thresholds
from registry.contract import CHECKS

THRESHOLDS = Thresholds()

# ----------------------------------------------------------------------------- tiny design
# Two village strata (A, B) of two villages each: df = 4 PSUs − 2 strata = 2.
# (id, village, v-stratum, stratum, weight, size, standard, recognition, outcome, failing checks)
TINY_ROWS = [
    ("h1", "V1", "A", "exited", 10, 2, "fails", "yes", "completed", "income"),
    ("h2", "V1", "A", "exited", 10, 3, "meets", "yes", "completed", ""),
    ("h3", "V2", "A", "exited", 10, 4, "meets", "unsure", "completed", ""),
    ("h4", "V3", "B", "exited", 20, 1, "meets", "yes", "completed", ""),
    ("h5", "V3", "B", "exited", 20, 5, "meets", "yes", "completed", ""),
    ("h6", "V4", "B", "exited", 20, 2, "fails", None, "completed", "housing;water"),
    ("h7", "V1", "A", "other", 5, 4, "meets", "no", "completed", ""),  # not registered: no vote
    ("h8", "V2", "A", "risk", 5, 2, "fails", None, "completed", "medical"),
    ("h9", "V3", "B", "other", 8, 3, "meets", None, "completed", ""),
    ("h10", "V4", "B", "other", 8, 5, "unverified", None, "completed", ""),
    ("h11", "V1", "A", "poor", 10, 3, "fails", "yes", "completed", "food"),  # poor: no rate
    ("h12", "V3", "B", "poor", 20, 2, "meets", "no", "completed", ""),
    ("h13", "V2", "A", "exited", 10, 3, None, None, "refused", ""),
    ("h14", "V4", "B", "risk", 8, 2, None, None, "not_home", ""),
    ("h15", "V4", "B", "other", 8, 2, None, None, None, ""),  # no visit yet
    ("h16", "V2", "A", "poor", 10, 2, None, None, "pending", ""),  # visit not yet approved
]
TINY_REGISTRY = RegistryCounts(
    people_total=10_000, people_poor=100, households_total=2_500, households_exited=300,
    people_exited=250, people_not_registered=94,  # = the sample's weighted people
)


def frame(rows: list[tuple]) -> pd.DataFrame:
    cols = ["household_id", "village_code", "village_stratum", "stratum", "weight",
            "household_size", "standard", "recognition", "outcome", "failed_checks"]
    df = pd.DataFrame(rows, columns=cols)
    for c in CHECKS:
        failing = df["failed_checks"].str.split(";").map(lambda xs, c=c: c in xs)
        df[f"{c}_result"] = np.where(df["standard"].isna(), None,
                                     np.where(failing, "fail", "pass"))
    return df


@pytest.fixture(scope="module")
def tiny() -> pd.DataFrame:
    return frame(TINY_ROWS)


def test_wrong_exit_rate_by_hand(tiny: pd.DataFrame) -> None:
    r = county_indicators(tiny, registry=TINY_REGISTRY, region="central",
                          thresholds=THRESHOLDS).indicators["wrong_exit_rate"]
    # Σw·size over verified exited: 10·2 + 10·3 + 10·4 + 20·1 + 20·5 + 20·2 = 250;
    # failing: h1 10·2 + h6 20·2 = 60 → 60/250 = 0.24.
    assert r.value == pytest.approx(0.24)
    # Linearised scores w·size·(y − 0.24)/250 summed per village:
    #   V1 = (20·0.76 − 30·0.24)/250 = 0.032, V2 = −40·0.24/250 = −0.0384,
    #   V3 = −(20 + 100)·0.24/250 = −0.1152, V4 = 40·0.76/250 = 0.1216.
    # Stratum A: 2·(2·0.0352²) = 0.00495616; B: 2·(2·0.1184²) = 0.05607424.
    assert r.se == pytest.approx(math.sqrt(0.00495616 + 0.05607424))
    assert (r.df, r.n_households, r.direction, r.threshold) == (2, 6, "max", 0.02)
    assert r.ci_low < r.value < r.ci_high
    assert r.verdict == "fail" and r.extra_households is None


def test_missed_rate_excludes_unverified_by_hand(tiny: pd.DataFrame) -> None:
    r = county_indicators(tiny, registry=TINY_REGISTRY, region="central",
                          thresholds=THRESHOLDS).indicators["missed_rate"]
    # h7 (20 people·w), h8 (10, fails), h9 (24); h10 is unverified and left out: 10/54.
    assert r.value == pytest.approx(10 / 54)
    assert r.n_households == 3
    # Scores: V1 = −20·R/54, V2 = 10·(1 − R)/54, V3 = −24·R/54, V4 = 0, R = 10/54.
    R = 10 / 54
    v1, v2, v3 = -20 * R / 54, 10 * (1 - R) / 54, -24 * R / 54
    var = 2 * 2 * ((v1 - v2) / 2) ** 2 + 2 * 2 * (v3 / 2) ** 2
    assert r.se == pytest.approx(math.sqrt(var))


def test_recognition_by_hand(tiny: pd.DataFrame) -> None:
    r = county_indicators(tiny, registry=TINY_REGISTRY, region="central",
                          thresholds=THRESHOLDS).indicators["recognition_rate"]
    # Registered and interviewed: h1 h2 h3 h4 h5 h11 h12 (h6 not interviewed, h7 not
    # registered). "yes" weights 10+10+20+20+10 = 70 of 100 → 0.70; "unsure" is not "yes".
    assert r.value == pytest.approx(0.70)
    # Scores w(y − 0.7)/100 per village: V1 0.09, V2 −0.07, V3 −0.02, V4 0 → var 0.0256 + 0.0004.
    assert r.se == pytest.approx(math.sqrt(0.026))
    assert (r.n_households, r.direction, r.verdict) == (7, "min", "fail")


def _incidence_by_hand() -> tuple[float, float, float]:
    """(value, se, t_nonreg) of the tiny county's incidence, worked out by hand."""
    # Rates over verified households, weights w·size. Exited: w·size 20, 30, 40 (V1, V1, V2),
    # 20, 100, 40 (V3, V3, V4); h1 and h6 fail: p_w = 60/250. Non-registered verified: h7 20
    # (V1), h8 10 (V2, fails), h9 24 (V3): p_m = 10/54.
    big_e, big_r = 250, 94
    p_w, p_m = 60 / 250, 10 / 54
    t_nonreg = p_m * big_r
    value = (100 + p_w * big_e + t_nonreg) / 10_000
    # Scores of I·N: E·w·size·(fails − p_w)/250 and R·w·size·(fails − p_m)/54, per village.
    zw = {"V1": 20 * (1 - p_w) + 30 * -p_w, "V2": 40 * -p_w, "V3": 120 * -p_w,
          "V4": 40 * (1 - p_w)}
    zm = {"V1": 20 * -p_m, "V2": 10 * (1 - p_m), "V3": 24 * -p_m, "V4": 0.0}
    t = {v: big_e * zw[v] / 250 + big_r * zm[v] / 54 for v in zw}
    # Two strata of two PSUs: n/(n−1)·Σ(t − t̄)² = (t1 − t2)².
    se = math.sqrt((t["V1"] - t["V2"]) ** 2 + (t["V3"] - t["V4"]) ** 2) / 10_000
    return value, se, t_nonreg


def test_incidence_by_hand(tiny: pd.DataFrame) -> None:
    res = county_indicators(tiny, registry=TINY_REGISTRY, region="central",
                            thresholds=THRESHOLDS)
    r = res.indicators["incidence"]
    value, se, t_nonreg = _incidence_by_hand()
    assert r.value == pytest.approx(value)
    assert r.se == pytest.approx(se)
    # The interval: Korn–Graubard on the failure share q = (60 + t_nonreg)/(E + R) of the
    # 344 people, effective size capped at 1/Σ a_c²/n_c (n_exited 6, n_nonreg 3).
    q = (60 + t_nonreg) / 344
    a_w, a_m = 250 / 344, 94 / 344
    cap = 1 / (a_w**2 / 6 + a_m**2 / 3)
    n_eff = min(q * (1 - q) / (se * 10_000 / 344) ** 2, cap)
    low, high, _ = beta_interval_at(q, n_eff, 9, 2, 0.95)
    assert r.ci_low == pytest.approx((100 + low * 344) / 10_000)
    assert r.ci_high == pytest.approx((100 + high * 344) / 10_000)
    # value < 0.02 but the upper bound is not: borderline.
    assert r.value < 0.02 < r.ci_high
    assert r.verdict == "borderline" and r.extra_households >= 1
    assert res.people_failing_exited == pytest.approx(60)
    assert res.people_failing_not_registered == pytest.approx(t_nonreg)


def test_tiny_counts_and_overall_verdict(tiny: pd.DataFrame) -> None:
    res = county_indicators(tiny, registry=TINY_REGISTRY, region="central",
                            thresholds=THRESHOLDS)
    assert res.verdict == "fail"
    # Exited + non-registered completed households only (h11 is poor: its food failure is out).
    assert res.failures_by_check == {"income": 20.0, "food": 0.0, "clothing": 0.0,
                                     "education": 0.0, "medical": 10.0, "housing": 40.0,
                                     "water": 40.0}
    assert res.failures_by_check_count == {"income": 1, "food": 0, "clothing": 0,
                                           "education": 0, "medical": 1, "housing": 1,
                                           "water": 1}
    assert res.unverified_households == 1 and res.unverified_by_stratum["other"] == 1
    assert res.nonresponse == {"not_home": 1, "refused": 1, "moved": 0, "deceased": 0,
                               "not_found": 0}
    assert res.pending_households == 2 and res.households_completed == 12


def test_west_incidence_threshold_and_extra(tiny: pd.DataFrame) -> None:
    r = county_indicators(tiny, registry=TINY_REGISTRY, region="west",
                          thresholds=THRESHOLDS).indicators["incidence"]
    assert r.threshold == 0.03
    assert r.verdict in ("pass", "borderline")
    if r.verdict == "borderline":
        assert r.extra_households is None or r.extra_households >= 1


def test_variance_columns_override_village_columns(tiny: pd.DataFrame) -> None:
    # One variance stratum with four PSUs: a different SE, the same point estimate.
    alt = tiny.assign(var_stratum="S", var_psu=tiny["village_code"])
    a = county_indicators(alt, registry=TINY_REGISTRY, region="central", thresholds=THRESHOLDS)
    b = county_indicators(tiny, registry=TINY_REGISTRY, region="central", thresholds=THRESHOLDS)
    wa, wb = a.indicators["wrong_exit_rate"], b.indicators["wrong_exit_rate"]
    assert wa.value == pytest.approx(wb.value) and wa.df == 3 and wa.se != pytest.approx(wb.se)


# ----------------------------------------------------------------------------- verdict rule
@pytest.mark.parametrize(
    ("value", "low", "high", "thr", "direction", "expected"),
    [
        (0.01, 0.005, 0.015, 0.02, "max", "pass"),
        (0.01, 0.005, 0.02, 0.02, "max", "borderline"),  # bound must be strictly below
        (0.02, 0.01, 0.03, 0.02, "max", "fail"),  # point on the maximum misses (< rule)
        (0.95, 0.91, 0.98, 0.90, "min", "pass"),
        (0.95, 0.90, 0.98, 0.90, "min", "pass"),  # ≥ rule: the bound may sit on it
        (0.92, 0.85, 0.97, 0.90, "min", "borderline"),
        (0.89, 0.85, 0.93, 0.90, "min", "fail"),
        (float("nan"), float("nan"), float("nan"), 0.02, "max", "borderline"),
    ],
)
def test_verdict_rule(value, low, high, thr, direction, expected) -> None:
    assert verdict_for(value, low, high, thr, direction) == expected


# ----------------------------------------------------------------------------- branches
BIG_REGISTRY = RegistryCounts(
    people_total=200_000, people_poor=1_000, households_total=50_000, households_exited=6_000,
    people_exited=20_000, people_not_registered=150_000,
)


def synthetic(villages: int = 20, exited: int = 20, nonreg: int = 20, poor: int = 5,
              exited_fail: int = 0, nonreg_fail: int = 0, rec_no: int = 0) -> pd.DataFrame:
    """Equal weights and sizes; per village the first k households of a stratum fail."""
    rows = []
    for v in range(villages):  # a loop over villages building a test frame
        vs = "A" if v % 2 else "B"
        for i in range(exited):
            rows.append((f"e{v}-{i}", f"V{v}", vs, "exited", 50, 3,
                         "fails" if i < exited_fail else "meets",
                         "no" if i < rec_no else "yes", "completed",
                         "income" if i < exited_fail else ""))
        for i in range(poor):
            rows.append((f"p{v}-{i}", f"V{v}", vs, "poor", 50, 3, "meets", "yes",
                         "completed", ""))
        for i in range(nonreg):
            rows.append((f"n{v}-{i}", f"V{v}", vs, "risk" if i % 2 else "other", 50, 3,
                         "fails" if i < nonreg_fail else "meets", None, "completed",
                         "water" if i < nonreg_fail else ""))
    return frame(rows)


def test_all_pass_with_zero_failures() -> None:
    res = county_indicators(synthetic(), registry=BIG_REGISTRY, region="central",
                            thresholds=THRESHOLDS)
    for name in INDICATORS:
        assert res.indicators[name].verdict == "pass", name
    w = res.indicators["wrong_exit_rate"]
    assert w.value == 0 and 0 < w.ci_high < 0.02  # zero failures still bound above 0
    r = res.indicators["recognition_rate"]
    assert r.value == 1 and 0.9 <= r.ci_low < 1
    inc = res.indicators["incidence"]
    assert inc.value == pytest.approx(0.005) and inc.ci_high > inc.value
    assert res.verdict == "pass" and res.notes == {}


def test_each_indicator_fails() -> None:
    res = county_indicators(synthetic(exited_fail=2, nonreg_fail=2, rec_no=5),
                            registry=BIG_REGISTRY, region="central", thresholds=THRESHOLDS)
    assert res.indicators["wrong_exit_rate"].value == pytest.approx(0.10)
    assert res.indicators["missed_rate"].value == pytest.approx(0.10)
    assert res.indicators["recognition_rate"].value == pytest.approx(0.80)
    for name in INDICATORS:
        assert res.indicators[name].verdict == "fail", name
        assert res.indicators[name].extra_households is None
    assert res.verdict == "fail"


def test_each_indicator_borderline_in_a_small_sample() -> None:
    res = county_indicators(synthetic(villages=4, exited=10, nonreg=10, poor=2),
                            registry=BIG_REGISTRY, region="central", thresholds=THRESHOLDS)
    for name in INDICATORS:
        r = res.indicators[name]
        assert r.verdict == "borderline", name
        assert r.extra_households is not None and r.extra_households > 0, name
    assert res.indicators["recognition_rate"].ci_low < 0.9
    assert res.verdict == "borderline"


def test_recognition_borderline_with_dissent() -> None:
    # 1 "no" in 15 registered per village: 14/15 ≈ 0.933 ≥ 0.90, lower bound below it.
    res = county_indicators(synthetic(villages=4, exited=10, nonreg=10, poor=5, rec_no=1),
                            registry=BIG_REGISTRY, region="central", thresholds=THRESHOLDS)
    r = res.indicators["recognition_rate"]
    assert r.value == pytest.approx(14 / 15) and r.verdict == "borderline"
    assert r.extra_households > 0


def test_west_threshold_passes_what_central_fails() -> None:
    reg = RegistryCounts(people_total=100_000, people_poor=2_500, households_total=25_000,
                         households_exited=2_000, people_exited=5_000,
                         people_not_registered=20_000)
    scored = synthetic()
    west = county_indicators(scored, registry=reg, region="west", thresholds=THRESHOLDS)
    central = county_indicators(scored, registry=reg, region="central", thresholds=THRESHOLDS)
    assert west.indicators["incidence"].value == pytest.approx(0.025)
    assert (west.indicators["incidence"].verdict, central.indicators["incidence"].verdict) == (
        "pass", "fail")


def test_logit_interval_is_configurable() -> None:
    scored = synthetic(exited_fail=1)
    beta = county_indicators(scored, registry=BIG_REGISTRY, region="central",
                             thresholds=THRESHOLDS).indicators["wrong_exit_rate"]
    logit = county_indicators(scored, registry=BIG_REGISTRY, region="central",
                              thresholds=Thresholds(ci_method=CIMethod.LOGIT)
                              ).indicators["wrong_exit_rate"]
    assert beta.value == pytest.approx(logit.value)
    assert "logit" in logit.method and "beta" in beta.method
    detail = county_indicators(scored, registry=BIG_REGISTRY, region="central",
                               thresholds=Thresholds(ci_method=CIMethod.LOGIT)).detail_json()
    assert detail["indicators"]["wrong_exit_rate"]["method"] == "logit"
    # p̂ = 0 for the missed rate: logit is undefined there and the estimator uses beta.
    assert detail["indicators"]["missed_rate"]["method"] == "beta"


# ----------------------------------------------------------------------------- empty domains
def test_no_completed_non_registered_households_yet() -> None:
    scored = synthetic(nonreg=0)
    res = county_indicators(scored, registry=BIG_REGISTRY, region="central",
                            thresholds=THRESHOLDS)
    m = res.indicators["missed_rate"]
    assert math.isnan(m.value) and m.verdict == "borderline" and m.n_households == 0
    assert m.reason == "INDICATOR_EMPTY_DOMAIN"
    inc = res.indicators["incidence"]
    assert inc.verdict == "borderline" and inc.reason == "INDICATOR_EMPTY_DOMAIN"
    assert res.indicators["wrong_exit_rate"].verdict == "pass"
    assert res.verdict == "borderline"
    assert res.notes == {"missed_rate": "INDICATOR_EMPTY_DOMAIN",
                         "incidence": "INDICATOR_EMPTY_DOMAIN"}
    json.dumps(res.result_json("130631", SAMPLE, provisional=True), allow_nan=False)


def test_an_empty_domain_does_not_hide_a_failure() -> None:
    res = county_indicators(synthetic(nonreg=0, exited_fail=4), registry=BIG_REGISTRY,
                            region="central", thresholds=THRESHOLDS)
    assert res.indicators["wrong_exit_rate"].verdict == "fail"
    assert res.verdict == "fail"


def test_nothing_completed_yet() -> None:
    scored = frame(TINY_ROWS).assign(outcome=None, standard=None)
    for c in CHECKS:
        scored[f"{c}_result"] = None
    res = county_indicators(scored, registry=TINY_REGISTRY, region="east",
                            thresholds=THRESHOLDS)
    assert {r.verdict for r in res.indicators.values()} == {"borderline"}
    assert res.pending_households == len(TINY_ROWS) and res.households_completed == 0
    assert res.failures_by_check == dict.fromkeys(CHECKS, 0.0)


def test_one_village_per_stratum_has_no_df(tiny: pd.DataFrame) -> None:
    one = tiny.assign(village_stratum=tiny["village_code"])
    res = county_indicators(one, registry=TINY_REGISTRY, region="central",
                            thresholds=THRESHOLDS)
    for r in res.indicators.values():
        assert (r.verdict, r.reason) == ("borderline", "INDICATOR_NO_DF")


# ----------------------------------------------------------------------------- JSON
SAMPLE = {"households_drawn": 15, "households_completed": 12, "response_rate": 12 / 14,
          "reserves_used": 1, "ignored": "x"}


def test_result_json_has_exactly_the_contract_keys(tiny: pd.DataFrame) -> None:
    res = county_indicators(tiny, registry=TINY_REGISTRY, region="central",
                            thresholds=THRESHOLDS)
    doc = res.result_json("130631", SAMPLE, provisional=False)
    assert set(doc) == {"county_code", "verdict", "indicators", "sample", "failures_by_check",
                        "provisional"}
    assert set(doc["indicators"]) == set(INDICATORS)
    for ind in doc["indicators"].values():
        assert set(ind) == {"value", "se", "ci_low", "ci_high", "threshold", "verdict"}
        assert ind["verdict"] in ("pass", "fail", "borderline")
    assert set(doc["sample"]) == {"households_drawn", "households_completed", "response_rate",
                                  "reserves_used"}
    assert set(doc["failures_by_check"]) == set(CHECKS)
    assert doc["provisional"] is False and doc["county_code"] == "130631"
    assert json.loads(json.dumps(doc, allow_nan=False)) == doc


def test_detail_json_carries_the_rest(tiny: pd.DataFrame) -> None:
    res = county_indicators(tiny, registry=TINY_REGISTRY, region="west",
                            thresholds=THRESHOLDS)
    d = res.detail_json()
    assert d["indicators"]["recognition_rate"]["direction"] == "min"
    assert d["indicators"]["wrong_exit_rate"]["df"] == 2
    # Short interval names for the report's labels; the estimator's wording beside them.
    assert [d["indicators"][k]["method"] for k in INDICATORS] == ["beta", "beta", "beta", "beta"]
    assert "Korn-Graubard" in d["indicators"]["wrong_exit_rate"]["method_detail"]
    assert d["indicators"]["incidence"]["extra_households"] >= 1
    assert d["unverified_households"] == 1 and d["nonresponse"]["refused"] == 1
    assert d["failures_by_check_count"]["water"] == 1
    json.dumps(d, allow_nan=False)


def test_sample_summary_must_be_complete(tiny: pd.DataFrame) -> None:
    res = county_indicators(tiny, registry=TINY_REGISTRY, region="central",
                            thresholds=THRESHOLDS)
    with pytest.raises(IndicatorInputError, match="reserves_used"):
        res.result_json("130631", {"households_drawn": 1, "households_completed": 1,
                                   "response_rate": 1.0}, provisional=True)


# ----------------------------------------------------------------------------- bad input
def test_bad_input_is_named(tiny: pd.DataFrame) -> None:
    with pytest.raises(IndicatorInputError, match="weight"):
        county_indicators(tiny.drop(columns="weight"), registry=TINY_REGISTRY,
                          region="central", thresholds=THRESHOLDS)
    with pytest.raises(IndicatorInputError, match="region"):
        county_indicators(tiny, registry=TINY_REGISTRY, region="north", thresholds=THRESHOLDS)
    with pytest.raises(IndicatorInputError, match="stratum"):
        county_indicators(tiny.assign(stratum="exit"), registry=TINY_REGISTRY,
                          region="central", thresholds=THRESHOLDS)
    with pytest.raises(IndicatorInputError, match="h2"):
        bad = tiny.copy()
        bad.loc[1, "household_size"] = 0
        county_indicators(bad, registry=TINY_REGISTRY, region="central", thresholds=THRESHOLDS)
    with pytest.raises(IndicatorInputError, match="standard"):
        county_indicators(tiny.assign(standard=None), registry=TINY_REGISTRY,
                          region="central", thresholds=THRESHOLDS)
    with pytest.raises(IndicatorInputError, match="water_result"):
        county_indicators(tiny.drop(columns="water_result"), registry=TINY_REGISTRY,
                          region="central", thresholds=THRESHOLDS)
    with pytest.raises(IndicatorInputError):
        RegistryCounts(0, 0, 0, 0, 0, 0)
