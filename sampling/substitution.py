"""Reserves, substitutions and the response-adjusted weights of a county's sample.

Rule (applied per village × household stratum cell): every main household whose effective
outcome is a non-response (not_home, refused, moved, deceased, not_found) pulls in the next
reserve in rank order; a reserve that is itself a non-response pulls in the next one. Pending
households (no supervisor-approved visit yet) pull in nothing. The j-th reserve is therefore in
play iff, for every i ≤ j, the cell's non-responses among the main households and reserves
1..i−1 number at least i. Substitution j replaces the j-th non-response of the cell, the main
households (by household id) coming before the reserves (by rank).

Weights: completed units of a cell share the cell's frame count N_vh (weighting-class
non-response adjustment; Lohr, *Sampling*, 2nd ed., ch. 8): weight = (1/π_village)·N_vh/m_vh,
where m_vh is the number of completed units in play, so the stage-2 probability becomes
π_household_final = m_vh/N_vh. A cell with non-response and no reserves left is still adjusted
over its completed units. A cell with no completed unit is *collapsed*: the frame count of the
village's empty cells is spread over its non-empty cells in proportion to their N_vh (factor
ΣN_vh / ΣN_vh over non-empty cells of the village; π_household_final absorbs the factor). A
village with no completed unit at all is flagged ``village_empty`` and gets no weight.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from registry.contract import OUTCOMES
from sampling.errors import SamplingError

NONRESPONSE = tuple(o for o in OUTCOMES if o != "completed")
PENDING = "pending"
CELL = ["village_code", "stratum"]


@dataclass(frozen=True)
class SubstitutionResult:
    """The households in play, the substitution log, completion counts and final weights.

    Attributes:
        units: one row per household in play (main + reserves pulled in): the sample columns,
            ``outcome`` (an OUTCOMES value or "pending"), ``visited``, ``approved``,
            ``in_play`` (True), ``completed``, ``m_vh``, ``cell_status``
            ("ok" | "collapsed" | "village_empty"), ``weight_final`` and
            ``pi_household_final`` (both NaN unless completed).
        log: one row per substitution: village_code, stratum, replaced_household_id,
            reserve_household_id, reserve_rank, reason (the replaced unit's outcome).
        cells: one row per village × stratum: N_vh, in_play, completed, nonresponse, pending,
            reserves_used, reserves_left, unreplaced_nonresponse, cell_status and
            collapse_factor (the village's ΣN_vh / ΣN_vh of its non-empty cells).
        completion: one row per village: village_code, village_stratum, drawn (main
            households drawn), visited, approved, completed,
            nonresponse, pending, reserves_used, unreplaced_nonresponse,
            visited_not_in_play, collapsed_cells.
        totals: households_drawn (main), households_completed, response_rate
            (completed / (completed + non-response), NaN before any outcome), reserves_used
            — the ``sample`` block of ``results/<county>.json`` — plus nonresponse and
            pending (households in play without an approved outcome).
    """

    units: pd.DataFrame
    log: pd.DataFrame
    cells: pd.DataFrame
    completion: pd.DataFrame
    totals: dict[str, float | int] = field(default_factory=dict)


def effective_outcomes(field_checks: pd.DataFrame) -> pd.DataFrame:
    """Reduce visit rows to one row per household: its latest supervisor-approved outcome.

    A later visit supersedes an earlier one only when it is approved (data contract, field
    checks). Ties on ``visit_date`` keep the later row of the input.

    Returns:
        household_id, outcome (<NA> when no visit is approved), supervisor_approved (has an
        approved visit), visits (number of visit rows) and visit_date of the effective visit.
    """
    for c in ("household_id", "outcome", "supervisor_approved"):
        if c not in field_checks.columns:
            raise SamplingError(f"field checks lack column {c} / 入户核查表缺少列：{c}")
    fc = field_checks.copy()
    fc["household_id"] = fc["household_id"].astype(str)
    fc["_row"] = np.arange(len(fc))
    sort = ["household_id", "_row"]
    if "visit_date" in fc:
        sort.insert(1, "visit_date")
    fc = fc.sort_values(sort, kind="stable")
    visits = fc.groupby("household_id", sort=True).size().rename("visits")
    approved = fc[fc["supervisor_approved"].fillna(False).astype(bool)]
    last = approved.groupby("household_id", sort=True).tail(1).set_index("household_id")
    out = pd.DataFrame(index=visits.index)
    out["outcome"] = last["outcome"].reindex(out.index).astype("string")
    out["supervisor_approved"] = out.index.isin(last.index)
    out["visits"] = visits.astype("int64")
    if "visit_date" in last.columns:
        out["visit_date"] = last["visit_date"].reindex(out.index)
    return out.reset_index()


def _outcomes(sample: pd.DataFrame, visits: pd.DataFrame) -> pd.DataFrame:
    for c in ("household_id", "outcome"):
        if c not in visits.columns:
            raise SamplingError(f"visits lack column {c} / 走访结果表缺少列：{c}")
    vis = visits.copy()
    vis["household_id"] = vis["household_id"].astype(str)
    if vis["household_id"].duplicated().any():
        dup = vis.loc[vis["household_id"].duplicated(), "household_id"].tolist()
        raise SamplingError(
            f"several effective outcomes for households {dup[:10]}; reduce the visits with "
            f"effective_outcomes() first / 以下户有多条有效走访结果：{dup[:10]}"
        )
    unknown = ~vis["household_id"].isin(sample["household_id"].astype(str))
    if unknown.any():
        bad = vis.loc[unknown, "household_id"].tolist()
        raise SamplingError(
            f"visited households not in the drawn sample (main or reserve): {bad[:10]} / "
            f"以下走访户不在抽中样本（主样本或备用）中：{bad[:10]}"
        )
    approved = (
        vis["supervisor_approved"].fillna(False).astype(bool)
        if "supervisor_approved" in vis.columns
        else pd.Series(True, index=vis.index)
    )
    approved &= vis["outcome"].notna()
    bad_outcome = approved & ~vis["outcome"].isin(OUTCOMES)
    if bad_outcome.any():
        bad = sorted(set(vis.loc[bad_outcome, "outcome"].astype(str)))
        raise SamplingError(
            f"unknown visit outcome {bad}; allowed {list(OUTCOMES)} / 走访结果取值无效：{bad}"
        )
    vis["approved"] = approved
    vis["_outcome"] = np.where(approved, vis["outcome"].astype(object), PENDING)
    return vis[["household_id", "_outcome", "approved"]]


def apply_field_outcomes(sample: pd.DataFrame, visits: pd.DataFrame) -> SubstitutionResult:
    """Apply the substitution rule and the response adjustment to one county's sample.

    Args:
        sample: the drawn sample (``draw_county_sample`` output; needs household_id,
            village_code, stratum, role, reserve_rank, pi_village, N_vh).
        visits: one row per visited household: household_id, outcome, and optionally
            supervisor_approved (rows not approved count as visited but pending); see
            :func:`effective_outcomes`.

    Returns:
        A :class:`SubstitutionResult`.
    """
    need = ("household_id", "village_code", "stratum", "role", "reserve_rank", "pi_village",
            "N_vh")
    missing = [c for c in need if c not in sample.columns]
    if missing:
        raise SamplingError(f"sample lacks columns {missing} / 样本表缺少列：{missing}")
    s = sample.copy()
    s["household_id"] = s["household_id"].astype(str)
    vis = _outcomes(s, visits)
    s = s.merge(vis, on="household_id", how="left")
    s["visited"] = s["approved"].notna()
    s["approved"] = s["approved"].fillna(False).astype(bool)
    s["outcome"] = s["_outcome"].fillna(PENDING).astype(str)
    s = s.drop(columns="_outcome")
    nr = s["outcome"].isin(NONRESPONSE)
    s["_nr"] = nr.astype("int64")
    is_main = (s["role"] == "main").to_numpy()

    # Which reserves are pulled in.
    nr_main = s[is_main].groupby(CELL)["_nr"].sum().rename("_nr_main")
    res = s[~is_main].sort_values([*CELL, "reserve_rank"], kind="stable")
    res = res.join(nr_main, on=CELL)
    res["_nr_main"] = res["_nr_main"].fillna(0)
    prev_nr = res.groupby(CELL)["_nr"].cumsum() - res["_nr"]
    cond = (res["_nr_main"] + prev_nr >= res["reserve_rank"].astype("int64")).astype("int64")
    res["in_play"] = res.assign(_c=cond).groupby(CELL)["_c"].cummin().astype(bool)
    s["in_play"] = True
    s.loc[res.index, "in_play"] = res["in_play"]
    visited_not_in_play = s[~s["in_play"] & s["visited"]]

    units = s[s["in_play"]].copy()

    # Substitution log: the j-th non-response of a cell is replaced by reserve j.
    nrs = units[units["_nr"] == 1].copy()
    nrs["_main"] = (nrs["role"] != "main").astype(int)  # mains first
    nrs["_rank"] = nrs["reserve_rank"].astype("Float64").fillna(0)
    nrs = nrs.sort_values([*CELL, "_main", "_rank", "household_id"], kind="stable")
    nrs["slot"] = nrs.groupby(CELL).cumcount() + 1
    used = units[units["role"] == "reserve"].copy()
    used["slot"] = used["reserve_rank"].astype("int64")
    log = nrs[[*CELL, "slot", "household_id", "outcome"]].merge(
        used[[*CELL, "slot", "household_id"]], on=[*CELL, "slot"], suffixes=("_r", "_s")
    )
    log = log.rename(
        columns={"household_id_r": "replaced_household_id",
                 "household_id_s": "reserve_household_id",
                 "slot": "reserve_rank", "outcome": "reason"}
    )[["village_code", "stratum", "replaced_household_id", "reserve_household_id",
       "reserve_rank", "reason"]]
    log = log.sort_values(["village_code", "stratum", "reserve_rank"]).reset_index(drop=True)
    log["reserve_rank"] = log["reserve_rank"].astype("int64")

    # Cells and weights.
    units["completed"] = units["outcome"] == "completed"
    units["_pending"] = units["outcome"] == PENDING
    units["_reserve"] = units["role"] == "reserve"
    g = units.groupby(CELL, sort=True)
    cells = pd.DataFrame({
        "N_vh": g["N_vh"].first().astype("int64"),
        "in_play": g.size(),
        "completed": g["completed"].sum(),
        "nonresponse": g["_nr"].sum(),
        "pending": g["_pending"].sum(),
        "reserves_used": g["_reserve"].sum(),
    })
    drawn_res = s[~is_main].groupby(CELL).size()
    cells["reserves_left"] = (drawn_res.reindex(cells.index).fillna(0)
                              - cells["reserves_used"]).astype("int64")
    cells["unreplaced_nonresponse"] = (cells["nonresponse"] - cells["reserves_used"]).clip(lower=0)
    cells = cells.reset_index()
    empty = cells["completed"] == 0
    v_tot = cells.groupby("village_code")["N_vh"].transform("sum")
    v_ok = cells["N_vh"].where(~empty, 0).groupby(cells["village_code"]).transform("sum")
    cells["cell_status"] = np.where(empty, np.where(v_ok == 0, "village_empty", "collapsed"), "ok")
    cells["collapse_factor"] = np.where(v_ok > 0, v_tot / v_ok.where(v_ok > 0, 1), np.nan)
    cells = cells.astype({c: "int64" for c in ("in_play", "completed", "nonresponse",
                                                 "pending", "reserves_used",
                                                 "unreplaced_nonresponse")})

    units = units.merge(
        cells[[*CELL, "completed", "cell_status", "collapse_factor"]].rename(
            columns={"completed": "m_vh"}),
        on=CELL, how="left",
    )
    ok = units["completed"] & (units["m_vh"] > 0)
    pi_h = units["m_vh"] / (units["N_vh"] * units["collapse_factor"])
    units["pi_household_final"] = pi_h.where(ok)
    units["weight_final"] = (1.0 / (units["pi_village"] * pi_h)).where(ok)
    units = units.drop(columns=["_nr", "_pending", "_reserve", "collapse_factor"])
    units["m_vh"] = units["m_vh"].astype("int64")

    # Completion per village.
    gv = units.groupby("village_code", sort=True)
    completion = pd.DataFrame({
        "drawn": s[is_main].groupby("village_code").size(),
        "visited": gv["visited"].sum(),
        "approved": gv["approved"].sum(),
        "completed": gv["completed"].sum(),
        "nonresponse": cells.groupby("village_code")["nonresponse"].sum(),
        "pending": cells.groupby("village_code")["pending"].sum(),
        "reserves_used": cells.groupby("village_code")["reserves_used"].sum(),
        "unreplaced_nonresponse": cells.groupby("village_code")["unreplaced_nonresponse"].sum(),
        "visited_not_in_play": visited_not_in_play.groupby("village_code").size(),
        "collapsed_cells": cells.assign(_c=cells["cell_status"] != "ok")
        .groupby("village_code")["_c"].sum(),
    }).fillna(0).astype("int64").rename_axis("village_code").reset_index()
    if "village_stratum" in s:
        vstrat = s.groupby("village_code")["village_stratum"].first()
        completion.insert(1, "village_stratum", completion["village_code"].map(vstrat))

    completed = int(cells["completed"].sum())
    nonresp = int(cells["nonresponse"].sum())
    totals: dict[str, float | int] = {
        "households_drawn": int(is_main.sum()),
        "households_completed": completed,
        "response_rate": completed / (completed + nonresp) if completed + nonresp else math.nan,
        "reserves_used": int(cells["reserves_used"].sum()),
        "nonresponse": nonresp,
        "pending": int(cells["pending"].sum()),
    }
    return SubstitutionResult(
        units=units.reset_index(drop=True), log=log, cells=cells, completion=completion,
        totals=totals,
    )
