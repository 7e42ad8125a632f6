"""Food (不愁吃): stable and sufficient staple food; meat, eggs, milk or soy regularly."""

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
    join_codes,
    read_bool,
    select_rules,
)
from registry.columns import Column


def evaluate(f: pd.DataFrame, ctx: CheckContext) -> Verdicts:
    """Fail when either sub-rule fails (both codes joined); pass when both hold."""
    st_t, st_f = read_bool(f, "food_stable")
    pr_t, pr_f = read_bool(f, "protein_regular")
    why = join_codes([(st_f, "FOOD_STAPLE_SHORT"), (pr_f, "FOOD_PROTEIN_IRREGULAR")], len(f))
    return select_rules(len(f), [
        (st_f | pr_f, FAIL, why),
        (st_t & pr_t, PASS, "FOOD_OK"),
    ], (UNVERIFIED, "FOOD_MISSING"))


def synth_field(facts: FieldFacts, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """A failure is short staples, irregular protein, or both (a third each)."""
    mode = rng.integers(0, 3, facts.fail.size)
    return {
        "food_stable": ~(facts.fail & (mode != 1)),
        "protein_regular": ~(facts.fail & (mode != 0)),
    }


CHECK = HouseholdCheck(
    name="food",
    columns=(
        Column("food_stable", "主食稳定充足", "bool", nullable=True),
        Column("protein_regular", "肉蛋奶豆常有", "bool", nullable=True),
    ),
    reasons={
        "FOOD_OK": (
            "主食稳定充足，肉蛋奶或豆制品经常有。",
            "Staple food is stable and sufficient; meat, eggs, milk or soy are eaten regularly.",
        ),
        "FOOD_STAPLE_SHORT": (
            "主食不稳定或不充足。",
            "Staple food is not stable or not sufficient.",
        ),
        "FOOD_PROTEIN_IRREGULAR": (
            "肉蛋奶或豆制品不能经常吃上。",
            "Meat, eggs, milk or soy are not eaten regularly.",
        ),
        "FOOD_MISSING": (
            "吃的情况没有核实完整，需要补充核实。",
            "Food was not fully verified; it must be checked on a return visit.",
        ),
    },
    evaluate=evaluate,
    synth_field=synth_field,
    planting=Planting(wrong_exit=0.02, missed=0.02, poor_extra=0.03),
    form_rank=10,
)
