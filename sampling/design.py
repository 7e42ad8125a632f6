"""The two-stage stratified household sample of one county.

Stage 1 (villages, the PSUs): villages are stratified into poor-remote, poor and non-poor and
drawn within each stratum by Madow systematic πps on their household counts, or by SRS
(``sampling.pps``). A stratum with no more villages than asked is taken whole (π = 1).
Villages with no household in the frame hold nothing to sample and are left out of the frame.

Stage 2 (households within a selected village): households are stratified into exited, poor
(poor or returned), risk (non-registered with 低保, a dilapidated house, serious illness, an
elderly person alone, or no labour) and other (non-registered). Within each village × stratum
cell, n_vh = min(size[stratum], N_vh) households are drawn by SRS without replacement
(π = n_vh/N_vh; a small cell is taken whole; for "risk" the size is the cap), and the next
reserves_per_stratum[stratum] households in random order form the ordered reserve list.
Implementation: each household gets a uniform key; ranks of the keys within the cell give a
random permutation, whose first n_vh are the main sample and the next k the reserves (a
random permutation's prefix is an SRS; Cochran 1977, §2.2).

The design weight is 1/(π_village·π_household|village) (Särndal, Swensson & Wretman 1992,
§4.3). Reserves carry the weight they would have as main units; the final, response-adjusted
weight is set after fieldwork by ``sampling.substitution``.

Columns of the result: ``registry.contract.SAMPLE_COLUMNS`` in that order, then
``village_households`` (M_i, households of the village in the frame), ``N_villages`` and
``n_villages`` (villages in the frame of the village stratum, and drawn), ``N_vh`` (frame
households of the village × household stratum) and ``n_vh`` (main households drawn in it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from registry.contract import HOUSEHOLD_STRATA, RISK_FLAGS, SAMPLE_COLUMNS, STATUSES, VILLAGE_STRATA
from sampling.errors import SamplingError
from sampling.pps import pps_systematic, srs
from sampling.settings import SamplingSettings, VillageMethod

EXTRA_COLUMNS = ("village_households", "N_villages", "n_villages", "N_vh", "n_vh")


def _require(df: pd.DataFrame, cols: tuple[str, ...] | list[str], table: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise SamplingError(f"{table} lacks columns {missing} / {table} 表缺少列：{missing}")


def _flag(s: pd.Series) -> np.ndarray:
    return s.fillna(False).astype(bool).to_numpy()


def village_strata(villages: pd.DataFrame) -> pd.Series:
    """The stage-1 stratum of each village: poor_remote, poor or non_poor."""
    poor = _flag(villages["poor_village"])
    remote = _flag(villages["remote"])
    out = np.where(poor & remote, "poor_remote", np.where(poor, "poor", "non_poor"))
    return pd.Series(out, index=villages.index, name="village_stratum")


def household_strata(households: pd.DataFrame) -> pd.Series:
    """The stage-2 stratum of each household: exited, poor, risk or other."""
    codes = _household_stratum_codes(households)
    return pd.Series(np.asarray(HOUSEHOLD_STRATA, dtype=object)[codes], index=households.index,
                     name="stratum")


def _household_stratum_codes(households: pd.DataFrame) -> np.ndarray:
    """Positions in HOUSEHOLD_STRATA of each household's stage-2 stratum (vectorised)."""
    codes, uniq = pd.factorize(households["status"].astype(str))
    unknown = sorted(set(map(str, uniq)) - set(STATUSES))
    if unknown or (codes < 0).any():
        unknown = unknown or ["<NA>"]
        raise SamplingError(
            f"unknown household status {unknown}; allowed {list(STATUSES)} / "
            f"户状态取值无效：{unknown}"
        )
    st = np.asarray([STATUSES.index(str(u)) for u in uniq], dtype=np.int64)[codes]
    risk = np.zeros(len(households), dtype=bool)
    for flag in RISK_FLAGS:
        risk |= _flag(households[flag])
    labor = pd.to_numeric(households["labor_count"], errors="coerce").to_numpy()
    risk |= labor == 0
    exited = st == STATUSES.index("exited")
    poor = (st == STATUSES.index("poor")) | (st == STATUSES.index("returned"))
    return np.select(
        [exited, poor, risk],
        [HOUSEHOLD_STRATA.index(x) for x in ("exited", "poor", "risk")],
        default=HOUSEHOLD_STRATA.index("other"),
    ).astype(np.int64)


def _stage1(
    vs: np.ndarray, sizes: np.ndarray, settings: SamplingSettings, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Select villages within each village stratum.

    Returns positions of the selected villages (ascending), their π, and the frame and sample
    sizes of their village stratum.
    """
    idx_all, pi_all, n_big, n_small = [], [], [], []
    for stratum in VILLAGE_STRATA:  # fixed order: the generator is consumed reproducibly
        pos = np.flatnonzero(vs == stratum)
        N = len(pos)
        n = min(int(settings.villages_per_stratum[stratum]), N)
        if N == 0 or n == 0:
            continue
        if n == N:
            idx, pi = np.arange(N), np.ones(N)
        elif settings.village_method == VillageMethod.PPS_SYSTEMATIC:
            idx, pi = pps_systematic(sizes[pos], n, rng)
        else:
            idx, pi = srs(N, n, rng)
        idx_all.append(pos[idx])
        pi_all.append(pi[idx])
        n_big.append(np.full(n, N))
        n_small.append(np.full(n, n))
    if not idx_all:
        empty = np.zeros(0, dtype=np.int64)
        return empty, np.zeros(0), empty, empty
    sel = np.concatenate(idx_all)
    order = np.argsort(sel, kind="stable")
    return (sel[order], np.concatenate(pi_all)[order], np.concatenate(n_big)[order],
            np.concatenate(n_small)[order])


def draw_county_sample(
    villages: pd.DataFrame,
    households: pd.DataFrame,
    settings: SamplingSettings,
    rng: np.random.Generator,
    *,
    seed: int,
    county_code: str,
) -> pd.DataFrame:
    """Draw the two-stage household sample (main and reserves) of one county.

    Args:
        villages: the county's villages (rows of other counties are ignored).
        households: the county's households (rows of other counties are ignored).
        settings: sizes and stage-1 method.
        rng: the county's generator, normally ``county_rng(seed, county_code)``.
        seed: the campaign seed, recorded in the ``seed`` column.
        county_code: the 6-digit county code.

    Returns:
        One row per drawn household (main and reserve), columns ``SAMPLE_COLUMNS`` then
        ``EXTRA_COLUMNS``, sorted by village, stratum, role, reserve rank and household id.
    """
    v_cols = ["village_code", "poor_village", "remote"]
    h_cols = ["household_id", "village_code", "status", "labor_count", *RISK_FLAGS]
    _require(villages, v_cols, "villages")
    _require(households, h_cols, "households")
    code = str(county_code)
    # Only the columns the design needs are carried along (personal data stays behind).
    v = villages.loc[villages["village_code"].astype(str).str[:6] == code, v_cols].copy()
    h = households.loc[households["village_code"].astype(str).str[:6] == code, h_cols].copy()
    if v.empty:
        raise SamplingError(f"county {code} has no villages / 县 {code} 没有村名录")
    v["village_code"] = v["village_code"].astype(str)
    h["village_code"] = h["village_code"].astype(str)
    h["household_id"] = h["household_id"].astype(str)
    if v["village_code"].duplicated().any():
        dup = v.loc[v["village_code"].duplicated(), "village_code"].tolist()
        raise SamplingError(f"duplicate village codes {dup[:10]} / 村代码重复：{dup[:10]}")
    if not h["household_id"].is_unique:
        dup = h.loc[h["household_id"].duplicated(), "household_id"].tolist()
        raise SamplingError(f"duplicate household ids {dup[:10]} / 户编号重复：{dup[:10]}")
    orphans = ~h["village_code"].isin(v["village_code"])
    if orphans.any():
        bad = h.loc[orphans, "household_id"].tolist()
        raise SamplingError(
            f"households whose village is not in the village list: {bad[:10]} / "
            f"以下户的村代码不在村名录中：{bad[:10]}"
        )

    s_all = _household_stratum_codes(h)  # validates every status before anything is drawn

    # Stage 1: villages (sorted by code so that the input order does not matter).
    counts = h["village_code"].value_counts()
    v["village_households"] = v["village_code"].map(counts).fillna(0).astype("int64")
    v = v[v["village_households"] > 0].sort_values("village_code", kind="stable")
    v_code = v["village_code"].to_numpy(dtype=str)
    v_stratum = village_strata(v).to_numpy(dtype=str)
    v_size = v["village_households"].to_numpy()
    sel, pi_v, N_v, n_v = _stage1(v_stratum, v_size, settings, rng)

    # Stage 2: households within the selected villages. Keys are drawn in (village,
    # household id) order, then ranked within each village × stratum cell.
    # Village positions by hashing (every village code is in v_code: checked above).
    vpos = pd.Index(v_code).get_indexer(h["village_code"])
    take = np.isin(vpos, sel)
    h_id = h["household_id"].to_numpy(dtype=object)[take]
    vpos = vpos[take]
    s_code = s_all[take]
    # Household ids are unique: their sorted factor codes are their ranks, so sorting the
    # integer ranks orders the households exactly as sorting the id strings would.
    id_rank = pd.factorize(h_id, sort=True)[0]
    first = np.lexsort((id_rank, vpos))
    h_id, vpos, s_code, id_rank = h_id[first], vpos[first], s_code[first], id_rank[first]
    key = rng.random(len(h_id))
    order = np.lexsort((key, s_code, vpos))
    h_id, vpos, s_code, id_rank = h_id[order], vpos[order], s_code[order], id_rank[order]
    cell = vpos * len(HOUSEHOLD_STRATA) + s_code
    starts = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]])
    lengths = np.diff(np.r_[starts, len(cell)])
    rank = np.arange(len(cell)) - np.repeat(starts, lengths)
    N_vh = np.repeat(lengths, lengths)
    size = np.array([settings.households_per_village[x] for x in HOUSEHOLD_STRATA])[s_code]
    k = np.array([settings.reserves_per_stratum[x] for x in HOUSEHOLD_STRATA])[s_code]
    n_vh = np.minimum(size, N_vh)
    k = np.where(n_vh > 0, k, 0)
    keep = rank < n_vh + k
    h_id, vpos, s_code, rank, N_vh, n_vh, id_rank = (
        a[keep] for a in (h_id, vpos, s_code, rank, N_vh, n_vh, id_rank)
    )
    main = rank < n_vh
    r_rank = np.where(main, 0, rank - n_vh + 1)
    # Deterministic output order: village, stratum, main before reserve, rank, household id.
    final = np.lexsort((id_rank, r_rank, ~main, s_code, vpos))
    h_id, vpos, s_code, main, r_rank, N_vh, n_vh = (
        a[final] for a in (h_id, vpos, s_code, main, r_rank, N_vh, n_vh)
    )
    at = np.searchsorted(sel, vpos)  # row of each household's village in the stage-1 arrays
    pi_h = n_vh / N_vh
    out = pd.DataFrame({
        "household_id": h_id,
        "county_code": code,
        "village_code": v_code[vpos],
        "village_stratum": v_stratum[vpos],
        "stratum": np.asarray(HOUSEHOLD_STRATA)[s_code],
        "role": np.where(main, "main", "reserve"),
        "reserve_rank": pd.arrays.IntegerArray(r_rank.astype("int64"), main.copy()),
        "pi_village": pi_v[at].astype(float),
        "pi_household": pi_h,
        "weight": 1.0 / (pi_v[at] * pi_h),
        "seed": np.full(len(h_id), seed, dtype=np.int64),
        "village_households": v_size[vpos].astype("int64"),
        "N_villages": N_v[at].astype("int64"),
        "n_villages": n_v[at].astype("int64"),
        "N_vh": N_vh.astype("int64"),
        "n_vh": n_vh.astype("int64"),
    })
    for c in ("household_id", "county_code", "village_code", "village_stratum", "stratum",
              "role"):
        out[c] = out[c].astype(str)
    return out[[*SAMPLE_COLUMNS, *EXTRA_COLUMNS]]


def variance_design_columns(sample: pd.DataFrame) -> pd.DataFrame:
    """Add the variance strata and PSUs used by the estimator (ultimate-cluster rule).

    A village drawn with π < 1 is a PSU in its village stratum. A certainty village
    (π = 1) is not a random draw at stage 1, so it becomes its own stratum
    (``"cert:" + village_code``) whose PSUs are its households: a take-all PSU adds only its
    within-PSU variance (Särndal, Swensson & Wretman 1992, §4.3, two-stage variance). A
    variance stratum left with a single PSU is handled by the estimator's lonely-PSU rule
    ("adjust": it is centred on the grand mean, as R ``options(survey.lonely.psu =
    "adjust")``).

    Returns:
        A copy of ``sample`` with ``var_stratum`` and ``var_psu`` (str) added.
    """
    _require(sample, ("village_code", "village_stratum", "household_id", "pi_village"), "sample")
    out = sample.copy()
    cert = out["pi_village"].to_numpy(dtype=float) >= 1.0 - 1e-12
    vc = out["village_code"].astype(str).to_numpy()
    out["var_stratum"] = np.where(cert, "cert:" + vc, out["village_stratum"].astype(str))
    out["var_psu"] = np.where(cert, out["household_id"].astype(str), vc)
    return out
