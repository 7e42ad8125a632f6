"""Step 9: the planted integrity patterns (the "paper exits" of DESIGN.md)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from synth.draws import choose_k
from synth.plan import PATTERN_SHARES, PlantSpec


@dataclass(frozen=True)
class Patterns:
    """Per household: the patterns that touched it (";"-joined, None if none), and the
    registry and true figures as the patterns left them."""

    pattern: np.ndarray
    reg_year: np.ndarray
    reg_pc: np.ndarray
    true_pc: np.ndarray
    transfer_dependent: np.ndarray
    withdrawn: np.ndarray


def plant_patterns(
    *,
    plant: PlantSpec,
    year: int,
    line: float,
    exited: np.ndarray,
    paper: np.ndarray,
    income_fails: np.ndarray,
    labor: np.ndarray,
    reg_year: np.ndarray,
    exit_year: np.ndarray,
    reg_pc: np.ndarray,
    true_pc: np.ndarray,
    rng: np.random.Generator,
) -> Patterns:
    """Same-year and quick exits, bunching just above the line, transfer dependence and
    support withdrawn after exit, each on its share of the exited households (a household
    carries at most one of them besides quota and paper_income)."""
    pats = plant.patterns
    H = exited.size
    reg_year = reg_year.copy()
    pattern = np.full(H, None, dtype=object)

    def mark(mask: np.ndarray, name: str) -> None:
        old = pattern[mask]
        new = np.full(old.size, name, dtype=object)
        had = ~pd.isna(old)
        new[had] = old[had] + (";" + name)
        pattern[mask] = new

    if "quota" in pats:
        mark(exited, "quota")
    if paper.any():
        mark(paper, "paper_income")
    touched_hh = paper.copy()
    n_ex = int(exited.sum())

    def plant_set(name: str, extra: np.ndarray | None = None) -> np.ndarray:
        cand = exited & ~touched_hh & (extra if extra is not None else True)
        share = PATTERN_SHARES[name] * plant.pattern_scale
        chosen = choose_k(cand, round(share * n_ex), rng)
        touched_hh[chosen] = True
        mark(chosen, name)
        return chosen

    if "same_year" in pats:
        sel = plant_set("same_year")
        reg_year[sel] = exit_year[sel]
    if "quick_exit" in pats:
        sel = plant_set("quick_exit")
        reg_year[sel] = exit_year[sel] - 1
    if "bunching" in pats:
        bunch = plant_set("bunching", ~income_fails)
        reg_pc = np.where(bunch, line * rng.uniform(1.003, 1.048, H), reg_pc)
        true_pc = np.where(
            bunch, np.maximum(reg_pc * rng.uniform(0.99, 1.05, H), line * 1.002), true_pc
        )
    tdep = np.zeros(H, dtype=bool)
    if "transfer_dependent" in pats:
        cand_n = int((exited & (labor >= 1)).sum())
        cand = exited & ~touched_hh & (labor >= 1)
        share = PATTERN_SHARES["transfer_dependent"] * plant.pattern_scale
        tdep = choose_k(cand, round(share * cand_n), rng)
        touched_hh[tdep] = True
        mark(tdep, "transfer_dependent")
    withdrawn = np.zeros(H, dtype=bool)
    if "support_withdrawn" in pats:
        withdrawn = plant_set("support_withdrawn", exit_year <= year - 1)
    return Patterns(pattern, reg_year, reg_pc, true_pc, tdep, withdrawn)
