"""Steps 2, 3 and 5: who is registered, their status and years, and the households' flags."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from registry.contract import STATUSES
from synth.draws import apportion, categorical, rank_in_group
from synth.villages import Villages

FIRST_REGISTRATION_YEAR = 2014
ST = {r: i for i, r in enumerate(STATUSES)}

_SIZE_P_REGISTERED = (0.14, 0.20, 0.19, 0.20, 0.14, 0.08, 0.04, 0.01)
_SIZE_P_OTHER = (0.11, 0.22, 0.23, 0.22, 0.12, 0.06, 0.03, 0.01)
_REG_YEAR_P = {2014: 0.62, 2015: 0.18, 2016: 0.12, 2017: 0.05, 2018: 0.03}


@dataclass(frozen=True)
class Registration:
    """Per household: its village (index), whether it is registered (建档立卡), its size."""

    vidx: np.ndarray
    registered: np.ndarray
    size: np.ndarray


@dataclass(frozen=True)
class Status:
    """Per household: status code (``ST``), registration and exit year (0 = none)."""

    status: np.ndarray
    reg_year: np.ndarray
    exit_year: np.ndarray
    exited: np.ndarray
    reg_idx: np.ndarray


@dataclass(frozen=True)
class Flags:
    """Per household: the registry's yes/no flags, and the stage-2 "risk" stratum."""

    elderly_alone: np.ndarray
    dibao: np.ndarray
    tekun: np.ndarray
    relocated: np.ndarray
    dilapidated: np.ndarray
    serious: np.ndarray
    risk: np.ndarray


def plant_registration(vil: Villages, quota: bool, rng: np.random.Generator) -> Registration:
    """Registered households (10–38 % by village type; the same number per village under a
    quota) and household sizes."""
    n_vil = len(vil.frame)
    n_hh_v = vil.n_households
    vidx = np.repeat(np.arange(n_vil), n_hh_v)
    H = int(vidx.size)
    base_rate = rng.uniform((0.28, 0.20, 0.10), (0.38, 0.30, 0.16))
    rate_v = np.clip(base_rate[vil.vtype] * np.exp(rng.normal(0.0, 0.25, n_vil)), 0.03, 0.5)
    if quota:
        total_reg = round(float((rate_v * n_hh_v).sum()))
        k_v = np.minimum(apportion(np.full(n_vil, total_reg / n_vil), total_reg, rng), n_hh_v)
        registered = rank_in_group(vidx, rng) < k_v[vidx]
    else:
        registered = rng.random(H) < rate_v[vidx]
    size = np.where(
        registered,
        categorical(_SIZE_P_REGISTERED, H, rng),
        categorical(_SIZE_P_OTHER, H, rng),
    ).astype(np.int64) + 1
    return Registration(vidx, registered, size)


def plant_status(reg: Registration, n_vil: int, *, year: int, county_exit: int, quota: bool,
                 rng: np.random.Generator) -> Status:
    """Registration years, exited / poor / returned status and exit years (allotted per
    village and year under a quota)."""
    vidx, registered = reg.vidx, reg.registered
    H = int(vidx.size)
    years_reg = np.array([y for y in _REG_YEAR_P if y <= year])
    reg_year = years_reg[categorical([_REG_YEAR_P[y] for y in years_reg], H, rng)]
    if year >= county_exit:
        p_poor, p_ret = rng.uniform(0.02, 0.05), rng.uniform(0.003, 0.01)
    else:
        p_poor, p_ret = min(0.6, 0.05 + 0.15 * (county_exit - year)), 0.005
    p_exit = 1.0 - p_poor - p_ret
    reg_idx = np.flatnonzero(registered)
    if quota:
        reg_v = np.bincount(vidx[reg_idx], minlength=n_vil)
        k_exit = apportion(reg_v * p_exit, round(float(reg_v.sum() * p_exit)), rng)
        exit_rank = rank_in_group(vidx[reg_idx], rng)
        exited_r = exit_rank < k_exit[vidx[reg_idx]]
    else:
        logit = np.log(p_exit / (1 - p_exit)) + rng.normal(0.0, 0.6, n_vil)
        p_v = 1.0 / (1.0 + np.exp(-logit))
        exited_r = rng.random(reg_idx.size) < p_v[vidx[reg_idx]]
    status = np.full(H, ST["not_registered"], dtype=np.int8)
    status[reg_idx] = np.where(
        exited_r,
        ST["exited"],
        np.where(rng.random(reg_idx.size) < p_ret / (p_poor + p_ret), ST["returned"], ST["poor"]),
    )
    exited = status == ST["exited"]
    reg_year = np.where(registered, reg_year, 0)

    exit_year = np.zeros(H, dtype=np.int64)
    ex_idx = np.flatnonzero(exited)
    cand_years = np.arange(FIRST_REGISTRATION_YEAR + 1, year + 1)
    year_w = np.where(cand_years >= county_exit - 1, 3.0, 1.0)
    if quota:
        # Exits allotted per village and year in fixed proportions: a quota leaves no chance.
        p_y = year_w[cand_years >= FIRST_REGISTRATION_YEAR + 2]
        ys = cand_years[cand_years >= FIRST_REGISTRATION_YEAR + 2]
        cum = np.cumsum(p_y) / p_y.sum()
        rank = rank_in_group(vidx[ex_idx], rng)
        k_here = np.bincount(vidx[ex_idx], minlength=n_vil)[vidx[ex_idx]]
        q = (rank + 0.5) / k_here
        ey = ys[np.minimum(np.searchsorted(cum, q), ys.size - 1)]
        reg_year[ex_idx] = np.maximum(
            FIRST_REGISTRATION_YEAR, np.minimum(reg_year[ex_idx], ey - 2)
        )
        exit_year[ex_idx] = ey
    else:
        r = reg_year[ex_idx]
        u = rng.random(ex_idx.size)
        gap = np.where(u < 0.005, 0, np.where(u < 0.035, 1, 2))
        lo = r + gap
        w = np.where(
            (cand_years[None, :] >= lo[:, None])
            & ((gap[:, None] == 2) | (cand_years[None, :] == lo[:, None])),
            year_w[None, :],
            0.0,
        )
        tot = w.sum(axis=1)
        cumw = np.cumsum(w, axis=1)
        pick = (cumw < (rng.random(ex_idx.size) * tot)[:, None]).sum(axis=1)
        ok = tot > 0
        ey = cand_years[np.minimum(pick, cand_years.size - 1)]
        exit_year[ex_idx] = np.where(ok, ey, 0)
        # Registered too late to have exited without a quick exit: still poor.
        status[ex_idx[~ok]] = ST["poor"]
        exit_year[ex_idx[~ok]] = 0
    exited = status == ST["exited"]
    return Status(status, reg_year, exit_year, exited, reg_idx)


def plant_flags(
    *,
    size: np.ndarray,
    head_age: np.ndarray,
    registered: np.ndarray,
    labor: np.ndarray,
    remote: np.ndarray,
    illness: np.ndarray,
    any_chronic: np.ndarray,
    rng: np.random.Generator,
) -> Flags:
    """低保, 特困, relocation, dilapidated houses, serious illness, elderly living alone."""
    H = size.size
    elderly_alone = (size == 1) & (head_age >= 60)
    dibao = rng.random(H) < np.where(
        registered, 0.22 + 0.3 * (labor == 0), 0.02 + 0.06 * (labor == 0))
    tekun = rng.random(H) < np.where(
        registered,
        np.where((size == 1) & (labor == 0), 0.35, 0.01),
        0.002 + 0.05 * elderly_alone,
    )
    relocated = rng.random(H) < np.where(registered, np.where(remote, 0.30, 0.08), 0.005)
    dilapidated = rng.random(H) < np.where(registered, 0.07, 0.02) * np.where(remote, 1.5, 1.0)
    serious = rng.random(H) < np.where(
        registered, np.where(illness, 0.5, 0.08), 0.03 + 0.05 * any_chronic
    )
    # The stage-2 "risk" stratum: contract.RISK_FLAGS or no labour.
    risk = dibao | dilapidated | serious | elderly_alone | (labor == 0)
    return Flags(elderly_alone, dibao, tekun, relocated, dilapidated, serious, risk)
