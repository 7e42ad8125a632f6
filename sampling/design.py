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
import pyarrow as pa
import pyarrow.compute as pc

from registry.contract import HOUSEHOLD_STRATA, RISK_FLAGS, SAMPLE_COLUMNS, STATUSES, VILLAGE_STRATA
from sampling.errors import SamplingError
from sampling.pps import pps_systematic, srs
from sampling.settings import SamplingSettings, VillageMethod

EXTRA_COLUMNS = ("village_households", "N_villages", "n_villages", "N_vh", "n_vh")
_STR = pd.Series([""], dtype=object).astype(str).dtype  # the dtype ``astype(str)`` gives


def _require(df: pd.DataFrame, cols: tuple[str, ...] | list[str], table: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise SamplingError(f"{table} lacks columns {missing} / {table} 表缺少列：{missing}")


def _flag(s: pd.Series) -> np.ndarray:
    if s.dtype == np.bool_:  # nothing missing: no copy
        return s.to_numpy()
    return s.fillna(False).astype(bool).to_numpy()


def _village_stratum_codes(poor: np.ndarray, remote: np.ndarray) -> np.ndarray:
    """Positions in VILLAGE_STRATA of each village's stage-1 stratum."""
    return np.where(poor & remote, VILLAGE_STRATA.index("poor_remote"),
                    np.where(poor, VILLAGE_STRATA.index("poor"), VILLAGE_STRATA.index("non_poor")))


def village_strata(villages: pd.DataFrame) -> pd.Series:
    """The stage-1 stratum of each village: poor_remote, poor or non_poor."""
    poor = _flag(villages["poor_village"])
    remote = _flag(villages["remote"])
    out = np.asarray(VILLAGE_STRATA)[_village_stratum_codes(poor, remote)]
    return pd.Series(out, index=villages.index, name="village_stratum")


def household_strata(households: pd.DataFrame) -> pd.Series:
    """The stage-2 stratum of each household: exited, poor, risk or other."""
    codes = _household_stratum_codes(households)
    return pd.Series(np.asarray(HOUSEHOLD_STRATA, dtype=object)[codes], index=households.index,
                     name="stratum")


def _household_stratum_codes(households: pd.DataFrame) -> np.ndarray:
    """Positions in HOUSEHOLD_STRATA of each household's stage-2 stratum (vectorised)."""
    st = _status_codes(_text(households["status"]))
    if st is None:
        _raise_bad_status(households["status"])
    return _stratum_codes(st, households, None)


def _text(s: pd.Series) -> pa.Array:
    """``s.astype(str)`` as one Arrow string array (missing values as nulls), without copying
    an Arrow-backed column."""
    t = s if s.dtype == _STR else s.astype(str)  # astype(str) would only copy it
    arr = getattr(t.array, "__arrow_array__", None)
    out = arr() if arr is not None else pa.array(t.to_numpy(dtype=object), from_pandas=True)
    if isinstance(out, pa.ChunkedArray):  # combine_chunks copies even a single chunk
        return out.chunk(0) if out.num_chunks == 1 else out.combine_chunks()
    return out


def _status_codes(status: pa.Array) -> np.ndarray | None:
    """Positions in STATUSES of each status, or None when one is unknown or missing."""
    st = pc.index_in(status, value_set=pa.array(STATUSES, type=status.type))
    if st.null_count:
        return None
    return st.to_numpy().astype(np.int64)


def _raise_bad_status(status: pd.Series) -> None:
    uniq = pd.unique(status.astype(str))
    unknown = sorted({str(u) for u in uniq if not pd.isna(u)} - set(STATUSES)) or ["<NA>"]
    raise SamplingError(
        f"unknown household status {unknown}; allowed {list(STATUSES)} / "
        f"户状态取值无效：{unknown}"
    )


def _stratum_codes(st: np.ndarray, households: pd.DataFrame, rows: np.ndarray | None
                   ) -> np.ndarray:
    """Stage-2 stratum codes from status codes ``st`` and the risk columns of ``households``
    (restricted to ``rows`` when given): exited, else poor (poor or returned), else risk,
    else other."""
    risk = np.zeros(len(households), dtype=bool)
    for flag in RISK_FLAGS:
        risk |= _flag(households[flag])
    labor = households["labor_count"]
    if not (labor.dtype.kind in "iu" and isinstance(labor.dtype, np.dtype)):
        labor = pd.to_numeric(labor, errors="coerce")
    risk |= labor.to_numpy() == 0
    if rows is not None:
        risk = risk[rows]
    # Look-up table on (status, risk): exited, else poor (poor or returned), else risk/other.
    table = np.empty((len(STATUSES), 2), dtype=np.int64)
    table[:] = [HOUSEHOLD_STRATA.index("other"), HOUSEHOLD_STRATA.index("risk")]
    table[STATUSES.index("exited")] = HOUSEHOLD_STRATA.index("exited")
    table[STATUSES.index("poor")] = HOUSEHOLD_STRATA.index("poor")
    table[STATUSES.index("returned")] = HOUSEHOLD_STRATA.index("poor")
    return table.ravel()[st * 2 + risk]


def _county_rows(codes: pa.Array, series: pd.Series, code: str) -> np.ndarray | None:
    """Positions of the rows whose village code starts with the county code
    (``str[:6] == code``), or None when that is every row."""
    if len(code) == 6:  # a 6-character prefix equals code exactly when it starts with it
        m = pc.starts_with(codes, pattern=code).fill_null(False)
        if pc.all(m).as_py() is not False:  # all true (or no rows)
            return None
        return np.flatnonzero(m.to_numpy(zero_copy_only=False))
    mask = (series.astype(str).str[:6] == code).fillna(False).to_numpy(dtype=bool)
    return None if mask.all() else np.flatnonzero(mask)


def _lookup(values: pa.Array, keys: pa.Array) -> np.ndarray:
    """Position of each value in ``keys`` (-1 when absent or missing). Households come
    grouped by village, so the look-up is done once per run of equal values."""
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.r_[0, np.flatnonzero(
        pc.not_equal(values[1:], values[:-1]).fill_null(True).to_numpy(zero_copy_only=False)
    ) + 1]
    heads = values.take(pa.array(starts)) if len(starts) < n else values
    at = pc.index_in(heads, value_set=keys.cast(values.type)).fill_null(-1)
    at = at.to_numpy(zero_copy_only=False).astype(np.int64)
    return np.repeat(at, np.diff(np.r_[starts, n])) if len(starts) < n else at


def _id_ranks(ids: pa.Array) -> np.ndarray | None:
    """Ranks of the household ids in sorted order (a missing id first), or None when they
    are not unique."""
    n = len(ids)
    if ids.null_count == 0 and (n < 2 or pc.all(pc.less(ids[:-1], ids[1:])).as_py()):
        return np.arange(n, dtype=np.int64)  # already strictly increasing: unique, ranked
    order = pc.array_sort_indices(ids, null_placement="at_start")
    srt = ids.take(order)
    if ids.null_count > 1 or (n > 1 and pc.any(pc.equal(srt[:-1], srt[1:])).as_py()):
        return None
    rank = np.empty(n, dtype=np.int64)
    rank[order.to_numpy()] = np.arange(n, dtype=np.int64)
    return rank


def _cell_key_order(cell: np.ndarray, key: np.ndarray) -> np.ndarray:
    """``np.lexsort((key, cell))``: order by cell, then key, then position (stable)."""
    by_key = np.argsort(key)
    ks = key[by_key]
    if len(ks) > 1 and (ks[1:] == ks[:-1]).any():  # a tie: only a stable sort keeps positions
        by_key = np.argsort(key, kind="stable")
    c = cell[by_key]
    if len(c) and c.max() < np.iinfo(np.int16).max:
        c = c.astype(np.int16)  # NumPy's stable sort of 16-bit integers is a radix sort
    return by_key[np.argsort(c, kind="stable")]


def _str_column(values: pa.Array) -> pd.api.extensions.ExtensionArray | np.ndarray:
    """An Arrow string array as the column ``astype(str)`` would make of the same strings."""
    if isinstance(_STR, pd.StringDtype) and _STR.storage == "pyarrow":
        return pd.array(values, dtype=_STR)
    return pd.Series(values.to_numpy(zero_copy_only=False)).astype(str).to_numpy()


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
    # The inputs are read as Arrow and NumPy arrays, never copied as frames, and only the
    # columns the design needs are read (personal data stays behind).
    v_vc = villages["village_code"]
    v_codes = _text(v_vc)
    v_rows = _county_rows(v_codes, v_vc, code)
    if v_rows is None:
        v_rows = np.arange(len(v_vc))
    if len(v_rows) == 0:
        raise SamplingError(f"county {code} has no villages / 县 {code} 没有村名录")
    v_codes = v_codes.take(pa.array(v_rows))
    if len(pc.unique(v_codes)) != len(v_codes):
        v_all = v_vc.astype(str).iloc[v_rows]
        dup = v_all[v_all.duplicated()].tolist()
        raise SamplingError(f"duplicate village codes {dup[:10]} / 村代码重复：{dup[:10]}")

    h_vc_raw = households["village_code"]
    h_vc = _text(h_vc_raw)
    rows = _county_rows(h_vc, h_vc_raw, code)
    ids = _text(households["household_id"])
    status = _text(households["status"])
    if rows is not None:
        take_rows = pa.array(rows)
        h_vc, ids, status = h_vc.take(take_rows), ids.take(take_rows), status.take(take_rows)

    def raw_id() -> pd.Series:  # the county's ids as strings, for the error messages
        s = households["household_id"].astype(str)
        return s if rows is None else s.iloc[rows]

    id_rank = _id_ranks(ids)
    if id_rank is None:
        dup = raw_id()[raw_id().duplicated()].tolist()
        raise SamplingError(f"duplicate household ids {dup[:10]} / 户编号重复：{dup[:10]}")
    # Each household's row in v_codes (-1: its village is not in the village list).
    v_row = _lookup(h_vc, v_codes)
    if (v_row < 0).any():
        bad = raw_id()[v_row < 0].tolist()
        raise SamplingError(
            f"households whose village is not in the village list: {bad[:10]} / "
            f"以下户的村代码不在村名录中：{bad[:10]}"
        )
    st = _status_codes(status)  # validates every status before anything is drawn
    if st is None:
        _raise_bad_status(households["status"] if rows is None
                          else households["status"].iloc[rows])
    s_all = _stratum_codes(st, households, rows)

    # Stage 1: villages with households, sorted by code (so that the input order does not
    # matter).
    counts = np.bincount(v_row, minlength=len(v_rows))
    codes_all = v_codes.to_numpy(zero_copy_only=False).astype(str)
    keep_v = np.flatnonzero(counts > 0)
    keep_v = keep_v[np.argsort(codes_all[keep_v], kind="stable")]
    vs_code = _village_stratum_codes(_flag(villages["poor_village"])[v_rows],
                                     _flag(villages["remote"])[v_rows])[keep_v]
    v_stratum = np.asarray(VILLAGE_STRATA)[vs_code]
    v_size = counts[keep_v].astype("int64")
    sel, pi_v, N_v, n_v = _stage1(v_stratum, v_size, settings, rng)

    # Stage 2: households within the selected villages. Keys are drawn in (village,
    # household id) order, then ranked within each village × stratum cell.
    v_at = np.full(len(v_rows), -1, dtype=np.int64)
    v_at[keep_v] = np.arange(len(keep_v))
    chosen = np.zeros(len(keep_v), dtype=bool)
    chosen[sel] = True
    vpos = v_at[v_row]  # the household's position in keep_v (every one has a village)
    h_pos = np.flatnonzero(chosen[vpos])
    vpos, s_code, id_rank = vpos[h_pos], s_all[h_pos], id_rank[h_pos]
    # Ids are unique and their ranks below len(ids), so sorting on village · len(ids) + id
    # rank orders exactly as sorting on (village, id string).
    first = np.argsort(vpos * len(ids) + id_rank, kind="stable")
    h_pos, vpos, s_code, id_rank = h_pos[first], vpos[first], s_code[first], id_rank[first]
    key = rng.random(len(h_pos))
    order = _cell_key_order(vpos * len(HOUSEHOLD_STRATA) + s_code, key)
    h_pos, vpos, s_code, id_rank = h_pos[order], vpos[order], s_code[order], id_rank[order]
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
    h_pos, vpos, s_code, rank, N_vh, n_vh, id_rank = (
        a[keep] for a in (h_pos, vpos, s_code, rank, N_vh, n_vh, id_rank)
    )
    main = rank < n_vh
    r_rank = np.where(main, 0, rank - n_vh + 1)
    # Deterministic output order: village, stratum, main before reserve, rank, household id.
    final = np.lexsort((id_rank, r_rank, ~main, s_code, vpos))
    h_pos, vpos, s_code, main, r_rank, N_vh, n_vh = (
        a[final] for a in (h_pos, vpos, s_code, main, r_rank, N_vh, n_vh)
    )
    at = np.searchsorted(sel, vpos)  # row of each household's village in the stage-1 arrays
    pi_h = n_vh / N_vh
    n_out = len(h_pos)
    columns = {
        "household_id": _str_column(ids.take(pa.array(h_pos))),
        "county_code": _str_column(pa.array([code]).take(np.zeros(n_out, dtype=np.int64))),
        "village_code": _str_column(v_codes.take(pa.array(keep_v[vpos]))),
        "village_stratum": _str_column(pa.array(VILLAGE_STRATA).take(vs_code[vpos])),
        "stratum": _str_column(pa.array(HOUSEHOLD_STRATA).take(s_code)),
        "role": _str_column(pa.array(["main", "reserve"]).take((~main).astype(np.int64))),
        "reserve_rank": pd.arrays.IntegerArray(r_rank.astype("int64"), main.copy()),
        "pi_village": pi_v[at].astype(float),
        "pi_household": pi_h,
        "weight": 1.0 / (pi_v[at] * pi_h),
        "seed": np.full(n_out, seed, dtype=np.int64),
        "village_households": v_size[vpos].astype("int64"),
        "N_villages": N_v[at].astype("int64"),
        "n_villages": n_v[at].astype("int64"),
        "N_vh": N_vh.astype("int64"),
        "n_vh": n_vh.astype("int64"),
    }
    names = (*SAMPLE_COLUMNS, *EXTRA_COLUMNS)
    if tuple(columns) != names:  # the contract's column order rules (a dict reorder is free)
        columns = {c: columns[c] for c in names}
    return pd.DataFrame(columns, copy=False)


DESIGN_COLUMNS = ("var_stratum", "var_psu", "fpc1", "stage2_stratum", "fpc2")


def variance_design_columns(sample: pd.DataFrame) -> pd.DataFrame:
    """Add the two-stage variance design the estimator uses (R ``svydesign`` columns).

    - ``var_stratum``: the stage-1 stratum. A village drawn with π < 1 is in its village
      stratum; the certainty villages (π = 1: a stratum taken whole, or large villages taken
      out of a πps stratum) of a village stratum form ``"certainty:" + village_stratum``.
    - ``var_psu``: the village (the PSU).
    - ``fpc1``: villages in the frame of that stage-1 stratum — N_villages minus the stratum's
      certainty villages, or the number of certainty villages — so that 1 − n/N is the stage-1
      FPC (villages are drawn without replacement) and a certainty stratum has f = 1: it adds
      no stage-1 variance, only its villages' stage-2 variance (Särndal, Swensson & Wretman
      1992, §4.3). For πps villages n/N is the SRS approximation of the fraction; it is
      conservative, because a πps sample holds the larger villages, whose 1 − π is smaller.
    - ``stage2_stratum``: the household stratum (nested in the village).
    - ``fpc2``: N_vh, households of the village × household stratum in the frame.

    The draw is untouched: these are derived from the stored π and frame counts.

    Returns:
        A copy of ``sample`` with ``DESIGN_COLUMNS`` added.
    """
    _require(sample, ("village_code", "village_stratum", "stratum", "pi_village", "N_villages",
                      "N_vh"), "sample")
    out = sample.copy()
    cert = out["pi_village"].to_numpy(dtype=float) >= 1.0 - 1e-12
    vs = out["village_stratum"].astype(str).to_numpy()
    vc = out["village_code"].astype(str).to_numpy()
    n_cert = (pd.Series(np.where(cert, vc, None), dtype=object).groupby(vs).nunique()
              .reindex(vs).fillna(0).to_numpy(dtype=float))
    n_frame = out["N_villages"].to_numpy(dtype=float)
    out["var_stratum"] = np.where(cert, "certainty:" + vs, vs)
    out["var_psu"] = vc
    out["fpc1"] = np.where(cert, n_cert, n_frame - n_cert)
    out["stage2_stratum"] = out["stratum"].astype(str).to_numpy()
    out["fpc2"] = out["N_vh"].to_numpy(dtype=float)
    return out
