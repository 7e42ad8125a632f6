"""A hand-worked golden set of field visits for the household checks.

Year 2019: income line 3218 yuan, water checked, fetch limit 20 min, cut limit 36 days, school
age 6–15 (default CheckSettings). Every household starts from BASE (everything in order) and
changes only what its comment says; EXPECTED was worked out by hand from DESIGN.md, not by
running the code.
"""

from __future__ import annotations

import pandas as pd

YEAR = 2019

BASE: dict[str, object] = {
    "outcome": "completed",
    "verified_income_per_capita": 5000.0,
    "income_not_countable": 0.0,
    "food_stable": True,
    "protein_regular": True,
    "clothing_ok": True,
    "school_age_children": 1,
    "children_out_of_school": 0,
    "uninsured_members": 0,
    "housing_safety": "appraised_safe",
    "water_piped": True,
    "water_fetch_minutes": None,
    "water_quality_ok": True,
    "water_quantity_ok": True,
    "water_cut_days": 5,
}

CHANGES: dict[str, dict[str, object]] = {
    "G01": {},
    "G02": {"verified_income_per_capita": 3000.0, "income_not_countable": 400.0},
    "G03": {"verified_income_per_capita": 3000.0, "income_not_countable": 100.0},
    "G04": {"verified_income_per_capita": 3218.0, "school_age_children": 0},
    "G05": {"food_stable": False, "protein_regular": False, "clothing_ok": False},
    "G06": {"protein_regular": None},
    "G07": {"housing_safety": "unappraised", "uninsured_members": 1},
    "G08": {"water_piped": False, "water_fetch_minutes": 25.0, "water_cut_days": 40},
    "G09": {"water_piped": False, "water_fetch_minutes": 20.0, "water_cut_days": 36},
    "G10": {"school_age_children": 2, "children_out_of_school": None},
    "G11": {},
    "G12": {"housing_safety": "unsafe", "school_age_children": 2, "children_out_of_school": 1,
            "water_quality_ok": False},
    "G13": {"outcome": "refused"},
    "G14": {"verified_income_per_capita": None, "water_piped": None,
            "water_fetch_minutes": 10.0, "housing_safety": "renovated"},
    "G15": {"housing_safety": "relocated", "school_age_children": None,
            "children_out_of_school": None, "water_quantity_ok": False},
}

# Registry members (only what the education cross-check reads). Ages are 2019 − birth_year.
MEMBERS = pd.DataFrame(
    [
        ("G01", 1, 2002, "dropout"),  # age 17: past school age, ignored
        ("G04", 1, 2003, "dropout"),  # age 16: past school age, ignored
        ("G10", 1, 2007, "dropout"),  # age 12: a school-age dropout
        ("G11", 1, 2013, "dropout"),  # age 6: the lower bound counts
        ("G12", 1, 2008, "enrolled"),
    ],
    columns=["household_id", "member_no", "birth_year", "school_status"],
)

P, F, NA, U = "pass", "fail", "not_applicable", "unverified"
OK_ROW: dict[str, tuple[str, str]] = {
    "income": (P, "INCOME_OK"),
    "food": (P, "FOOD_OK"),
    "clothing": (P, "CLOTHING_OK"),
    "education": (P, "EDU_OK"),
    "medical": (P, "MEDICAL_OK"),
    "housing": (P, "HOUSING_APPRAISED_SAFE"),
    "water": (P, "WATER_OK"),
}

# household → (changed checks, standard, failed_checks), with MEMBERS passed in.
EXPECTED: dict[str, tuple[dict[str, tuple[str | None, str | None]], str | None, str]] = {
    # Everything observed in order; the 17-year-old "dropout" is past school age.
    "G01": ({}, "meets", ""),
    # 3000 < 3218, but 3000 + 400 = 3400 ≥ 3218: only passes with non-countable income (算账式).
    "G02": ({"income": (F, "INCOME_NOT_COUNTABLE")}, "fails", "income"),
    # 3000 + 100 = 3100 < 3218: below the line whatever the registry counted.
    "G03": ({"income": (F, "INCOME_BELOW_LINE")}, "fails", "income"),
    # Exactly on the line passes (≥); no school-age child → not applicable (the 16-year-old
    # registry dropout is past school age, so no disagreement).
    "G04": ({"education": (NA, "EDU_NO_CHILDREN")}, "meets", ""),
    # No stable staple and no regular protein: both codes; bedding/clothes lacking.
    "G05": (
        {"food": (F, "FOOD_STAPLE_SHORT;FOOD_PROTEIN_IRREGULAR"),
         "clothing": (F, "CLOTHING_LACKING")},
        "fails", "food;clothing",
    ),
    # Staple fine but protein not recorded: unverified, so the household is unverified.
    "G06": ({"food": (U, "FOOD_MISSING")}, "unverified", ""),
    # One uninsured member fails; the unappraised house is unverified; a fail outranks it.
    "G07": (
        {"medical": (F, "MEDICAL_UNINSURED"), "housing": (U, "HOUSING_UNAPPRAISED")},
        "fails", "medical",
    ),
    # Not piped, 25 min > 20 and 40 cut days > 36: two water codes.
    "G08": ({"water": (F, "WATER_FETCH_TOO_FAR;WATER_SUPPLY_CUTS")}, "fails", "water"),
    # Not piped but 20 min ≤ 20 and 36 days ≤ 36: both limits are inclusive.
    "G09": ({}, "meets", ""),
    # No usable out-of-school count; the registry lists a 12-year-old dropout → fail.
    "G10": ({"education": (F, "EDU_DROPOUT_REGISTRY")}, "fails", "education"),
    # The field saw the child in school; the registry's 6-year-old dropout is overruled but
    # flagged.
    "G11": ({"education": (P, "EDU_REGISTRY_DISAGREES")}, "meets", ""),
    # Unsafe house, one of two children out of school, bad water quality.
    "G12": (
        {"education": (F, "EDU_OUT_OF_SCHOOL"), "housing": (F, "HOUSING_UNSAFE"),
         "water": (F, "WATER_QUALITY_BAD")},
        "fails", "education;housing;water",
    ),
    # Refused: not scored at all.
    "G13": ({c: (None, None) for c in OK_ROW}, None, ""),
    # Income not verified → unverified; "piped" blank but 10 min ≤ 20 → water passes;
    # renovated house passes.
    "G14": (
        {"income": (U, "INCOME_MISSING"), "housing": (P, "HOUSING_RENOVATED")},
        "unverified", "",
    ),
    # Relocated passes; schooling not recorded and no registry dropout → unverified; short
    # water quantity fails, so the household fails.
    "G15": (
        {"housing": (P, "HOUSING_RELOCATED"), "education": (U, "EDU_MISSING"),
         "water": (F, "WATER_QUANTITY_SHORT")},
        "fails", "water",
    ),
}


def golden_field() -> pd.DataFrame:
    """The golden visits, one row per household, indexed 0..n−1."""
    rows = [{"household_id": h, **BASE, **c} for h, c in CHANGES.items()]
    return pd.DataFrame(rows)


def expected_checks(household: str) -> dict[str, tuple[str | None, str | None]]:
    """Every check's (result, reason) for one golden household."""
    return {**OK_ROW, **EXPECTED[household][0]}
