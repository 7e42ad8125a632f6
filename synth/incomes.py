"""Steps 8 and 10: per-capita incomes (registry and true), non-countable income, and the
registry's income components."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Incomes:
    """Per household, yuan per person: registry and true income, non-countable income."""

    reg_pc: np.ndarray
    true_pc: np.ndarray
    not_countable: np.ndarray


@dataclass(frozen=True)
class Components:
    """Per household, yuan per year: the registry's income components and per-capita total."""

    wage: np.ndarray
    business: np.ndarray
    prop: np.ndarray
    transfer: np.ndarray
    income_pc: np.ndarray


def plant_incomes(
    *,
    line: float,
    exited: np.ndarray,
    poor_now: np.ndarray,
    nonreg: np.ndarray,
    income_fails: np.ndarray,
    paper: np.ndarray,
    rng: np.random.Generator,
) -> Incomes:
    """Exited households a little above the line, non-registered ones well above it, income
    failures below it; a paper exit is lifted over the line by non-countable income."""
    H = exited.size
    inc_fail = income_fails
    true_pc = np.empty(H)
    reg_pc = np.empty(H)
    ex_draw = line * (1.0 + np.exp(rng.normal(np.log(0.55), 0.5, H)))
    nr_draw = line * np.exp(rng.normal(np.log(3.0), 0.45, H))
    nr_draw = np.where(nr_draw < 1.1 * line, line * rng.uniform(1.1, 1.6, H), nr_draw)
    low = line * rng.uniform(0.55, 0.97, H)
    just_above = line * rng.uniform(1.01, 1.3, H)
    reg_pc[:] = np.where(exited, ex_draw, np.where(poor_now, low, nr_draw))
    true_pc[:] = np.where(exited, ex_draw * rng.normal(1.0, 0.06, H), reg_pc)
    true_pc = np.where(poor_now & ~inc_fail, just_above, true_pc)
    reg_pc = np.where(poor_now, true_pc * rng.normal(1.0, 0.05, H), reg_pc)
    reg_pc = np.where(poor_now & inc_fail, np.minimum(reg_pc, 0.99 * line), reg_pc)
    true_pc = np.where(~inc_fail & (true_pc < 1.01 * line), line * rng.uniform(1.01, 1.08, H),
                       true_pc)
    true_pc = np.where(inc_fail, low, true_pc)
    reg_pc = np.where(nonreg, true_pc * rng.normal(1.0, 0.08, H), reg_pc)
    reg_pc = np.maximum(reg_pc, 0.2 * line)

    not_countable = np.where(
        ~inc_fail & (rng.random(H) < 0.12), rng.uniform(30, 250, H), 0.0
    )
    if paper.any():
        true_pc = np.where(paper, line * rng.uniform(0.6, 0.95, H), true_pc)
        not_countable = np.where(
            paper, (line - true_pc) + line * rng.uniform(0.03, 0.35, H), not_countable
        )
    return Incomes(reg_pc, true_pc, not_countable)


def plant_components(
    *,
    inc: Incomes,
    size: np.ndarray,
    labor: np.ndarray,
    registered: np.ndarray,
    nonreg: np.ndarray,
    paper: np.ndarray,
    transfer_dependent: np.ndarray,
    rng: np.random.Generator,
) -> tuple[Components, np.ndarray]:
    """Wage, business, property and transfer income adding up to the registry figure (a
    paper exit's non-countable income booked as transfer or business income); returns the
    components and the registry's per-capita income, blank for 15 % of non-registered."""
    H = size.size
    tdep = transfer_dependent
    total = np.where(paper, inc.true_pc, inc.reg_pc) * size
    s_t = np.where(
        labor >= 1,
        rng.beta(np.where(registered, 2.5, 2.0), np.where(registered, 6.0, 7.0)),
        rng.beta(8.0, 2.0, H),
    )
    s_t = np.where(tdep, rng.uniform(0.92, 0.99, H), s_t)
    s_p = np.minimum(np.where(tdep, 0.0, rng.uniform(0.0, 0.03, H)), 1.0 - s_t)
    rest = np.clip(1.0 - s_t - s_p, 0.0, 1.0)
    w_share = np.where(labor >= 1, rng.beta(4.0, 2.0, H), 0.0)
    transfer = total * s_t
    prop = total * s_p
    wage = total * rest * w_share
    business = total * rest * (1.0 - w_share)
    extra = inc.not_countable * size * paper
    to_transfer = rng.random(H) < 0.6
    transfer = transfer + np.where(to_transfer, extra, 0.0)
    business = business + np.where(to_transfer, 0.0, extra)
    wage, business, prop, transfer = (np.round(x, 2) for x in (wage, business, prop, transfer))
    income_pc = np.round((wage + business + prop + transfer) / size, 2)
    income_pc_out = np.where(nonreg & (rng.random(H) < 0.15), np.nan, income_pc)
    return Components(wage, business, prop, transfer, income_pc), income_pc_out
