"""Synthetic county registries with planted truth, for demos, tests and validation.

One call of :func:`generate_county` builds a realistic county: villages (poor, remote), the
household registry (建档立卡 households and the non-registered rural households), members,
the yearly targeted-support history and — kept apart — the *truth*: which households really
fail which exit check, who accepts the result, and which planted integrity pattern touched a
household. The assessment is then validated by sampling and scoring this data and comparing its
estimates with the truth.

Everything is vectorised over households and members (loops run over villages, years or checks
only), and all randomness comes from the ``numpy.random.Generator`` passed in. The only I/O is
reading the shipped county frame (package data).

Person-weighted planted rates are realised by weighted sampling without replacement
(Efraimidis & Spirakis 2006, exponential keys) until the planted share of people is reached, so
a county's realised rate is close to the plan, not merely equal to it in expectation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from registry import names
from registry.contract import (
    CHECKS,
    COUNTIES,
    HOUSEHOLDS,
    INSURANCE,
    MEMBERS,
    POVERTY_CAUSES,
    RELATIONS,
    SCHOOL_STATUSES,
    STATUSES,
    VILLAGES,
)
from registry.idcard import make_id_numbers

PATTERNS = (
    "same_year",
    "quick_exit",
    "quota",
    "bunching",
    "transfer_dependent",
    "paper_income",
    "support_withdrawn",
)

SUPPORT_HISTORY_COLUMNS = ("household_id", "year", "amount")
FIRST_REGISTRATION_YEAR = 2014
FIRST_SUPPORT_YEAR = 2015
TRUTH_COLUMNS = (
    "household_id",
    "status",
    *(f"true_fail_{c}" for c in CHECKS),
    "true_meets",
    "accepts",
    "pattern",
    "true_income_per_capita",
    "income_not_countable",
)

# Shares of the exited households touched by a planted pattern (DESIGN.md, "Integrity signals").
PATTERN_SHARES = {
    "same_year": 0.15,
    "quick_exit": 0.30,
    "bunching": 0.20,
    "transfer_dependent": 0.08,
    "support_withdrawn": 0.15,
}
# With paper_income planted, this share of the wrong exits fail on income and are paper exits.
PAPER_SHARE_OF_WRONG_EXITS = 0.8

# Which check a failing household fails first (probabilities in CHECKS order).
_WRONG_EXIT_CHECKS = (0.45, 0.02, 0.01, 0.10, 0.12, 0.20, 0.10)
_MISSED_CHECKS = (0.60, 0.02, 0.01, 0.07, 0.10, 0.12, 0.08)
_POOR_EXTRA_CHECKS = (0.0, 0.03, 0.02, 0.10, 0.15, 0.40, 0.30)
SECOND_FAILURE_SHARE = 0.2
MISSED_RISK_SHARE = 0.7

_SIZE_P_REGISTERED = (0.14, 0.20, 0.19, 0.20, 0.14, 0.08, 0.04, 0.01)
_SIZE_P_OTHER = (0.11, 0.22, 0.23, 0.22, 0.12, 0.06, 0.03, 0.01)
_REG_YEAR_P = {2014: 0.62, 2015: 0.18, 2016: 0.12, 2017: 0.05, 2018: 0.03}
_CAUSE_P = {
    "illness": 0.40, "disability": 0.10, "education": 0.08, "disaster": 0.03, "land": 0.03,
    "water": 0.02, "skills": 0.09, "labor": 0.10, "capital": 0.08, "transport": 0.03,
    "motivation": 0.02, "other": 0.02,
}


class SynthError(ValueError):
    """The synthetic generator was asked for something it cannot make."""


@dataclass(frozen=True)
class PlantSpec:
    """What to plant in one synthetic county.

    Rates are person-weighted shares: ``wrong_exit_rate`` of the people in exited households
    do not meet the standard, ``missed_rate`` of the people in non-registered households do
    not meet it; ``recognition_rate`` of the households accept the result. ``patterns`` names
    the integrity patterns of :data:`PATTERNS` to plant.
    """

    wrong_exit_rate: float = 0.008
    missed_rate: float = 0.006
    recognition_rate: float = 0.95
    patterns: frozenset[str] = field(default_factory=frozenset)
    # Scales PATTERN_SHARES: 1.0 plants each pattern strongly enough that its county-level
    # signal must fire; smaller values plant it in a minority of exits, as an anomaly that the
    # revisit ranking should bring to the top.
    pattern_scale: float = 1.0

    def __post_init__(self) -> None:
        for name in ("wrong_exit_rate", "missed_rate", "recognition_rate", "pattern_scale"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise SynthError(f"{name} must lie in [0, 1], got {value} / {name} 须在0到1之间")
        pats = frozenset(self.patterns)
        unknown = sorted(pats - set(PATTERNS))
        if unknown:
            raise SynthError(
                f"unknown integrity pattern(s) {unknown}; known: {list(PATTERNS)} / "
                f"未知的问题模式：{unknown}"
            )
        object.__setattr__(self, "patterns", pats)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (patterns sorted)."""
        return {
            "wrong_exit_rate": self.wrong_exit_rate,
            "missed_rate": self.missed_rate,
            "recognition_rate": self.recognition_rate,
            "patterns": sorted(self.patterns),
            "pattern_scale": self.pattern_scale,
        }


@dataclass(frozen=True)
class SynthCounty:
    """One generated county: the four registry tables and the planted truth."""

    county_code: str
    villages: pd.DataFrame
    households: pd.DataFrame
    members: pd.DataFrame
    support_history: pd.DataFrame
    truth: pd.DataFrame


def load_county_frame() -> pd.DataFrame:
    """The shipped frame of the 832 national poverty counties (codes as strings)."""
    ref = resources.files("registry").joinpath("data/counties_832.csv")
    with ref.open("rb") as fh:
        frame = pd.read_csv(
            fh, dtype={"county_code": str, "province_code": str}, encoding="utf-8-sig"
        )
    frame["exit_year"] = frame["exit_year"].astype("Int64")
    return frame


def county_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The contract columns of a county frame, in contract order."""
    return frame.loc[:, COUNTIES.names].reset_index(drop=True)


# --------------------------------------------------------------------------- helpers


def _choose_k(candidates: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """A mask with ``k`` of the candidate positions chosen at random (all if fewer)."""
    idx = np.flatnonzero(candidates)
    out = np.zeros(candidates.size, dtype=bool)
    k = min(int(k), idx.size)
    if k > 0:
        out[rng.choice(idx, size=k, replace=False)] = True
    return out


def _choose_persons(
    candidates: np.ndarray,
    sizes: np.ndarray,
    target: float,
    weights: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Weighted draw without replacement until the chosen households hold ≈ ``target`` people.

    Efraimidis–Spirakis exponential keys: the household with the smallest Exp(1)/w goes first.
    The cut is placed where the cumulated people are closest to the target.
    """
    out = np.zeros(candidates.size, dtype=bool)
    idx = np.flatnonzero(candidates)
    if idx.size == 0 or target <= 0:
        return out
    keys = rng.exponential(size=idx.size) / weights[idx]
    order = idx[np.argsort(keys, kind="stable")]
    cum = np.cumsum(sizes[order])
    n = int(np.searchsorted(cum, target))
    if n < cum.size and (n == 0 or cum[n] - target < target - cum[n - 1]):
        n += 1
    out[order[:n]] = True
    return out


def _rank_in_group(group: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random rank 0, 1, … of each element within its group."""
    n = group.size
    order = np.lexsort((rng.random(n), group))
    sorted_group = group[order]
    starts = np.searchsorted(sorted_group, sorted_group, side="left")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - starts
    return rank


def _apportion(targets: np.ndarray, total: int, rng: np.random.Generator) -> np.ndarray:
    """Integers summing to ``total`` that follow ``targets`` (largest remainder, random ties)."""
    base = np.floor(targets).astype(np.int64)
    short = int(total - base.sum())
    if short > 0:
        rem = targets - base + rng.random(targets.size) * 1e-9
        base[np.argsort(-rem, kind="stable")[:short]] += 1
    return base


_STR = pd.StringDtype("pyarrow", na_value=np.nan)
_REL = {r: i for i, r in enumerate(RELATIONS)}
_SCH = {r: i for i, r in enumerate(SCHOOL_STATUSES)}
_INS = {r: i for i, r in enumerate(INSURANCE)}
_ST = {r: i for i, r in enumerate(STATUSES)}


def _decode(codes: np.ndarray, categories: tuple[str, ...] | list[str]) -> pd.Series:
    """Strings from integer codes (negative = missing), without a Python object per row."""
    idx = pa.array(codes.astype(np.int32), mask=codes < 0)
    arr = pa.DictionaryArray.from_arrays(idx, pa.array(list(categories), pa.string()))
    return pd.Series(arr.dictionary_decode(), dtype=_STR)


def _strings(values: np.ndarray, take: np.ndarray | None = None) -> pd.Series:
    """A string column from a NumPy unicode array, optionally repeated by ``take`` indices."""
    arr = pa.array(values, pa.string())
    if take is not None:
        arr = arr.take(pa.array(take))
    return pd.Series(arr, dtype=_STR)


def _pick(pool: tuple[str, ...] | np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    arr = np.asarray(pool)
    return arr[rng.integers(0, arr.size, n)]


def _categorical(p: tuple[float, ...] | np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Indices 0..len(p)-1 drawn with probabilities p (normalised)."""
    cum = np.cumsum(np.asarray(p, dtype=float))
    return np.searchsorted(cum / cum[-1], rng.random(n), side="right")


def _county_fields(county: pd.Series | dict) -> tuple[str, float, int | None, str]:
    get = county.get
    code = str(get("county_code", ""))
    if len(code) != 6 or not code.isdigit():
        raise SynthError(f"county_code must be 6 digits, got {code!r} / 县代码须为6位数字")
    pop = get("population_10k")
    pop_f = float(pop) if pop is not None and not pd.isna(pop) else 30.0
    ey = get("exit_year")
    exit_year = int(ey) if ey is not None and not pd.isna(ey) else None
    return code, pop_f, exit_year, code[:4]


# --------------------------------------------------------------------------- villages


def _villages(code: str, pop10k: float, scale: float, rng: np.random.Generator) -> dict:
    target = float(np.clip(pop10k * 1e4 * 0.6 / 3.35, 15_000, 90_000))
    n_vil = int(np.clip(round(target / rng.uniform(380, 520)), 50, 150))
    n_town = int(min(rng.integers(10, 21), n_vil))
    town = np.sort(np.concatenate([np.arange(n_town), rng.integers(0, n_town, n_vil - n_town)]))
    seq = np.arange(n_vil) - np.searchsorted(town, town, side="left")
    town_codes = np.char.add(code, (101 + town).astype("<U3"))
    village_codes = np.char.add(town_codes, (201 + seq).astype("<U3"))

    t_first = _pick(names.PLACE_FIRST, n_town, rng)
    t_second = _pick(names.PLACE_SECOND, n_town, rng)
    t_suffix = _pick(names.TOWNSHIP_SUFFIXES, n_town, rng)
    town_names = np.char.add(np.char.add(t_first, t_second), t_suffix)
    v_names = np.char.add(
        np.char.add(_pick(names.PLACE_FIRST, n_vil, rng), _pick(names.PLACE_SECOND, n_vil, rng)),
        names.VILLAGE_SUFFIX,
    )

    poor = _choose_k(np.ones(n_vil, bool), round(rng.uniform(0.30, 0.45) * n_vil), rng)
    remote = (poor & (rng.random(n_vil) < rng.uniform(0.28, 0.40))) | (
        ~poor & (rng.random(n_vil) < 0.05)
    )
    mean_hh = target / n_vil
    n_hh = mean_hh * np.clip(np.exp(rng.normal(0.0, 0.22, n_vil)), 0.6, 1.5)
    n_hh = np.where(remote, n_hh * 0.85, n_hh)
    n_hh = np.maximum(8, np.round(n_hh * scale)).astype(np.int64)

    frame = pd.DataFrame(
        {
            "village_code": village_codes.astype(str),
            "village_name": v_names.astype(str),
            "township_code": town_codes.astype(str),
            "township_name": town_names[town].astype(str),
            "poor_village": poor,
            "remote": remote,
        },
        columns=VILLAGES.names,
    )
    vtype = np.where(poor & remote, 0, np.where(poor, 1, 2))
    return {"frame": frame, "n_hh": n_hh, "vtype": vtype, "codes": village_codes.astype(str)}


# --------------------------------------------------------------------------- generator


def generate_county(
    county: pd.Series | dict,
    *,
    year: int,
    scale: float,
    rng: np.random.Generator,
    plant: PlantSpec,
    income_line: float,
) -> SynthCounty:
    """Generate one county's registry tables and its planted truth.

    Args:
        county: a row of the county frame (needs county_code; uses population_10k, exit_year).
        year: the campaign (assessment) year, 2015–2030.
        scale: 1.0 is a realistic county (50–150 villages, ~300–600 households each); smaller
            values keep the villages and shrink the households per village (at least 8).
        rng: the county's random generator.
        plant: the rates and integrity patterns to plant.
        income_line: the income line of ``year`` (yuan per person).

    Returns:
        A :class:`SynthCounty` whose tables have exactly the contract columns.
    """
    if not 2015 <= year <= 2030:
        raise SynthError(f"year must lie in 2015–2030, got {year} / 年度须在2015–2030之间")
    if not scale > 0:
        raise SynthError(f"scale must be > 0, got {scale} / 规模系数须大于0")
    if not income_line > 0:
        raise SynthError(f"income_line must be > 0, got {income_line} / 收入标准须大于0")
    code, pop10k, county_exit, _ = _county_fields(county)
    county_exit = county_exit if county_exit is not None else year
    pats = plant.patterns
    line = float(income_line)

    vil = _villages(code, pop10k, scale, rng)
    n_vil = len(vil["frame"])
    n_hh_v = vil["n_hh"]
    vtype = vil["vtype"]
    vidx = np.repeat(np.arange(n_vil), n_hh_v)
    H = int(vidx.size)
    hv_type = vtype[vidx]
    remote_h = vil["frame"]["remote"].to_numpy()[vidx]

    # ---- registration (quota: the same number of registered households in every village)
    base_rate = rng.uniform((0.28, 0.20, 0.10), (0.38, 0.30, 0.16))
    rate_v = np.clip(base_rate[vtype] * np.exp(rng.normal(0.0, 0.25, n_vil)), 0.03, 0.5)
    if "quota" in pats:
        total_reg = round(float((rate_v * n_hh_v).sum()))
        k_v = np.minimum(_apportion(np.full(n_vil, total_reg / n_vil), total_reg, rng), n_hh_v)
        registered = _rank_in_group(vidx, rng) < k_v[vidx]
    else:
        registered = rng.random(H) < rate_v[vidx]

    size = np.where(
        registered,
        _categorical(_SIZE_P_REGISTERED, H, rng),
        _categorical(_SIZE_P_OTHER, H, rng),
    ).astype(np.int64) + 1

    # ---- status and years
    years_reg = np.array([y for y in _REG_YEAR_P if y <= year])
    reg_year = years_reg[_categorical([_REG_YEAR_P[y] for y in years_reg], H, rng)]
    if year >= county_exit:
        p_poor, p_ret = rng.uniform(0.02, 0.05), rng.uniform(0.003, 0.01)
    else:
        p_poor, p_ret = min(0.6, 0.05 + 0.15 * (county_exit - year)), 0.005
    p_exit = 1.0 - p_poor - p_ret
    reg_idx = np.flatnonzero(registered)
    if "quota" in pats:
        reg_v = np.bincount(vidx[reg_idx], minlength=n_vil)
        k_exit = _apportion(reg_v * p_exit, round(float(reg_v.sum() * p_exit)), rng)
        exit_rank = _rank_in_group(vidx[reg_idx], rng)
        exited_r = exit_rank < k_exit[vidx[reg_idx]]
    else:
        logit = np.log(p_exit / (1 - p_exit)) + rng.normal(0.0, 0.6, n_vil)
        p_v = 1.0 / (1.0 + np.exp(-logit))
        exited_r = rng.random(reg_idx.size) < p_v[vidx[reg_idx]]
    status = np.full(H, _ST["not_registered"], dtype=np.int8)
    status[reg_idx] = np.where(
        exited_r,
        _ST["exited"],
        np.where(rng.random(reg_idx.size) < p_ret / (p_poor + p_ret), _ST["returned"], _ST["poor"]),
    )
    exited = status == _ST["exited"]
    reg_year = np.where(registered, reg_year, 0)

    exit_year = np.zeros(H, dtype=np.int64)
    ex_idx = np.flatnonzero(exited)
    cand_years = np.arange(FIRST_REGISTRATION_YEAR + 1, year + 1)
    year_w = np.where(cand_years >= county_exit - 1, 3.0, 1.0)
    if "quota" in pats:
        # Exits allotted per village and year in fixed proportions: a quota leaves no chance.
        p_y = year_w[cand_years >= FIRST_REGISTRATION_YEAR + 2]
        ys = cand_years[cand_years >= FIRST_REGISTRATION_YEAR + 2]
        cum = np.cumsum(p_y) / p_y.sum()
        rank = _rank_in_group(vidx[ex_idx], rng)
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
        status[ex_idx[~ok]] = _ST["poor"]
        exit_year[ex_idx[~ok]] = 0
    exited = status == _ST["exited"]

    # ---- members
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
    relation = np.full(M, _REL["child"], dtype=np.int8)
    relation[k == 0] = _REL["head"]
    relation[(k == 1) & (u < 0.85)] = _REL["spouse"]
    parent_slot = (k >= 2) & (s_m >= 4) & (ha < 50) & (
        ((k == s_m - 1) & (u < 0.35)) | ((k == s_m - 2) & (s_m >= 6) & (u < 0.15))
    )
    relation[parent_slot] = _REL["parent"]
    relation[(k >= 2) & (ha >= 60) & (u < 0.4) & ~parent_slot] = _REL["grandchild"]
    relation[(k >= 2) & (u > 0.98)] = _REL["other"]

    age = np.empty(M, dtype=np.int64)
    is_ = {r: relation == i for r, i in _REL.items()}
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
    cause[reg_idx] = _categorical([_CAUSE_P[c] for c in POVERTY_CAUSES], reg_idx.size, rng)
    illness_h = cause == POVERTY_CAUSES.index("illness")
    disab_h = cause == POVERTY_CAUSES.index("disability")

    disability = np.where(
        rng.random(M) < np.where(reg_m, 0.05, 0.02),
        _categorical((0.15, 0.25, 0.30, 0.30), M, rng) + 1,
        0,
    ).astype(np.int64)
    chosen_slot = (rng.random(H) * size).astype(np.int64)
    target_m = k == chosen_slot[m_h]
    force_dis = target_m & disab_h[m_h] & (disability == 0)
    disability[force_dis] = _categorical((0.3, 0.4, 0.3), int(force_dis.sum()), rng) + 2
    p_chronic = np.where(age < 40, 0.04, np.where(age < 60, 0.15, 0.35)) * np.where(reg_m, 1.5, 1)
    chronic = rng.random(M) < p_chronic
    chronic |= target_m & illness_h[m_h] & (rng.random(M) < 0.8)

    in_school_age = (age >= 6) & (age <= 15)
    school = np.full(M, _SCH["not_school_age"], dtype=np.int8)
    school[in_school_age] = _SCH["enrolled"]
    us = rng.random(M)
    school[in_school_age & (disability == 1) & (us < 0.5)] = _SCH["exempt_physical"]
    school[in_school_age & (disability == 1) & (us >= 0.5)] = _SCH["home_teaching"]
    school[in_school_age & (disability == 2) & (us < 0.3)] = _SCH["home_teaching"]

    ui = rng.random(M)
    insurance = np.full(M, _INS["resident"], dtype=np.int8)
    insurance[(ui < 0.035) & (age >= 18) & (age <= 60)] = _INS["employee"]
    insurance[ui > 0.985] = _INS["other"]

    labor_m = (age >= 16) & (age <= 64) & ~np.isin(disability, (1, 2))
    labor = np.bincount(m_h, weights=labor_m, minlength=H).astype(np.int64)
    any_chronic = np.bincount(m_h, weights=chronic, minlength=H) > 0
    kids = np.bincount(m_h, weights=in_school_age, minlength=H).astype(np.int64)

    # ---- flags
    rnd = lambda: rng.random(H)  # noqa: E731
    elderly_alone = (size == 1) & (head_age >= 60)
    dibao = rnd() < np.where(registered, 0.22 + 0.3 * (labor == 0), 0.02 + 0.06 * (labor == 0))
    tekun = rnd() < np.where(
        registered,
        np.where((size == 1) & (labor == 0), 0.35, 0.01),
        0.002 + 0.05 * elderly_alone,
    )
    relocated = rnd() < np.where(registered, np.where(remote_h, 0.30, 0.08), 0.005)
    dilapidated = rnd() < np.where(registered, 0.07, 0.02) * np.where(remote_h, 1.5, 1.0)
    serious = rnd() < np.where(
        registered, np.where(illness_h, 0.5, 0.08), 0.03 + 0.05 * any_chronic
    )
    # The stage-2 "risk" stratum: contract.RISK_FLAGS or no labour.
    risk = dibao | dilapidated | serious | elderly_alone | (labor == 0)

    # ---- planted truth: who fails which check
    fails = {c: np.zeros(H, dtype=bool) for c in CHECKS}
    village_effect = np.exp(rng.normal(0.0, 0.6, n_vil))[vidx] * np.where(hv_type == 0, 1.5, 1.0)
    persons_ex = float(size[exited].sum())
    wrong = _choose_persons(
        exited, size, plant.wrong_exit_rate * persons_ex,
        village_effect * np.where(risk, 1.5, 1.0), rng,
    )
    nonreg = ~registered
    persons_nr = float(size[nonreg].sum())
    target_missed = plant.missed_rate * persons_nr
    missed_risk = _choose_persons(
        nonreg & risk, size, MISSED_RISK_SHARE * target_missed, village_effect, rng
    )
    missed_other = _choose_persons(
        nonreg & ~risk, size, target_missed - float(size[missed_risk].sum()), village_effect, rng
    )
    missed = missed_risk | missed_other
    poor_now = (status == _ST["poor"]) | (status == _ST["returned"])

    def assign(mask: np.ndarray, probs: tuple[float, ...], force_income: np.ndarray | None) -> None:
        idx = np.flatnonzero(mask)
        if idx.size == 0:
            return
        p = np.array(probs, dtype=float)
        if year < 2019:
            p[CHECKS.index("water")] = 0.0
        for round_ in range(2):
            chosen = _categorical(p, idx.size, rng)
            if round_ == 0 and force_income is not None:
                chosen = np.where(force_income[idx], CHECKS.index("income"), chosen)
            active = np.ones(idx.size, bool) if round_ == 0 else (
                rng.random(idx.size) < SECOND_FAILURE_SHARE
            )
            # No child of school age: an education failure cannot be observed; it is income.
            edu = chosen == CHECKS.index("education")
            chosen = np.where(edu & (kids[idx] == 0), CHECKS.index("income"), chosen)
            # A dilapidated-flag household that fails fails on housing first.
            if round_ == 0:
                chosen = np.where(
                    dilapidated[idx] & (rng.random(idx.size) < 0.5), CHECKS.index("housing"), chosen
                )
            for ci, c in enumerate(CHECKS):
                fails[c][idx[active & (chosen == ci)]] = True

    paper = np.zeros(H, dtype=bool)
    if "paper_income" in pats:
        paper = wrong & (rng.random(H) < PAPER_SHARE_OF_WRONG_EXITS)
    assign(wrong, _WRONG_EXIT_CHECKS, paper)
    assign(missed, _MISSED_CHECKS, None)
    fails["income"] |= poor_now & (rng.random(H) < 0.85)
    assign(poor_now & (rng.random(H) < 0.15), _POOR_EXTRA_CHECKS, None)
    paper &= fails["income"]
    fail_any = np.zeros(H, dtype=bool)
    for c in CHECKS:
        fail_any |= fails[c]

    # ---- registry consistency with the truth: registry sometimes records the gap itself
    edu_fail_m = fails["education"][m_h] & in_school_age & (school == _SCH["enrolled"])
    first_kid = edu_fail_m & (
        np.arange(M) == np.minimum.reduceat(np.where(edu_fail_m, np.arange(M), M), hh_starts)[m_h]
    )
    school[first_kid & (rng.random(M) < 0.5)] = _SCH["dropout"]
    med_m = fails["medical"][m_h] & target_m & (rng.random(M) < 0.5)
    insurance[med_m] = _INS["none"]

    # ---- incomes (per capita, yuan)
    inc_fail = fails["income"]
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
        chosen = _choose_k(cand, round(share * n_ex), rng)
        touched_hh[chosen] = True
        mark(chosen, name)
        return chosen

    if "same_year" in pats:
        sel = plant_set("same_year")
        reg_year[sel] = exit_year[sel]
    if "quick_exit" in pats:
        sel = plant_set("quick_exit")
        reg_year[sel] = exit_year[sel] - 1
    bunch = np.zeros(H, dtype=bool)
    if "bunching" in pats:
        bunch = plant_set("bunching", ~inc_fail)
        reg_pc = np.where(bunch, line * rng.uniform(1.003, 1.048, H), reg_pc)
        true_pc = np.where(
            bunch, np.maximum(reg_pc * rng.uniform(0.99, 1.05, H), line * 1.002), true_pc
        )
    tdep = np.zeros(H, dtype=bool)
    if "transfer_dependent" in pats:
        cand_n = int((exited & (labor >= 1)).sum())
        cand = exited & ~touched_hh & (labor >= 1)
        share = PATTERN_SHARES["transfer_dependent"] * plant.pattern_scale
        tdep = _choose_k(cand, round(share * cand_n), rng)
        touched_hh[tdep] = True
        mark(tdep, "transfer_dependent")
    withdrawn = np.zeros(H, dtype=bool)
    if "support_withdrawn" in pats:
        withdrawn = plant_set("support_withdrawn", exit_year <= year - 1)

    # ---- income components (household, yuan per year)
    total = np.where(paper, true_pc, reg_pc) * size
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
    extra = not_countable * size * paper
    to_transfer = rng.random(H) < 0.6
    transfer = transfer + np.where(to_transfer, extra, 0.0)
    business = business + np.where(to_transfer, 0.0, extra)
    wage, business, prop, transfer = (np.round(x, 2) for x in (wage, business, prop, transfer))
    income_pc = np.round((wage + business + prop + transfer) / size, 2)
    income_pc_out = np.where(nonreg & (rng.random(H) < 0.15), np.nan, income_pc)

    # ---- who accepts the result
    accepts = np.ones(H, dtype=bool)
    for dom in (registered, nonreg):
        n_no = round((1.0 - plant.recognition_rate) * int(dom.sum()))
        no = _choose_persons(
            dom, np.ones(H), n_no, np.where(fail_any, 3.0, 1.0), rng
        ) if n_no > 0 else np.zeros(H, bool)
        accepts &= ~no

    # ---- identities
    village_codes = vil["codes"][vidx]
    serial = np.arange(H) - np.searchsorted(vidx, vidx, side="left") + 1
    village_num = vil["codes"].astype(np.int64)[vidx]
    household_id = (village_num * 10_000 + serial).astype("<U16")
    sur_names = np.array([s for s, _ in names.SURNAMES])
    sur_w = np.array([w for _, w in names.SURNAMES])
    surname = sur_names[_categorical(sur_w, H, rng)]
    given_pool = np.where(head_male, 0, 1)
    male_pool = np.array(names.GIVEN_MALE)
    female_pool = np.array(names.GIVEN_FEMALE)
    g1 = np.where(given_pool == 0, _pick(male_pool, H, rng), _pick(female_pool, H, rng))
    g2 = np.where(given_pool == 0, _pick(male_pool, H, rng), _pick(female_pool, H, rng))
    given = np.where(rng.random(H) < 0.3, g1, np.char.add(g1, g2))
    head_name = np.char.add(surname, given)
    birth_year_head = year - head_age
    month = rng.integers(1, 13, H)
    day = rng.integers(1, 29, H)
    birth = (birth_year_head * 10000 + month * 100 + day).astype("<U8")
    seq3 = 2 * rng.integers(0, 500, H) + head_male.astype(np.int64)
    head_id = make_id_numbers(np.full(H, code), birth, seq3)
    prefix = np.asarray(names.PHONE_PREFIXES).astype(np.int64)
    phone_num = prefix[rng.integers(0, prefix.size, H)] * 10**8 + rng.integers(0, 10**8, H)
    phone = pd.Series(
        pa.array(phone_num.astype("<U11"), pa.string(), mask=rng.random(H) < 0.1), dtype=_STR
    )

    households = pd.DataFrame(
        {
            "household_id": _strings(household_id),
            "village_code": _strings(village_codes),
            "head_name": _strings(head_name),
            "head_id_number": _strings(head_id),
            "phone": phone,
            "status": _decode(status, STATUSES),
            "registration_year": pd.array(
                np.where(registered, reg_year, 0), dtype="Int64"
            ),
            "exit_year": pd.array(exit_year, dtype="Int64"),
            "household_size": size,
            "labor_count": labor,
            "poverty_cause": _decode(cause, POVERTY_CAUSES),
            "income_per_capita": income_pc_out,
            "income_wage": wage,
            "income_business": business,
            "income_property": prop,
            "income_transfer": transfer,
            "dibao": dibao,
            "tekun": tekun,
            "relocated": relocated,
            "dilapidated_house": dilapidated,
            "serious_illness": serious,
            "elderly_alone": elderly_alone,
        },
        columns=HOUSEHOLDS.names,
    )
    households.loc[~registered, "registration_year"] = pd.NA
    households.loc[~exited, "exit_year"] = pd.NA

    members = pd.DataFrame(
        {
            "household_id": _strings(household_id, m_h),
            "member_no": (k + 1).astype(np.int64),
            "relation": _decode(relation, RELATIONS),
            "sex": _decode(np.where(sex_male, 0, 1), ("M", "F")),
            "birth_year": (year - age).astype(np.int64),
            "disability_grade": disability,
            "chronic_illness": chronic,
            "school_status": _decode(school, SCHOOL_STATUSES),
            "medical_insurance": _decode(insurance, INSURANCE),
        },
        columns=MEMBERS.names,
    )

    support = _support_history(
        household_id, registered, exited, reg_year, exit_year, withdrawn, year, rng
    )

    truth = pd.DataFrame(
        {
            "household_id": households["household_id"],
            "status": households["status"],
            **{f"true_fail_{c}": fails[c] for c in CHECKS},
            "true_meets": ~fail_any,
            "accepts": accepts,
            "pattern": pd.Series(pattern, dtype=_STR),
            "true_income_per_capita": np.round(true_pc, 2),
            "income_not_countable": np.round(not_countable, 2),
        },
        columns=list(TRUTH_COLUMNS),
    )
    return SynthCounty(code, vil["frame"], households, members, support, truth)


def _support_history(
    household_id: np.ndarray,
    registered: np.ndarray,
    exited: np.ndarray,
    reg_year: np.ndarray,
    exit_year: np.ndarray,
    withdrawn: np.ndarray,
    year: int,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Targeted support (yuan per year) of the registered households, 2015..year.

    Clean households keep their support after exit, tapering mildly (脱贫不脱政策); planted
    households get large support before exit that drops to about nothing after it.
    """
    idx = np.flatnonzero(registered)
    start = np.maximum(reg_year[idx], FIRST_SUPPORT_YEAR)
    n_years = np.maximum(year - start + 1, 0)
    rows = np.repeat(np.arange(idx.size), n_years)
    first = np.concatenate([[0], np.cumsum(n_years)[:-1]])
    yr = start[rows] + (np.arange(rows.size) - first[rows])
    base = np.exp(rng.normal(np.log(2500.0), 0.6, idx.size))[rows]
    noise = rng.uniform(0.8, 1.2, rows.size)
    h = idx[rows]
    after = exited[h] & (yr > exit_year[h])
    since = np.where(after, yr - exit_year[h], 0)
    amount = base * noise * np.where(after, 0.8**since, 1.0)
    w = withdrawn[h]
    amount = np.where(w & ~after, amount * 4.0, amount)
    residual = np.where(rng.random(rows.size) < 0.7, 0.0, base * rng.uniform(0, 0.05, rows.size))
    amount = np.where(w & after, residual, amount)
    return pd.DataFrame(
        {
            "household_id": _strings(household_id, h),
            "year": yr.astype(np.int64),
            "amount": np.round(amount, 0),
        },
        columns=list(SUPPORT_HISTORY_COLUMNS),
    )


# --------------------------------------------------------------------------- summaries


def realised_rates(sc: SynthCounty) -> dict[str, float]:
    """The planted rates as realised in a generated county (person-weighted, whole registry).

    wrong_exit_rate: people in exited households not meeting the standard / people in exited
    households; missed_rate: the same among non-registered households; recognition_rate:
    accepting households / registered households; incidence: (people in poor or returned
    households + people in wrong exits + missed people) / all people.
    """
    t = sc.truth
    size = sc.households["household_size"].to_numpy(dtype=float)
    status = t["status"].to_numpy()
    fail = ~t["true_meets"].to_numpy(dtype=bool)
    ex = status == "exited"
    nr = status == "not_registered"
    poor = np.isin(status, ("poor", "returned"))
    reg = ~nr

    def share(num: np.ndarray, den: np.ndarray) -> float:
        d = float(size[den].sum())
        return float(size[num & den].sum()) / d if d else float("nan")

    acc = t["accepts"].to_numpy(dtype=bool)
    return {
        "wrong_exit_rate": share(fail, ex),
        "missed_rate": share(fail, nr),
        "recognition_rate": float(acc[reg].mean()) if reg.any() else float("nan"),
        "incidence": float(size[poor | (fail & (ex | nr))].sum()) / float(size.sum()),
        "households": float(len(t)),
        "people": float(size.sum()),
    }


# --------------------------------------------------------------------------- campaign plan


def campaign_plan(counties: pd.DataFrame, seed: int) -> dict[str, PlantSpec]:
    """The default plan of a synthetic campaign, deterministic in ``seed``.

    In frame order: the first county is clean; the second has 6 % wrong exits (mostly paper
    exits); the third a 4 % missed rate; the fourth 85 % recognition. The other integrity
    patterns are spread over the remaining counties (or, with fewer than five, over the second
    to fourth), so that with four or more counties each pattern is planted somewhere and the
    first county stays fully clean.
    """
    codes = [str(c) for c in counties["county_code"]]
    plan: dict[str, dict[str, Any]] = {c: {"patterns": set()} for c in codes}
    if len(codes) >= 2:
        plan[codes[1]].update(wrong_exit_rate=0.06)
        plan[codes[1]]["patterns"].add("paper_income")
    if len(codes) >= 3:
        plan[codes[2]].update(missed_rate=0.04)
    if len(codes) >= 4:
        plan[codes[3]].update(recognition_rate=0.85)
    hosts = codes[4:] or codes[1:4]
    if hosts:
        rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(52,)))
        others = [p for p in PATTERNS if p != "paper_income"]
        order = rng.permutation(len(others))
        start = int(rng.integers(0, len(hosts)))
        for i, j in enumerate(order):
            plan[hosts[(start + i) % len(hosts)]]["patterns"].add(others[j])
    return {
        c: PlantSpec(**{k: v for k, v in d.items() if k != "patterns"},
                     patterns=frozenset(d["patterns"]))
        for c, d in plan.items()
    }


__all__ = [
    "PATTERNS",
    "SUPPORT_HISTORY_COLUMNS",
    "TRUTH_COLUMNS",
    "PlantSpec",
    "SynthCounty",
    "SynthError",
    "campaign_plan",
    "county_table",
    "generate_county",
    "load_county_frame",
    "realised_rates",
]
