"""Medical care (基本医疗有保障): every member in basic medical insurance."""

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
    count_members,
    read_number,
    select_rules,
)
from registry.columns import NON_NEGATIVE, Column


def evaluate(f: pd.DataFrame, ctx: CheckContext) -> Verdicts:
    """Fail when any member is uninsured."""
    uninsured = read_number(f, "uninsured_members", non_negative=True)
    return select_rules(len(f), [
        (uninsured >= 1, FAIL, "MEDICAL_UNINSURED"),
        (uninsured == 0, PASS, "MEDICAL_OK"),
    ], (UNVERIFIED, "MEDICAL_MISSING"))


def synth_field(facts: FieldFacts, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """When the check fails, at least the registry's uninsured members (and sometimes one more)
    are found uninsured."""
    size = facts.households["household_size"].to_numpy(np.int64)
    registry_none = count_members(facts.members, facts.household_ids,
                                  lambda m: (m["medical_insurance"] == "none").to_numpy())
    extra = (size >= 2) & (rng.random(size.size) < 0.3)
    return {
        "uninsured_members": np.where(
            facts.fail, np.minimum(size, np.maximum(registry_none, 1 + extra)), 0),
    }


CHECK = HouseholdCheck(
    name="medical",
    columns=(
        Column("uninsured_members", "未参保人数", "int", nullable=True, bounds=NON_NEGATIVE),
    ),
    reasons={
        "MEDICAL_OK": (
            "家庭成员全部参加基本医疗保险。",
            "Every household member has basic medical insurance.",
        ),
        "MEDICAL_UNINSURED": (
            "有家庭成员没有参加基本医疗保险。",
            "At least one household member has no basic medical insurance.",
        ),
        "MEDICAL_MISSING": (
            "参保情况没有核实，需要补充核实。",
            "Medical insurance was not verified; it must be checked on a return visit.",
        ),
    },
    evaluate=evaluate,
    synth_field=synth_field,
    planting=Planting(wrong_exit=0.12, missed=0.10, poor_extra=0.15),
    form_rank=40,
)
