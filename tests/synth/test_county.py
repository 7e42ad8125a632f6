"""The synthetic county generator: realism, determinism, planted truth and planted patterns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from registry.contract import CHECKS, HOUSEHOLDS, MEMBERS, VILLAGES
from registry.counties import county_table
from registry.idcard import valid_id_numbers
from synth.county import TRUTH_COLUMNS, SynthCounty, generate_county, realised_rates
from synth.plan import PATTERNS, PlantSpec, SynthError, campaign_plan
from synth.support import SUPPORT_HISTORY_COLUMNS
from tests.registry.county_frame import load_county_frame

YEAR = 2019
LINE = 3218.0
CODE = "520324"  # 正安县, Guizhou, exited 2019


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return load_county_frame()


@pytest.fixture(scope="module")
def row(frame: pd.DataFrame) -> pd.Series:
    return frame.loc[frame["county_code"] == CODE].iloc[0]


def make(row: pd.Series, *, seed: int = 1, scale: float = 0.1, **plant) -> SynthCounty:
    pats = frozenset(plant.pop("patterns", ()))
    return generate_county(row, year=YEAR, scale=scale, rng=np.random.default_rng(seed),
                           plant=PlantSpec(patterns=pats, **plant), income_line=LINE)


@pytest.fixture(scope="module")
def clean(row: pd.Series) -> SynthCounty:
    return make(row, scale=0.15)


@pytest.fixture(scope="module")
def planted(row: pd.Series) -> SynthCounty:
    return make(row, scale=0.15, patterns=PATTERNS, wrong_exit_rate=0.06)


# --------------------------------------------------------------------------- structure


def test_tables_have_exactly_the_contract_columns(clean: SynthCounty) -> None:
    assert list(clean.villages.columns) == VILLAGES.names
    assert list(clean.households.columns) == HOUSEHOLDS.names
    assert list(clean.members.columns) == MEMBERS.names
    assert list(clean.support_history.columns) == list(SUPPORT_HISTORY_COLUMNS)
    assert list(clean.truth.columns) == list(TRUTH_COLUMNS)
    assert clean.truth["household_id"].equals(clean.households["household_id"])


def test_codes_are_strings_and_nest(clean: SynthCounty) -> None:
    v, h = clean.villages, clean.households
    assert v["village_code"].str.fullmatch(r"\d{12}").all()
    assert (v["village_code"].str[:6] == CODE).all()
    assert (v["township_code"] == v["village_code"].str[:9]).all()
    assert v["village_code"].is_unique and h["household_id"].is_unique
    assert h["village_code"].isin(v["village_code"]).all()
    assert (h["household_id"].str[:12] == h["village_code"]).all()
    assert 10 <= v["township_code"].nunique() <= 20


def test_villages_are_realistic(clean: SynthCounty) -> None:
    v = clean.villages
    assert 50 <= len(v) <= 150
    assert 0.28 <= v["poor_village"].mean() <= 0.47
    remote_of_poor = v.loc[v["poor_village"], "remote"].mean()
    assert 0.15 <= remote_of_poor <= 0.55


def test_full_scale_county_size_follows_population(row: pd.Series) -> None:
    sc = make(row, scale=1.0)
    per_village = len(sc.households) / len(sc.villages)
    assert 300 <= per_village <= 600
    # About 60 % of the population is rural, 3.35 people a household; 15k–90k households.
    expected = np.clip(row["population_10k"] * 1e4 * 0.6 / 3.35, 15_000, 90_000)
    assert 0.8 * expected <= len(sc.households) <= 1.2 * expected


def test_households_are_realistic(clean: SynthCounty) -> None:
    h = clean.households
    size = h["household_size"]
    assert size.between(1, 8).all() and 3.2 <= size.mean() <= 3.5
    assert (h["labor_count"] <= size).all()
    registered = h["status"] != "not_registered"
    assert 0.10 <= registered.mean() <= 0.35
    reg = h[registered]
    assert (reg["status"] == "exited").mean() > 0.85
    assert (reg["status"] == "poor").any()
    assert abs((reg["poverty_cause"] == "illness").mean() - 0.40) <= 0.08
    assert h.loc[~registered, "poverty_cause"].isna().all()
    ex = h[h["status"] == "exited"]
    assert ex["exit_year"].notna().all()
    assert h.loc[h["status"] != "exited", "exit_year"].isna().all()
    assert (ex["exit_year"] >= ex["registration_year"]).all()
    assert ex["exit_year"].between(2015, YEAR).all()
    assert reg["registration_year"].between(2014, YEAR).all()
    assert reg["registration_year"].isin([2014, 2015, 2016]).mean() > 0.8


def test_registered_share_is_higher_in_poor_remote_villages(clean: SynthCounty) -> None:
    h = clean.households.merge(clean.villages, on="village_code")
    reg = h["status"] != "not_registered"
    poor_remote = reg[h["poor_village"] & h["remote"]].mean()
    non_poor = reg[~h["poor_village"]].mean()
    assert poor_remote > non_poor + 0.08


def test_risk_flags_are_more_common_among_registered(clean: SynthCounty) -> None:
    h = clean.households
    reg = h["status"] != "not_registered"
    for flag in ("dibao", "tekun", "relocated", "dilapidated_house", "serious_illness"):
        assert h.loc[reg, flag].mean() > h.loc[~reg, flag].mean(), flag
    assert 0.1 <= h.loc[reg, "dibao"].mean() <= 0.4
    assert (h["elderly_alone"] <= (h["household_size"] == 1)).all()


def test_incomes_sit_around_the_line(clean: SynthCounty) -> None:
    h = clean.households
    ex = h[h["status"] == "exited"]
    nr = h[h["status"] == "not_registered"]
    assert (ex["income_per_capita"] >= LINE).all()
    assert 1.3 <= ex["income_per_capita"].median() / LINE <= 2.0
    assert nr["income_per_capita"].median() > ex["income_per_capita"].median()
    parts = h[["income_wage", "income_business", "income_property", "income_transfer"]].sum(axis=1)
    known = h["income_per_capita"].notna()
    np.testing.assert_allclose(
        (parts / h["household_size"])[known], h.loc[known, "income_per_capita"], atol=0.01
    )


def test_members_are_consistent_with_households(clean: SynthCounty) -> None:
    h, m = clean.households, clean.members
    counts = m.groupby("household_id").size().reindex(h["household_id"]).to_numpy()
    np.testing.assert_array_equal(counts, h["household_size"].to_numpy())
    heads = m[m["relation"] == "head"].groupby("household_id").size()
    assert len(heads) == len(h) and (heads == 1).all()
    assert not m.duplicated(["household_id", "member_no"]).any()
    age = YEAR - m["birth_year"]
    assert age.between(0, 100).all()
    assert (age[m["relation"] == "head"] >= 18).all()
    assert (age[m["relation"] == "parent"] > 40).all()
    compulsory = age.between(7, 15)
    assert (m.loc[compulsory, "school_status"] != "not_school_age").all()
    assert (m.loc[~age.between(6, 15), "school_status"] == "not_school_age").all()
    assert (m.loc[compulsory, "school_status"] == "enrolled").mean() > 0.95
    assert (m["medical_insurance"] == "resident").mean() > 0.9
    assert m["disability_grade"].between(0, 4).all()
    spouse = m[m["relation"] == "spouse"].merge(
        m.loc[m["relation"] == "head", ["household_id", "sex"]], on="household_id"
    )
    assert (spouse["sex_x"] != spouse["sex_y"]).all()


def test_head_id_numbers_are_valid_and_match_the_head(clean: SynthCounty) -> None:
    h, m = clean.households, clean.members
    ids = h["head_id_number"]
    assert valid_id_numbers(ids).all()
    assert (ids.str[:6] == CODE).all()
    heads = m[m["relation"] == "head"].set_index("household_id").loc[h["household_id"]]
    np.testing.assert_array_equal(ids.str[6:10].astype(int).to_numpy(),
                                  heads["birth_year"].to_numpy())
    male = (ids.str[16].astype(int) % 2 == 1).to_numpy()
    np.testing.assert_array_equal(male, (heads["sex"] == "M").to_numpy())
    assert h["head_name"].str.len().between(2, 4).all()


def test_phones_are_mobile_numbers_some_missing(clean: SynthCounty) -> None:
    phone = clean.households["phone"]
    known = phone.dropna()
    assert known.str.fullmatch(r"1[358]\d{9}").all()
    assert 0.03 <= phone.isna().mean() <= 0.2


def test_full_scale_county_generates(row: pd.Series) -> None:
    # Timing is left to the benchmark; this checks a 1.0-scale county runs and is sized right.
    sc = make(row, scale=1.0, patterns=PATTERNS)
    assert 15_000 <= len(sc.households) <= 90_000


# --------------------------------------------------------------------------- determinism


def test_same_seed_same_county(row: pd.Series) -> None:
    a, b = make(row, seed=7, scale=0.05), make(row, seed=7, scale=0.05)
    for name in ("villages", "households", "members", "support_history", "truth"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    c = make(row, seed=8, scale=0.05)
    assert not a.households["head_id_number"].equals(c.households["head_id_number"])


# --------------------------------------------------------------------------- planted truth


def test_wrong_exit_rate_is_realised(row: pd.Series) -> None:
    sc = make(row, scale=0.3, wrong_exit_rate=0.06)
    assert abs(realised_rates(sc)["wrong_exit_rate"] - 0.06) < 0.003
    default = realised_rates(make(row, scale=0.3))
    assert abs(default["wrong_exit_rate"] - 0.008) < 0.002
    assert abs(default["missed_rate"] - 0.006) < 0.002
    assert abs(default["recognition_rate"] - 0.95) < 0.01


def test_missed_poor_concentrate_among_risk_flagged(row: pd.Series) -> None:
    sc = make(row, scale=0.3, missed_rate=0.04)
    h, t = sc.households, sc.truth
    nr = (h["status"] == "not_registered").to_numpy()
    missed = nr & ~t["true_meets"].to_numpy()
    risk = (h[["dibao", "dilapidated_house", "serious_illness", "elderly_alone"]].any(axis=1)
            | (h["labor_count"] == 0)).to_numpy()
    size = h["household_size"].to_numpy()
    assert abs(size[missed].sum() / size[nr].sum() - 0.04) < 0.003
    assert 0.6 <= size[missed & risk].sum() / size[missed].sum() <= 0.8


def test_truth_is_consistent(planted: SynthCounty) -> None:
    h, t, m = planted.households, planted.truth, planted.members
    fails = t[[f"true_fail_{c}" for c in CHECKS]].any(axis=1)
    assert t["true_meets"].equals(~fails)
    poor = h["status"].isin(["poor", "returned"])
    assert t.loc[poor, "true_fail_income"].mean() > 0.75
    inc = t["true_fail_income"]
    assert (t.loc[inc, "true_income_per_capita"] < LINE).all()
    assert (t.loc[~inc, "true_income_per_capita"] >= LINE).all()
    kids = (m.assign(k=(YEAR - m["birth_year"]).between(6, 15))
            .groupby("household_id")["k"].sum().reindex(t["household_id"]).to_numpy())
    assert (kids[t["true_fail_education"].to_numpy()] >= 1).all()
    # Registry gaps only where the truth fails.
    none_hh = m.loc[m["medical_insurance"] == "none", "household_id"].unique()
    assert t.set_index("household_id").loc[none_hh, "true_fail_medical"].all()
    drop_hh = m.loc[m["school_status"] == "dropout", "household_id"].unique()
    assert t.set_index("household_id").loc[drop_hh, "true_fail_education"].all()


def test_recognition_is_planted_among_registered(row: pd.Series) -> None:
    sc = make(row, scale=0.2, recognition_rate=0.85)
    reg = (sc.households["status"] != "not_registered").to_numpy()
    assert abs(sc.truth["accepts"].to_numpy()[reg].mean() - 0.85) < 0.01


def test_paper_exits_are_lifted_by_non_countable_income(planted: SynthCounty) -> None:
    t = planted.truth.set_index("household_id")
    h = planted.households.set_index("household_id")
    paper = t["pattern"].fillna("").str.contains("paper_income")
    assert paper.sum() >= 10
    p, hp = t[paper], h.loc[paper[paper].index]
    assert (hp["status"] == "exited").all() and p["true_fail_income"].all()
    assert (p["true_income_per_capita"] < LINE).all()
    assert (hp["income_per_capita"] >= LINE).all()
    np.testing.assert_allclose(
        hp["income_per_capita"], p["true_income_per_capita"] + p["income_not_countable"], atol=0.02
    )
    # Clean households never owe their pass to non-countable income.
    other = t[~paper & ~t["true_fail_income"]]
    assert (other["true_income_per_capita"] >= LINE).all()


# --------------------------------------------------------------------------- patterns


def _pattern_stats(sc: SynthCounty) -> dict[str, float]:
    h = sc.households
    ex = h[h["status"] == "exited"]
    gap = ex["exit_year"] - ex["registration_year"]
    inc = ex["income_per_capita"]
    labour = ex[ex["labor_count"] >= 1]
    total = labour[["income_wage", "income_business", "income_property",
                    "income_transfer"]].sum(axis=1)
    s = sc.support_history.merge(ex[["household_id", "exit_year"]], on="household_id")
    rel = s["year"] - s["exit_year"]
    before = s[rel.between(-3, -1)].groupby("household_id")["amount"].mean()
    after = s[rel.between(1, 3)].groupby("household_id")["amount"].mean()
    both = pd.concat([before, after], axis=1, keys=["b", "a"]).dropna()
    reg = h[h["status"] != "not_registered"]
    by_v = reg.groupby("village_code")["status"].agg(n="size", x=lambda s: (s == "exited").sum())
    p = by_v["x"].sum() / by_v["n"].sum()
    disp = ((by_v["x"] - by_v["n"] * p) ** 2 / (by_v["n"] * p * (1 - p))).sum() / (len(by_v) - 1)
    return {
        "same_year": float((gap == 0).mean()),
        "quick_exit": float((gap == 1).mean()),
        "bunching": float(inc.between(LINE, 1.05 * LINE).mean()),
        "transfer_dependent": float((labour["income_transfer"] >= 0.9 * total).mean()),
        "support_withdrawn": float(((both["b"] >= 1000) & (both["a"] < 0.2 * both["b"])).mean()),
        "quota": float(disp),
    }


@pytest.mark.parametrize(
    ("pattern", "planted_min", "clean_max"),
    [
        ("same_year", 0.12, 0.02),
        ("quick_exit", 0.25, 0.08),
        ("bunching", 0.15, 0.02),
        ("transfer_dependent", 0.06, 0.01),
        ("support_withdrawn", 0.10, 0.02),
    ],
)
def test_share_patterns_are_strong_when_planted_and_absent_otherwise(
    row: pd.Series, clean: SynthCounty, pattern: str, planted_min: float, clean_max: float
) -> None:
    sc = make(row, scale=0.15, patterns={pattern})
    assert _pattern_stats(sc)[pattern] >= planted_min
    assert _pattern_stats(clean)[pattern] <= clean_max
    labelled = sc.truth["pattern"].dropna()
    assert len(labelled) > 0 and (labelled == pattern).all()
    assert clean.truth["pattern"].isna().all()


def test_quota_makes_exits_per_village_under_dispersed(row: pd.Series) -> None:
    sc = make(row, scale=0.3, patterns={"quota"})
    # Only rounding is left under a quota; independent exits give D/df ≈ 1 or more.
    assert _pattern_stats(sc)["quota"] < 0.35
    assert _pattern_stats(make(row, scale=0.3))["quota"] > 0.8
    reg = sc.households[sc.households["status"] != "not_registered"]
    per_village = reg.groupby("village_code").size()
    assert per_village.max() - per_village.min() <= 1


def test_planted_patterns_are_flagged_by_the_signals(planted: SynthCounty,
                                                     clean: SynthCounty) -> None:
    signals = pytest.importorskip("assessment.signals", reason="assessment.signals not built yet")
    flagged = {}
    for name, sc in (("planted", planted), ("clean", clean)):
        cs = signals.county_signals(sc.households, year=YEAR, income_line=LINE,
                                    support_history=sc.support_history, rng_seed=1)
        flagged[name] = set(cs.flagged)
    registry_patterns = set(PATTERNS) - {"paper_income"}  # paper exits show in field data
    assert registry_patterns <= flagged["planted"]
    assert not (flagged["clean"] & set(PATTERNS))


# --------------------------------------------------------------------------- settings and plan


def test_plant_spec_rejects_unknown_patterns_and_bad_rates() -> None:
    with pytest.raises(SynthError, match="unknown"):
        PlantSpec(patterns=frozenset({"lazy"}))
    with pytest.raises(SynthError):
        PlantSpec(wrong_exit_rate=1.5)


def test_generate_rejects_bad_input(row: pd.Series) -> None:
    with pytest.raises(SynthError):
        make(row, scale=0.0)
    with pytest.raises(SynthError, match="county_code"):
        generate_county({"county_code": "5203"}, year=YEAR, scale=0.1,
                        rng=np.random.default_rng(0), plant=PlantSpec(), income_line=LINE)


def test_campaign_plan_covers_every_pattern_and_keeps_a_clean_county(frame: pd.DataFrame) -> None:
    counties = frame[frame["province_code"] == "52"].head(6)
    plan = campaign_plan(counties, seed=3)
    codes = list(counties["county_code"])
    assert list(plan) == codes
    assert plan[codes[0]] == PlantSpec()
    assert plan[codes[1]].wrong_exit_rate == 0.06
    assert plan[codes[2]].missed_rate == 0.04
    assert plan[codes[3]].recognition_rate == 0.85
    planted = set().union(*(p.patterns for p in plan.values()))
    assert planted == set(PATTERNS)
    assert plan == campaign_plan(counties, seed=3)
    four = campaign_plan(counties.head(4), seed=3)
    assert set().union(*(p.patterns for p in four.values())) == set(PATTERNS)
    assert four[codes[0]] == PlantSpec()
    assert list(campaign_plan(counties.head(1), seed=3).values()) == [PlantSpec()]


# --------------------------------------------------------------------------- validation


def test_generated_county_passes_validation(clean: SynthCounty, frame: pd.DataFrame) -> None:
    validation = pytest.importorskip("registry.validation",
                                     reason="registry.validation not built yet")
    tables = {
        "counties": county_table(frame[frame["county_code"] == CODE]),
        "villages": clean.villages,
        "households": clean.households,
        "members": clean.members,
        "support_history": clean.support_history,
    }
    result = validation.validate_county(tables, year=YEAR, county_code=CODE)
    q = result.quarantine
    assert len(q) == 0, q.groupby(["table", "rule", "column"]).size().to_string()
