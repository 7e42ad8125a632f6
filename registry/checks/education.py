"""Education (义务教育有保障): every child aged 6–15 enrolled, home-taught or physically exempt.

The enumerator's observation wins over the registry (``members``). A school-age child the
registry lists as a dropout is only decisive when the field record has no usable count (then
the check fails with ``EDU_DROPOUT_REGISTRY``); when the field record says the children are in
school (or that there are none) the field result stands, but the reason becomes
``EDU_REGISTRY_DISAGREES`` so the disagreement is visible and the registry can be corrected.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from registry.checks.base import (
    FAIL,
    NA,
    PASS,
    UNVERIFIED,
    CheckContext,
    CheckInputError,
    FieldFacts,
    HouseholdCheck,
    Parameter,
    Planting,
    Verdicts,
    count_members,
    read_number,
    select_rules,
)
from registry.columns import NON_NEGATIVE, Bounds, Column

SCHOOL_AGE_MIN, SCHOOL_AGE_MAX = 6, 15


def registry_dropouts(f: pd.DataFrame, ctx: CheckContext) -> np.ndarray:
    """Households whose registry lists a school-age member as a dropout in ``ctx.year``."""
    members = ctx.members
    if members is None:
        return np.zeros(len(f), dtype=bool)
    missing = [c for c in ("household_id", "birth_year", "school_status") if c not in members]
    if missing or "household_id" not in f.columns:
        cols = missing or ["household_id (field)"]
        raise CheckInputError(
            f"核对教育时缺少列：{cols}。 / The education cross-check needs the columns {cols}."
        )
    age = ctx.year - pd.to_numeric(members["birth_year"], errors="coerce")
    school_age = age.between(ctx.param("school_age_min"), ctx.param("school_age_max"))
    dropout = school_age & (members["school_status"] == "dropout")
    ids = pd.unique(members.loc[dropout.to_numpy(), "household_id"].astype(str))
    return f["household_id"].astype(str).isin(ids).to_numpy()


def evaluate(f: pd.DataFrame, ctx: CheckContext) -> Verdicts:
    """Fail when a child is out of school; not applicable without school-age children."""
    registry_dropout = registry_dropouts(f, ctx)
    kids = read_number(f, "school_age_children", non_negative=True)
    out = read_number(f, "children_out_of_school", non_negative=True)
    none = kids == 0
    all_in = (kids >= 1) & (out == 0)
    return select_rules(len(f), [
        (out >= 1, FAIL, "EDU_OUT_OF_SCHOOL"),
        (none & registry_dropout, NA, "EDU_REGISTRY_DISAGREES"),
        (none, NA, "EDU_NO_CHILDREN"),
        (all_in & registry_dropout, PASS, "EDU_REGISTRY_DISAGREES"),
        (all_in, PASS, "EDU_OK"),
        (registry_dropout, FAIL, "EDU_DROPOUT_REGISTRY"),  # no usable field count
    ], (UNVERIFIED, "EDU_MISSING"))


def synth_field(facts: FieldFacts, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The registry's school-age children; when the check fails, at least the registry's
    dropouts (and sometimes one more child) are out of school."""
    ids, year = facts.household_ids, facts.year
    kids = count_members(facts.members, ids, lambda m: (
        year - m["birth_year"].astype("int64")).between(SCHOOL_AGE_MIN, SCHOOL_AGE_MAX).to_numpy())
    dropouts = count_members(facts.members, ids,
                             lambda m: (m["school_status"] == "dropout").to_numpy())
    extra_kid = (kids >= 2) & (rng.random(ids.size) < 0.2)
    out = np.where(facts.fail, np.minimum(kids, np.maximum(dropouts, 1 + extra_kid)), 0)
    return {"school_age_children": kids, "children_out_of_school": out}


CHECK = HouseholdCheck(
    name="education",
    columns=(
        Column("school_age_children", "适龄儿童人数", "int", nullable=True, bounds=NON_NEGATIVE),
        Column("children_out_of_school", "失学辍学人数", "int", nullable=True,
               bounds=Bounds(0, rule="negative_value", not_above="school_age_children",
                             not_above_rule="out_of_school_exceeds")),
    ),
    reasons={
        "EDU_OK": (
            "家中 6–15 岁的孩子都在上学、送教上门或因身体原因免学。",
            "Every child aged 6–15 in the household is enrolled, taught at home or physically "
            "exempt.",
        ),
        "EDU_NO_CHILDREN": (
            "家中没有义务教育阶段（6–15 岁）的孩子，本项不适用。",
            "No child of compulsory-school age (6–15) lives in the household; not applicable.",
        ),
        "EDU_OUT_OF_SCHOOL": (
            "有义务教育阶段的孩子失学或辍学。",
            "A child of compulsory-school age is out of school (never enrolled or dropped out).",
        ),
        "EDU_DROPOUT_REGISTRY": (
            "走访没有核实孩子上学情况，而建档立卡系统登记有适龄孩子辍学。",
            "The visit did not verify schooling, and the registry lists a school-age child as a "
            "dropout.",
        ),
        "EDU_REGISTRY_DISAGREES": (
            "走访核实孩子上学情况正常（或家中无适龄孩子），但系统登记有适龄孩子辍学；以走访为准，"
            "请更正系统数据。",
            "The visit found schooling in order (or no school-age child), but the registry lists "
            "a school-age dropout; the visit prevails — correct the registry.",
        ),
        "EDU_MISSING": (
            "孩子上学情况没有核实，需要补充核实。",
            "Schooling was not verified; it must be checked on a return visit.",
        ),
    },
    evaluate=evaluate,
    synth_field=synth_field,
    planting=Planting(wrong_exit=0.10, missed=0.07, poor_extra=0.10),
    parameters=(
        Parameter("school_age_min", int, SCHOOL_AGE_MIN,
                  description="youngest age of compulsory schooling"),
        Parameter("school_age_max", int, SCHOOL_AGE_MAX,
                  description="oldest age of compulsory schooling"),
    ),
    form_rank=30,
)
