"""Clothing (不愁穿): clothes and bedding for every season."""

from __future__ import annotations

import numpy as np
import pandas as pd

from registry.checks.base import (
    FAIL,
    PASS,
    UNVERIFIED,
    CheckContext,
    FieldFacts,
    HouseholdCheck,
    Planting,
    Verdicts,
    read_bool,
    select_rules,
)
from registry.columns import Column


def evaluate(f: pd.DataFrame, ctx: CheckContext) -> Verdicts:
    """Pass when clothes and bedding are complete, fail when they are not."""
    ok, lacking = read_bool(f, "clothing_ok")
    return select_rules(len(f), [
        (lacking, FAIL, "CLOTHING_LACKING"),
        (ok, PASS, "CLOTHING_OK"),
    ], (UNVERIFIED, "CLOTHING_MISSING"))


def synth_field(facts: FieldFacts, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Clothing is lacking exactly where the check fails."""
    return {"clothing_ok": ~facts.fail}


CHECK = HouseholdCheck(
    name="clothing",
    columns=(Column("clothing_ok", "四季衣被齐全", "bool", nullable=True),),
    reasons={
        "CLOTHING_OK": (
            "四季衣服和被褥齐全。",
            "Clothes and bedding for every season are present.",
        ),
        "CLOTHING_LACKING": (
            "缺少应季衣服或被褥。",
            "Clothes or bedding for some season are lacking.",
        ),
        "CLOTHING_MISSING": (
            "穿的情况没有核实，需要补充核实。",
            "Clothing was not verified; it must be checked on a return visit.",
        ),
    },
    evaluate=evaluate,
    synth_field=synth_field,
    planting=Planting(wrong_exit=0.01, missed=0.01, poor_extra=0.02),
    form_rank=20,
)
