"""Step 4: the members of every household (relations, ages, sex, disability, illness, school,
insurance), the registered households' main poverty cause, and the labour force."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from registry.contract import INSURANCE, POVERTY_CAUSES, RELATIONS, SCHOOL_STATUSES
from synth.draws import categorical

REL = {r: i for i, r in enumerate(RELATIONS)}
SCH = {r: i for i, r in enumerate(SCHOOL_STATUSES)}
INS = {r: i for i, r in enumerate(INSURANCE)}

_CAUSE_P = {
    "illness": 0.40, "disability": 0.10, "education": 0.08, "disaster": 0.03, "land": 0.03,
    "water": 0.02, "skills": 0.09, "labor": 0.10, "capital": 0.08, "transport": 0.03,
    "motivation": 0.02, "other": 0.02,
}


@dataclass(frozen=True)
class Members:
    """Member arrays (length M, household of each member ``m_h``) and household aggregates."""

    m_h: np.ndarray
    hh_starts: np.ndarray
    k: np.ndarray
    head_age: np.ndarray
    head_male: np.ndarray
    relation: np.ndarray
    age: np.ndarray
    sex_male: np.ndarray
    cause: np.ndarray
    illness: np.ndarray
    disability: np.ndarray
    target_m: np.ndarray
    chronic: np.ndarray
    in_school_age: np.ndarray
    school: np.ndarray
    insurance: np.ndarray
    labor: np.ndarray
    any_chronic: np.ndarray
    kids: np.ndarray


def plant_members(size: np.ndarray, registered: np.ndarray, reg_idx: np.ndarray,
                  rng: np.random.Generator) -> Members:
    """Members of households of the given sizes; registered households are older, sicker and
    more often disabled, and one member carries the main poverty cause."""
    H = size.size
    hh_starts = np.concatenate([[0], np.cumsum(size)[:-1]])
    M = int(size.sum())
    m_h = np.repeat(np.arange(H), size)
    k = np.arange(M) - hh_starts[m_h]
    head_age = np.where(
        size == 1,
        rng.normal(64, 12, H),
        np.where(registered, rng.normal(52, 13, H), rng.normal(48, 12, H)),
    )
    head_age = np.clip(np.round(head_age), 20, 90).astype(np.int64)
    ha = head_age[m_h]
    s_m = size[m_h]
    u = rng.random(M)
    relation = np.full(M, REL["child"], dtype=np.int8)
    relation[k == 0] = REL["head"]
    relation[(k == 1) & (u < 0.85)] = REL["spouse"]
    parent_slot = (k >= 2) & (s_m >= 4) & (ha < 50) & (
        ((k == s_m - 1) & (u < 0.35)) | ((k == s_m - 2) & (s_m >= 6) & (u < 0.15))
    )
    relation[parent_slot] = REL["parent"]
    relation[(k >= 2) & (ha >= 60) & (u < 0.4) & ~parent_slot] = REL["grandchild"]
    relation[(k >= 2) & (u > 0.98)] = REL["other"]

    age = np.empty(M, dtype=np.int64)
    is_ = {r: relation == i for r, i in REL.items()}
    age[is_["head"]] = ha[is_["head"]]
    age[is_["spouse"]] = np.maximum(18, ha[is_["spouse"]] + np.round(
        rng.normal(-2, 3, int(is_["spouse"].sum()))).astype(np.int64))
    nc = int(is_["child"].sum())
    age[is_["child"]] = np.maximum(
        0, ha[is_["child"]] - rng.integers(20, 34, nc) - 2 * np.maximum(k[is_["child"]] - 2, 0)
    )
    npar = int(is_["parent"].sum())
    age[is_["parent"]] = np.minimum(98, ha[is_["parent"]] + rng.integers(22, 33, npar))
    ng = int(is_["grandchild"].sum())
    age[is_["grandchild"]] = np.maximum(0, ha[is_["grandchild"]] - rng.integers(44, 58, ng))
    age[is_["other"]] = rng.integers(5, 76, int(is_["other"].sum()))

    head_male = rng.random(H) < 0.85
    sex_male = rng.random(M) < 0.5
    sex_male[is_["head"]] = head_male
    sex_male[is_["spouse"]] = ~head_male[m_h[is_["spouse"]]]

    reg_m = registered[m_h]
    cause = np.full(H, -1, dtype=np.int8)
    cause[reg_idx] = categorical([_CAUSE_P[c] for c in POVERTY_CAUSES], reg_idx.size, rng)
    illness_h = cause == POVERTY_CAUSES.index("illness")
    disab_h = cause == POVERTY_CAUSES.index("disability")

    disability = np.where(
        rng.random(M) < np.where(reg_m, 0.05, 0.02),
        categorical((0.15, 0.25, 0.30, 0.30), M, rng) + 1,
        0,
    ).astype(np.int64)
    chosen_slot = (rng.random(H) * size).astype(np.int64)
    target_m = k == chosen_slot[m_h]
    force_dis = target_m & disab_h[m_h] & (disability == 0)
    disability[force_dis] = categorical((0.3, 0.4, 0.3), int(force_dis.sum()), rng) + 2
    p_chronic = np.where(age < 40, 0.04, np.where(age < 60, 0.15, 0.35)) * np.where(reg_m, 1.5, 1)
    chronic = rng.random(M) < p_chronic
    chronic |= target_m & illness_h[m_h] & (rng.random(M) < 0.8)

    in_school_age = (age >= 6) & (age <= 15)
    school = np.full(M, SCH["not_school_age"], dtype=np.int8)
    school[in_school_age] = SCH["enrolled"]
    us = rng.random(M)
    school[in_school_age & (disability == 1) & (us < 0.5)] = SCH["exempt_physical"]
    school[in_school_age & (disability == 1) & (us >= 0.5)] = SCH["home_teaching"]
    school[in_school_age & (disability == 2) & (us < 0.3)] = SCH["home_teaching"]

    ui = rng.random(M)
    insurance = np.full(M, INS["resident"], dtype=np.int8)
    insurance[(ui < 0.035) & (age >= 18) & (age <= 60)] = INS["employee"]
    insurance[ui > 0.985] = INS["other"]

    labor_m = (age >= 16) & (age <= 64) & ~np.isin(disability, (1, 2))
    labor = np.bincount(m_h, weights=labor_m, minlength=H).astype(np.int64)
    any_chronic = np.bincount(m_h, weights=chronic, minlength=H) > 0
    kids = np.bincount(m_h, weights=in_school_age, minlength=H).astype(np.int64)
    return Members(
        m_h=m_h, hh_starts=hh_starts, k=k, head_age=head_age, head_male=head_male,
        relation=relation, age=age, sex_male=sex_male, cause=cause, illness=illness_h,
        disability=disability, target_m=target_m, chronic=chronic, in_school_age=in_school_age,
        school=school, insurance=insurance, labor=labor, any_chronic=any_chronic, kids=kids,
    )
