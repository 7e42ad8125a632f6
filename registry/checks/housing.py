"""Housing (住房安全有保障): appraised safe (A/B), renovated or relocated.

A C/D house not renovated fails; an unappraised house is unverified (to be appraised).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from registry.checks.base import (
    FAIL,
    PASS,
    UNVERIFIED,
    CheckContext,
    CheckInputError,
    FieldFacts,
    HouseholdCheck,
    Planting,
    Verdicts,
    select_rules,
    where_rows,
)
from registry.columns import Column

HOUSING_SAFETY = ("appraised_safe", "renovated", "relocated", "unsafe", "unappraised")


def evaluate(f: pd.DataFrame, ctx: CheckContext) -> Verdicts:
    """One rule per observed housing state; a value outside the code list is an error."""
    s = f["housing_safety"]
    unknown = (s.notna() & ~s.isin(HOUSING_SAFETY)).to_numpy()
    if unknown.any():
        zh, en = where_rows(f, unknown)
        allowed = " / ".join(HOUSING_SAFETY)
        raise CheckInputError(
            f"走访记录的“housing_safety”（住房安全）列只能填 {allowed}，{zh} 不是。 / The field "
            f"column 'housing_safety' must be one of {allowed}; {en} is not."
        )
    v = np.where(s.isna().to_numpy(), None, s.to_numpy(dtype=object))
    return select_rules(len(f), [
        (v == "appraised_safe", PASS, "HOUSING_APPRAISED_SAFE"),
        (v == "renovated", PASS, "HOUSING_RENOVATED"),
        (v == "relocated", PASS, "HOUSING_RELOCATED"),
        (v == "unsafe", FAIL, "HOUSING_UNSAFE"),
        (v == "unappraised", UNVERIFIED, "HOUSING_UNAPPRAISED"),
    ], (UNVERIFIED, "HOUSING_MISSING"))


def synth_field(facts: FieldFacts, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Relocated or renovated as the registry says (and a share of registered houses
    renovated); unsafe where the check fails; a few passing houses left unappraised."""
    hh = facts.households
    n = facts.fail.size
    registered = (hh["status"].astype(str) != "not_registered").to_numpy()
    housing = np.where(
        hh["relocated"].to_numpy(bool),
        "relocated",
        np.where(
            hh["dilapidated_house"].to_numpy(bool) | (registered & (rng.random(n) < 0.3)),
            "renovated",
            "appraised_safe",
        ),
    ).astype(object)
    housing[facts.fail] = "unsafe"
    unappraised = rng.random(n) < facts.rates.get("unappraised_rate", 0.0)
    housing[~facts.fail & unappraised] = "unappraised"
    return {"housing_safety": housing}


CHECK = HouseholdCheck(
    name="housing",
    columns=(
        Column("housing_safety", "住房安全", "category", nullable=True, choices=HOUSING_SAFETY),
    ),
    reasons={
        "HOUSING_APPRAISED_SAFE": (
            "住房经鉴定安全（A/B 级）。",
            "The house is appraised safe (grade A or B).",
        ),
        "HOUSING_RENOVATED": (
            "危房已改造，住房安全。",
            "The dilapidated house has been renovated and is safe.",
        ),
        "HOUSING_RELOCATED": (
            "已搬迁安置，住房安全。",
            "The household has been relocated into safe housing.",
        ),
        "HOUSING_UNSAFE": (
            "住房为 C/D 级危房且未改造。",
            "The house is grade C or D (unsafe) and has not been renovated.",
        ),
        "HOUSING_UNAPPRAISED": (
            "住房没有安全鉴定，需要鉴定后再判断。",
            "The house has not been appraised; it must be appraised before a judgement.",
        ),
        "HOUSING_MISSING": (
            "住房安全情况没有核实，需要补充核实。",
            "Housing safety was not verified; it must be checked on a return visit.",
        ),
    },
    evaluate=evaluate,
    synth_field=synth_field,
    planting=Planting(wrong_exit=0.20, missed=0.12, poor_extra=0.40),
    form_rank=50,
)
