"""Step 6: the planted truth — which households fail which household check — and step 7, the
registry's own record of some of those gaps.

Every check of the catalogue (:mod:`registry.checks`) is planted with its own weights
(``HouseholdCheck.planting``), so a new check is planted without touching this module. The
story of a county names three checks: a paper exit fails on income; an education failure
needs a school-age child (otherwise it is income); a household flagged as living in a
dilapidated house fails on housing first, half the time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from registry.checks.base import HouseholdCheck
from registry.checks.catalogue import household_checks
from synth.draws import categorical, choose_persons
from synth.members import INS, SCH, Members
from synth.plan import PAPER_SHARE_OF_WRONG_EXITS, PlantSpec

SECOND_FAILURE_SHARE = 0.2
MISSED_RISK_SHARE = 0.7
INCOME, EDUCATION, HOUSING, MEDICAL = "income", "education", "housing", "medical"


@dataclass(frozen=True)
class Failures:
    """Per household: the checks it truly fails, wrong exits, missed poor, paper exits."""

    fails: dict[str, np.ndarray]
    wrong: np.ndarray
    missed: np.ndarray
    poor_now: np.ndarray
    paper: np.ndarray
    fail_any: np.ndarray


def _weights(checks: tuple[HouseholdCheck, ...], kind: str, year: int) -> np.ndarray:
    """Planting weights of one kind of household, in check order (0 where not in force)."""
    p = np.array([getattr(c.planting, kind) for c in checks], dtype=float)
    p[[not c.planted_in(year) for c in checks]] = 0.0
    return p


def plant_failures(
    *,
    plant: PlantSpec,
    year: int,
    size: np.ndarray,
    registered: np.ndarray,
    exited: np.ndarray,
    poor_now: np.ndarray,
    risk: np.ndarray,
    kids: np.ndarray,
    dilapidated: np.ndarray,
    village_effect: np.ndarray,
    rng: np.random.Generator,
) -> Failures:
    """Wrong exits and missed poor households at the planted person-weighted rates (risk
    households and some villages more likely), each failing one check (sometimes two); most
    still-poor households fail on income and some on another check too."""
    checks = household_checks()
    names = [c.name for c in checks]
    H = size.size
    fails = {c: np.zeros(H, dtype=bool) for c in names}
    persons_ex = float(size[exited].sum())
    wrong = choose_persons(
        exited, size, plant.wrong_exit_rate * persons_ex,
        village_effect * np.where(risk, 1.5, 1.0), rng,
    )
    nonreg = ~registered
    persons_nr = float(size[nonreg].sum())
    target_missed = plant.missed_rate * persons_nr
    missed_risk = choose_persons(
        nonreg & risk, size, MISSED_RISK_SHARE * target_missed, village_effect, rng
    )
    missed_other = choose_persons(
        nonreg & ~risk, size, target_missed - float(size[missed_risk].sum()), village_effect, rng
    )
    missed = missed_risk | missed_other

    def assign(mask: np.ndarray, kind: str, force_income: np.ndarray | None) -> None:
        idx = np.flatnonzero(mask)
        if idx.size == 0:
            return
        p = _weights(checks, kind, year)
        for round_ in range(2):
            chosen = categorical(p, idx.size, rng)
            if round_ == 0 and force_income is not None:
                chosen = np.where(force_income[idx], names.index(INCOME), chosen)
            active = np.ones(idx.size, bool) if round_ == 0 else (
                rng.random(idx.size) < SECOND_FAILURE_SHARE
            )
            # No child of school age: an education failure cannot be observed; it is income.
            edu = chosen == names.index(EDUCATION)
            chosen = np.where(edu & (kids[idx] == 0), names.index(INCOME), chosen)
            # A dilapidated-flag household that fails fails on housing first.
            if round_ == 0:
                chosen = np.where(
                    dilapidated[idx] & (rng.random(idx.size) < 0.5), names.index(HOUSING), chosen
                )
            for ci, c in enumerate(names):  # a loop over the checks
                fails[c][idx[active & (chosen == ci)]] = True

    paper = np.zeros(H, dtype=bool)
    if "paper_income" in plant.patterns:
        paper = wrong & (rng.random(H) < PAPER_SHARE_OF_WRONG_EXITS)
    assign(wrong, "wrong_exit", paper)
    assign(missed, "missed", None)
    fails[INCOME] |= poor_now & (rng.random(H) < 0.85)
    assign(poor_now & (rng.random(H) < 0.15), "poor_extra", None)
    paper &= fails[INCOME]
    fail_any = np.zeros(H, dtype=bool)
    for c in names:
        fail_any |= fails[c]
    return Failures(fails, wrong, missed, poor_now, paper, fail_any)


def plant_registry_echoes(
    fails: dict[str, np.ndarray], mem: Members, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """The registry sometimes records the gap itself: half the education failures list their
    first enrolled school-age child as a dropout, half the medical failures an uninsured
    member. Returns the members' (school status, insurance) codes."""
    M = mem.m_h.size
    school, insurance = mem.school.copy(), mem.insurance.copy()
    edu_fail_m = fails[EDUCATION][mem.m_h] & mem.in_school_age & (school == SCH["enrolled"])
    first_kid = edu_fail_m & (
        np.arange(M)
        == np.minimum.reduceat(np.where(edu_fail_m, np.arange(M), M), mem.hh_starts)[mem.m_h]
    )
    school[first_kid & (rng.random(M) < 0.5)] = SCH["dropout"]
    med_m = fails[MEDICAL][mem.m_h] & mem.target_m & (rng.random(M) < 0.5)
    insurance[med_m] = INS["none"]
    return school, insurance
