"""Household checks: the golden set, each rule's edges, input errors and vectorisation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assessment.checks import CheckInputError, score_households
from assessment.settings import CheckSettings, UnknownIncomeLineError
from registry.contract import CHECK_RESULTS, CHECKS
from tests.assessment.golden_households import (
    BASE,
    EXPECTED,
    MEMBERS,
    YEAR,
    expected_checks,
    golden_field,
)

SETTINGS = CheckSettings()


def one(year: int = YEAR, members: pd.DataFrame | None = None, **changes: object) -> pd.Series:
    """Score one household = BASE with ``changes``."""
    field = pd.DataFrame([{"household_id": "H1", **BASE, **changes}])
    return score_households(field, year=year, settings=SETTINGS, members=members).iloc[0]


@pytest.fixture(scope="module")
def golden() -> pd.DataFrame:
    field = golden_field()
    return score_households(field, year=YEAR, settings=SETTINGS, members=MEMBERS).set_axis(
        field["household_id"]
    )


@pytest.mark.parametrize("household", sorted(EXPECTED))
def test_golden_household(golden: pd.DataFrame, household: str) -> None:
    row = golden.loc[household].to_dict()
    # Unscored cells are missing (None in the expectation, NaN in a pandas string column).
    row = {k: None if pd.isna(v) else v for k, v in row.items()}
    for check, (result, reason) in expected_checks(household).items():
        assert row[f"{check}_result"] == result, (household, check)
        assert row[f"{check}_reason"] == reason, (household, check)
    _, standard, failed = EXPECTED[household]
    assert row["standard"] == standard
    assert row["failed_checks"] == failed


def test_output_shape_and_index() -> None:
    field = golden_field().set_index(pd.Index(range(100, 115)))
    out = score_households(field, year=YEAR, settings=SETTINGS)
    assert out.index.equals(field.index)
    expected_cols = [f"{c}_{k}" for c in CHECKS for k in ("result", "reason")]
    assert list(out.columns) == [*expected_cols, "standard", "failed_checks"]
    completed = field["outcome"].eq("completed").to_numpy()
    for c in CHECKS:
        assert set(out.loc[completed, f"{c}_result"]) <= set(CHECK_RESULTS)
    assert set(out.loc[completed, "standard"]) <= {"meets", "fails", "unverified"}


def test_without_members_the_registry_is_not_consulted() -> None:
    out = score_households(golden_field(), year=YEAR, settings=SETTINGS).set_axis(
        golden_field()["household_id"]
    )
    # G10: no field count and no registry → unverified; G11: plain pass.
    assert (out.loc["G10", "education_result"], out.loc["G10", "education_reason"]) == (
        "unverified", "EDU_MISSING")
    assert out.loc["G10", "standard"] == "unverified"
    assert out.loc["G11", "education_reason"] == "EDU_OK"


def test_unknown_year_raises_the_settings_error() -> None:
    with pytest.raises(UnknownIncomeLineError):
        score_households(golden_field(), year=2017, settings=SETTINGS)


def test_income_line_follows_the_year() -> None:
    # 2960 ≥ 2952 (the 2016 line) but < 3218 (the 2019 line).
    assert one(year=2016, verified_income_per_capita=2960.0)["income_result"] == "pass"
    assert one(year=2019, verified_income_per_capita=2960.0)["income_reason"] == (
        "INCOME_BELOW_LINE")
    custom = CheckSettings(income_lines={2017: 3000.0})
    field = pd.DataFrame([{**BASE, "verified_income_per_capita": 2999.0}])
    out = score_households(field, year=2017, settings=custom)
    assert out.loc[0, "income_reason"] == "INCOME_BELOW_LINE"


def test_income_not_countable_only_when_it_bridges_the_gap() -> None:
    # 3218 − 3000 = 218: 218 bridges it exactly (≥), 217 does not.
    assert one(verified_income_per_capita=3000.0, income_not_countable=218.0)[
        "income_reason"] == "INCOME_NOT_COUNTABLE"
    assert one(verified_income_per_capita=3000.0, income_not_countable=217.0)[
        "income_reason"] == "INCOME_BELOW_LINE"
    # A blank not-countable amount is no evidence of 算账式.
    assert one(verified_income_per_capita=3000.0, income_not_countable=None)[
        "income_reason"] == "INCOME_BELOW_LINE"
    # Above the line, the non-countable amount does not matter (already subtracted).
    assert one(verified_income_per_capita=3300.0, income_not_countable=900.0)[
        "income_result"] == "pass"


def test_food_reasons_say_which() -> None:
    assert one(food_stable=False)["food_reason"] == "FOOD_STAPLE_SHORT"
    assert one(protein_regular=False)["food_reason"] == "FOOD_PROTEIN_IRREGULAR"
    # A failure is decisive even when the other item is blank.
    r = one(food_stable=None, protein_regular=False)
    assert (r["food_result"], r["food_reason"]) == ("fail", "FOOD_PROTEIN_IRREGULAR")
    assert one(food_stable=None)["food_result"] == "unverified"


def test_clothing() -> None:
    assert one(clothing_ok=False)["clothing_result"] == "fail"
    r = one(clothing_ok=None)
    assert (r["clothing_result"], r["clothing_reason"], r["standard"]) == (
        "unverified", "CLOTHING_MISSING", "unverified")


def test_education_field_rules() -> None:
    assert one(school_age_children=0, children_out_of_school=None)["education_result"] == (
        "not_applicable")
    assert one(school_age_children=3, children_out_of_school=1)["education_result"] == "fail"
    # A child out of school is decisive even if the number of children is blank.
    assert one(school_age_children=None, children_out_of_school=1)["education_result"] == "fail"
    assert one(school_age_children=2, children_out_of_school=None)["education_result"] == (
        "unverified")


def test_education_registry_rules() -> None:
    dropout = pd.DataFrame({"household_id": ["H1"], "birth_year": [2004],  # 15 in 2019
                            "school_status": ["dropout"]})
    r = one(members=dropout, school_age_children=None, children_out_of_school=None)
    assert (r["education_result"], r["education_reason"]) == ("fail", "EDU_DROPOUT_REGISTRY")
    r = one(members=dropout, school_age_children=0)
    assert (r["education_result"], r["education_reason"]) == (
        "not_applicable", "EDU_REGISTRY_DISAGREES")
    # The field's own finding of a child out of school keeps its own reason.
    r = one(members=dropout, school_age_children=1, children_out_of_school=1)
    assert r["education_reason"] == "EDU_OUT_OF_SCHOOL"
    # Another household's dropout does not count; nor does a 5-year-old's.
    other = dropout.assign(household_id="H2")
    assert one(members=other)["education_reason"] == "EDU_OK"
    young = dropout.assign(birth_year=2014)
    assert one(members=young, school_age_children=None)["education_reason"] == "EDU_MISSING"


def test_education_registry_needs_its_columns() -> None:
    with pytest.raises(CheckInputError, match="school_status"):
        one(members=pd.DataFrame({"household_id": ["H1"], "birth_year": [2010]}))


def test_medical() -> None:
    assert one(uninsured_members=2)["medical_reason"] == "MEDICAL_UNINSURED"
    assert one(uninsured_members=None)["medical_reason"] == "MEDICAL_MISSING"


@pytest.mark.parametrize(
    ("value", "result", "reason"),
    [
        ("appraised_safe", "pass", "HOUSING_APPRAISED_SAFE"),
        ("renovated", "pass", "HOUSING_RENOVATED"),
        ("relocated", "pass", "HOUSING_RELOCATED"),
        ("unsafe", "fail", "HOUSING_UNSAFE"),
        ("unappraised", "unverified", "HOUSING_UNAPPRAISED"),
        (None, "unverified", "HOUSING_MISSING"),
    ],
)
def test_housing(value: object, result: str, reason: str) -> None:
    r = one(housing_safety=value)
    assert (r["housing_result"], r["housing_reason"]) == (result, reason)


@pytest.mark.parametrize(
    ("changes", "result", "reason"),
    [
        ({"water_quality_ok": False}, "fail", "WATER_QUALITY_BAD"),
        ({"water_quantity_ok": False}, "fail", "WATER_QUANTITY_SHORT"),
        ({"water_piped": False, "water_fetch_minutes": 20.5}, "fail", "WATER_FETCH_TOO_FAR"),
        ({"water_cut_days": 37}, "fail", "WATER_SUPPLY_CUTS"),
        ({"water_quality_ok": False, "water_quantity_ok": False, "water_cut_days": 100},
         "fail", "WATER_QUALITY_BAD;WATER_QUANTITY_SHORT;WATER_SUPPLY_CUTS"),
        # Piped water needs no fetch time at all.
        ({"water_piped": True, "water_fetch_minutes": 90.0}, "pass", "WATER_OK"),
        # Not piped and no fetch time recorded: cannot tell.
        ({"water_piped": False, "water_fetch_minutes": None}, "unverified", "WATER_MISSING"),
        # "Piped" blank and a long fetch: it might be piped after all.
        ({"water_piped": None, "water_fetch_minutes": 40.0}, "unverified", "WATER_MISSING"),
        ({"water_cut_days": None}, "unverified", "WATER_MISSING"),
        ({"water_quality_ok": None}, "unverified", "WATER_MISSING"),
    ],
)
def test_water(changes: dict[str, object], result: str, reason: str) -> None:
    r = one(**changes)
    assert (r["water_result"], r["water_reason"]) == (result, reason)


def test_water_not_checked_before_2019() -> None:
    field = pd.DataFrame([{**BASE, "water_quality_ok": False}])
    out = score_households(field, year=2016, settings=SETTINGS)
    assert (out.loc[0, "water_result"], out.loc[0, "water_reason"]) == (
        "not_applicable", "WATER_NOT_IN_FORCE")
    assert out.loc[0, "standard"] == "meets"
    # Before 2019 the water columns are not needed at all.
    no_water = field.drop(columns=[c for c in field if c.startswith("water_")])
    assert score_households(no_water, year=2016, settings=SETTINGS).loc[0, "standard"] == "meets"
    later = CheckSettings(water_check_from_year=2020)
    assert score_households(field, year=2019, settings=later).loc[0, "water_result"] == (
        "not_applicable")


def test_unverified_is_never_a_pass_and_fail_outranks_it() -> None:
    assert one(housing_safety="unappraised")["standard"] == "unverified"
    r = one(housing_safety="unappraised", clothing_ok=False)
    assert (r["standard"], r["failed_checks"]) == ("fails", "clothing")


def test_missing_column_is_named() -> None:
    field = golden_field().drop(columns=["uninsured_members"])
    with pytest.raises(CheckInputError, match="uninsured_members"):
        score_households(field, year=YEAR, settings=SETTINGS)


def test_bad_values_name_the_row() -> None:
    field = golden_field()
    field["source_file"] = "field_checks/130631.csv"
    field["source_row"] = np.arange(2, 2 + len(field))
    bad = field.copy()
    bad["food_stable"] = bad["food_stable"].astype(object)
    bad.loc[3, "food_stable"] = "maybe"
    with pytest.raises(CheckInputError, match="row 5"):
        score_households(bad, year=YEAR, settings=SETTINGS)
    bad = field.copy()
    bad.loc[4, "uninsured_members"] = -1
    with pytest.raises(CheckInputError, match="negative"):
        score_households(bad, year=YEAR, settings=SETTINGS)
    bad = field.copy()
    bad["water_cut_days"] = bad["water_cut_days"].astype(object)
    bad.loc[0, "water_cut_days"] = "many"
    with pytest.raises(CheckInputError, match="row 2"):
        score_households(bad, year=YEAR, settings=SETTINGS)
    bad = field.copy()
    bad.loc[1, "housing_safety"] = "B"
    with pytest.raises(CheckInputError, match="housing_safety"):
        score_households(bad, year=YEAR, settings=SETTINGS)


def test_nullable_dtypes_and_ints_as_booleans() -> None:
    field = golden_field()
    typed = field.copy()
    for c in ("food_stable", "protein_regular", "clothing_ok", "water_piped"):
        typed[c] = typed[c].astype("boolean")
    typed["school_age_children"] = typed["school_age_children"].astype("Int64")
    typed["housing_safety"] = typed["housing_safety"].astype("string")
    typed["outcome"] = typed["outcome"].astype("string")
    plain = score_households(field, year=YEAR, settings=SETTINGS)
    pd.testing.assert_frame_equal(
        score_households(typed, year=YEAR, settings=SETTINGS), plain)
    ints = field.assign(clothing_ok=field["clothing_ok"].map({True: 1, False: 0}))
    pd.testing.assert_frame_equal(score_households(ints, year=YEAR, settings=SETTINGS), plain)


def test_empty_frame() -> None:
    out = score_households(golden_field().iloc[:0], year=YEAR, settings=SETTINGS)
    assert len(out) == 0 and "standard" in out


def test_rows_are_independent_of_order_and_company() -> None:
    field = golden_field()
    whole = score_households(field, year=YEAR, settings=SETTINGS, members=MEMBERS)
    shuffled = field.iloc[np.random.default_rng(3).permutation(len(field))]
    again = score_households(shuffled, year=YEAR, settings=SETTINGS, members=MEMBERS)
    pd.testing.assert_frame_equal(again.loc[whole.index], whole)


def test_large_frame_is_fast() -> None:
    import time

    field = pd.concat([golden_field()] * 1000, ignore_index=True)  # 15 000 households
    t0 = time.perf_counter()
    out = score_households(field, year=YEAR, settings=SETTINGS)
    assert time.perf_counter() - t0 < 5.0
    # Without members G10 is unverified: G02, G03, G05, G07, G08, G12 and G15 fail.
    assert (out["standard"] == "fails").sum() == 1000 * 7
