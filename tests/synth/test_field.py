"""Synthetic field rows: every drawn household gets a visit, and the facts follow the truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from registry.contract import FIELD_CHECKS, SAMPLE_COLUMNS
from synth.county import SynthCounty, generate_county
from synth.field import synth_field_rows
from synth.plan import PlantSpec, SynthError
from tests.registry.county_frame import load_county_frame

YEAR = 2019
LINE = 3218.0
CODE = "520324"


@pytest.fixture(scope="module")
def county() -> SynthCounty:
    frame = load_county_frame()
    row = frame.loc[frame["county_code"] == CODE].iloc[0]
    plant = PlantSpec(wrong_exit_rate=0.06, missed_rate=0.04, recognition_rate=0.85,
                      patterns=frozenset({"paper_income"}))
    return generate_county(row, year=YEAR, scale=0.1, rng=np.random.default_rng(3), plant=plant,
                           income_line=LINE)


@pytest.fixture(scope="module")
def sample(county: SynthCounty) -> pd.DataFrame:
    """Every failing household plus a random 1,000 others, as main and reserve rows."""
    h, t = county.households, county.truth
    rng = np.random.default_rng(0)
    failing = ~t["true_meets"].to_numpy()
    pick = failing | (rng.random(len(h)) < 1000 / len(h))
    s = h.loc[pick, ["household_id", "village_code"]].reset_index(drop=True)
    n = len(s)
    role = np.where(rng.random(n) < 0.2, "reserve", "main")
    return pd.DataFrame({
        "household_id": s["household_id"], "county_code": CODE, "village_code": s["village_code"],
        "village_stratum": "poor", "stratum": "exited", "role": role,
        "reserve_rank": np.where(role == "reserve", 1, 0), "pi_village": 0.5,
        "pi_household": 0.1, "weight": 20.0, "seed": 1,
    }, columns=list(SAMPLE_COLUMNS))


@pytest.fixture(scope="module")
def rows(county: SynthCounty, sample: pd.DataFrame) -> pd.DataFrame:
    return synth_field_rows(sample, county.households, county.members, county.truth, year=YEAR,
                            income_line=LINE, rng=np.random.default_rng(5))


@pytest.fixture(scope="module")
def last(rows: pd.DataFrame, county: SynthCounty) -> pd.DataFrame:
    """The last visit of each household, joined to its truth (completed ones only)."""
    final = rows.sort_values("visit_date").groupby("household_id").tail(1)
    done = final[final["outcome"] == "completed"]
    return done.merge(county.truth, on="household_id", suffixes=("", "_truth")).merge(
        county.households[["household_id", "household_size"]], on="household_id")


def test_columns_and_every_drawn_household_has_a_row(rows: pd.DataFrame,
                                                     sample: pd.DataFrame) -> None:
    assert list(rows.columns) == FIELD_CHECKS.names
    assert set(rows["household_id"]) == set(sample["household_id"])
    assert rows["household_id"].isin(sample["household_id"]).all()
    assert not rows.duplicated(["household_id", "visit_date", "enumerator_id"]).any()


def test_outcomes_and_approval_rates(rows: pd.DataFrame) -> None:
    final = rows.sort_values("visit_date").groupby("household_id").tail(1)
    nonresponse = (final["outcome"] != "completed").mean()
    assert 0.03 <= nonresponse <= 0.09
    assert set(final["outcome"]) <= {"completed", "not_home", "refused", "moved"}
    assert 0.01 <= (~final["supervisor_approved"]).mean() <= 0.06
    done = rows[rows["outcome"] == "completed"]
    assert done["recognition"].notna().all() and done["housing_safety"].notna().all()
    assert rows.loc[rows["outcome"] != "completed", "recognition"].isna().all()


def test_revisits_follow_a_failed_first_visit(rows: pd.DataFrame) -> None:
    multi = rows[rows.duplicated("household_id", keep=False)].sort_values(
        ["household_id", "visit_date"])
    assert multi["household_id"].nunique() >= 5
    first = multi.groupby("household_id").head(1)
    second = multi.groupby("household_id").tail(1)
    assert (first["outcome"] != "completed").all()
    assert (second["outcome"] == "completed").all()
    assert (second["visit_date"].to_numpy() > first["visit_date"].to_numpy()).all()


def test_dates_and_enumerators(rows: pd.DataFrame) -> None:
    d = pd.to_datetime(rows["visit_date"])
    assert d.between(pd.Timestamp(f"{YEAR}-12-01"), pd.Timestamp(f"{YEAR + 1}-01-20")).all()
    assert rows["enumerator_id"].str.fullmatch(r"E\d{4}-\d{2}").all()
    assert (rows["enumerator_id"].str[1:5] == CODE[:4]).all()


def test_failing_checks_produce_the_matching_field_facts(last: pd.DataFrame) -> None:
    f = last
    hs = f["true_fail_housing"]
    assert (f.loc[hs, "housing_safety"] == "unsafe").all()
    assert (f.loc[~hs, "housing_safety"] != "unsafe").all()
    edu = f["true_fail_education"]
    assert (f.loc[edu, "children_out_of_school"] >= 1).all()
    assert (f.loc[~edu, "children_out_of_school"] == 0).all()
    assert (f["children_out_of_school"] <= f["school_age_children"]).all()
    med = f["true_fail_medical"]
    assert (f.loc[med, "uninsured_members"] >= 1).all()
    assert (f.loc[~med, "uninsured_members"] == 0).all()
    assert (f["uninsured_members"] <= f["household_size"]).all()
    water_bad = ((~f["water_piped"] & (f["water_fetch_minutes"] > 20)) | (f["water_cut_days"] > 36)
                 | ~f["water_quality_ok"] | ~f["water_quantity_ok"]).astype(bool)
    np.testing.assert_array_equal(water_bad.to_numpy(), f["true_fail_water"].to_numpy())
    assert f.loc[~f["water_piped"].astype(bool), "water_fetch_minutes"].notna().all()
    food_bad = (~f["food_stable"] | ~f["protein_regular"]).astype(bool)
    np.testing.assert_array_equal(food_bad.to_numpy(), f["true_fail_food"].to_numpy())
    np.testing.assert_array_equal((~f["clothing_ok"]).astype(bool).to_numpy(),
                                  f["true_fail_clothing"].to_numpy())
    below = (f["verified_income_per_capita"] < LINE).to_numpy()
    np.testing.assert_array_equal(below, f["true_fail_income"].to_numpy())
    for check in ("housing", "education", "medical", "income"):
        assert f[f"true_fail_{check}"].sum() >= 3, check


def test_paper_exits_show_non_countable_income(last: pd.DataFrame) -> None:
    paper = last["pattern"].fillna("").str.contains("paper_income")
    p = last[paper]
    assert len(p) >= 5
    assert (p["income_not_countable"] > 0).all()
    np.testing.assert_allclose(p["income_not_countable"], p["income_not_countable_truth"])
    assert (p["verified_income_per_capita"] < LINE).all()
    assert (p["verified_income_per_capita"] + p["income_not_countable"] >= LINE).all()


def test_recognition_follows_the_truth(last: pd.DataFrame) -> None:
    np.testing.assert_array_equal((last["recognition"] == "yes").to_numpy(),
                                  last["accepts"].to_numpy())
    assert set(last.loc[~last["accepts"], "recognition"]) <= {"no", "unsure"}


def test_school_age_children_come_from_members(last: pd.DataFrame, county: SynthCounty) -> None:
    m = county.members
    kids = (m.assign(k=(YEAR - m["birth_year"]).between(6, 15))
            .groupby("household_id")["k"].sum())
    np.testing.assert_array_equal(last["school_age_children"].to_numpy(dtype=int),
                                  kids.loc[last["household_id"]].to_numpy(dtype=int))


def test_some_houses_are_unappraised(county: SynthCounty) -> None:
    h = county.households
    sample = h[["household_id"]].iloc[:3000]
    rows = synth_field_rows(sample, h, county.members, county.truth, year=YEAR,
                            income_line=LINE, rng=np.random.default_rng(1))
    done = rows[rows["outcome"] == "completed"]
    share = (done["housing_safety"] == "unappraised").mean()
    assert 0.003 <= share <= 0.02


def test_same_generator_same_rows(county: SynthCounty, sample: pd.DataFrame) -> None:
    def run(seed: int) -> pd.DataFrame:
        return synth_field_rows(sample, county.households, county.members, county.truth,
                                year=YEAR, income_line=LINE, rng=np.random.default_rng(seed))

    pd.testing.assert_frame_equal(run(9), run(9))
    assert not run(9)["visit_date"].equals(run(10)["visit_date"])


def test_unknown_household_is_an_error(county: SynthCounty) -> None:
    bad = pd.DataFrame({"household_id": ["999999999999999"]})
    with pytest.raises(SynthError, match="not in the registry"):
        synth_field_rows(bad, county.households, county.members, county.truth, year=YEAR,
                         income_line=LINE, rng=np.random.default_rng(0))
