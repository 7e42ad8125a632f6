"""The reason-code catalogue: complete, bilingual, and without unused codes."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from assessment.checks import REASONS, STANDARD_REASONS, check_reason_codes, score_households
from assessment.indicators import INDICATOR_REASONS
from assessment.messages import MESSAGES, UnknownReasonError, explain
from assessment.settings import CheckSettings
from registry.contract import CHECKS, HOUSING_SAFETY

CJK = re.compile(r"[\u4e00-\u9fff]")


def random_field(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Every field value (including blanks and limit values) in random combinations."""
    def pick(options: list[object]) -> list[object]:
        return [options[i] for i in rng.integers(0, len(options), n)]

    b = [True, False, None]
    return pd.DataFrame({
        "household_id": [f"H{i}" for i in range(n)],
        "outcome": pick(["completed"] * 9 + ["refused"]),
        "verified_income_per_capita": pick([5000.0, 3218.0, 3100.0, 2000.0, None]),
        "income_not_countable": pick([0.0, 200.0, 2000.0, None]),
        "food_stable": pick(b), "protein_regular": pick(b), "clothing_ok": pick(b),
        "school_age_children": pick([0, 1, 2, None]),
        "children_out_of_school": pick([0, 1, None]),
        "uninsured_members": pick([0, 1, None]),
        "housing_safety": pick([*HOUSING_SAFETY, None]),
        "water_piped": pick(b),
        "water_fetch_minutes": pick([5.0, 20.0, 45.0, None]),
        "water_quality_ok": pick(b), "water_quantity_ok": pick(b),
        "water_cut_days": pick([0, 36, 60, None]),
    })


@pytest.fixture(scope="module")
def emitted() -> dict[str, set[str]]:
    rng = np.random.default_rng(20191231)
    field = random_field(3000, rng)
    members = pd.DataFrame({
        "household_id": field["household_id"],
        "birth_year": rng.integers(2000, 2016, len(field)),
        "school_status": [["enrolled", "dropout"][i] for i in rng.integers(0, 2, len(field))],
    })
    codes: dict[str, set[str]] = {c: set() for c in CHECKS}
    for year in (2016, 2019):
        out = score_households(field, year=year, settings=CheckSettings(), members=members)
        for check in CHECKS:  # seven checks
            for joined in out[f"{check}_reason"].dropna().unique():
                codes[check].update(joined.split(";"))
        codes.setdefault("standard", set()).update(
            STANDARD_REASONS[s] for s in out["standard"].dropna().unique())
    return codes


def test_every_emitted_code_is_declared_and_every_declared_code_is_emitted(
    emitted: dict[str, set[str]],
) -> None:
    for check in CHECKS:
        assert emitted[check] == set(REASONS[check]), check
    assert emitted["standard"] == set(STANDARD_REASONS.values())


def test_catalogue_has_exactly_the_codes_in_use() -> None:
    assert set(MESSAGES) == check_reason_codes() | set(INDICATOR_REASONS)


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_both_languages(code: str) -> None:
    zh, en = MESSAGES[code]
    assert CJK.search(zh), code
    assert en.strip() and not CJK.search(en), code
    assert explain(code) == zh and explain(code, "en") == en


def test_joined_codes_explain_each_part() -> None:
    text = explain("WATER_QUALITY_BAD;WATER_SUPPLY_CUTS", "en")
    assert MESSAGES["WATER_QUALITY_BAD"][1] in text and MESSAGES["WATER_SUPPLY_CUTS"][1] in text


def test_unknown_code_and_language() -> None:
    with pytest.raises(UnknownReasonError):
        explain("NO_SUCH_CODE")
    with pytest.raises(KeyError):  # the report's fallback catches KeyError
        explain("INCOME_OK;NOPE")
    with pytest.raises(UnknownReasonError):
        explain("")
    with pytest.raises(ValueError):
        explain("INCOME_OK", lang="fr")  # type: ignore[arg-type]
