"""A throwaway eighth household check, written as docs/adding-a-check.md says.

Electricity (通电): the house has grid electricity, and the power is cut on at most
``electricity_cut_max_days`` days a year. It is registered at run time by
``electricity_probe``; nothing else in the project knows it.
"""

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
    Parameter,
    Planting,
    Verdicts,
    join_codes,
    read_bool,
    read_number,
    select_rules,
)
from registry.columns import Bounds, Column


def evaluate(f: pd.DataFrame, ctx: CheckContext) -> Verdicts:
    """Fail without grid power or with too many days cut; pass when both are fine."""
    ok, none = read_bool(f, "electricity_ok")
    cuts = read_number(f, "power_cut_days", non_negative=True)
    too_many = cuts > ctx.param("electricity_cut_max_days")
    why = join_codes([(none, "ELECTRICITY_NONE"), (too_many, "ELECTRICITY_CUTS")], len(f))
    return select_rules(len(f), [
        (why != "", FAIL, why),
        (ok & (cuts <= ctx.param("electricity_cut_max_days")), PASS, "ELECTRICITY_OK"),
    ], (UNVERIFIED, "ELECTRICITY_MISSING"))


def synth_field(facts: FieldFacts, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """No grid power where the check fails; a few cut days (some longer than a day) elsewhere."""
    n = facts.fail.size
    cuts = rng.integers(0, 10, n)
    return {
        "electricity_ok": ~facts.fail,
        "power_cut_days": cuts,
        "long_power_cut_days": np.minimum(cuts, rng.integers(0, 3, n)),
    }


CHECK = HouseholdCheck(
    name="electricity",
    columns=(
        Column("electricity_ok", "通电入户", "bool", nullable=True),
        Column("power_cut_days", "年停电天数", "int", nullable=True, bounds=Bounds(0, 366)),
        Column("long_power_cut_days", "停电超过一天的天数", "int", nullable=True,
               bounds=Bounds(0, rule="negative_value", not_above="power_cut_days")),
    ),
    reasons={
        "ELECTRICITY_OK": ("已通电，停电天数在规定以内。",
                           "The house has grid power and few cuts."),
        "ELECTRICITY_NONE": ("住房没有通电。", "The house has no grid electricity."),
        "ELECTRICITY_CUTS": ("一年中停电天数超过规定。",
                             "The power is cut on more days a year than allowed."),
        "ELECTRICITY_MISSING": ("通电情况没有核实，需要补充核实。",
                                "Electricity was not verified; it must be checked again."),
    },
    evaluate=evaluate,
    synth_field=synth_field,
    planting=Planting(wrong_exit=0.3, missed=0.3, poor_extra=0.3),
    parameters=(
        Parameter("electricity_cut_max_days", int, 30,
                  description="most days a year the power may be cut"),
    ),
    form_rank=80,
)
