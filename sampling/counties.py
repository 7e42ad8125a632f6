"""Drawing counties for a central spot-check: stratified by province.

The sample size (``n``, or ``rate`` × frame size rounded half up) is allocated to province
strata with at least one county per province and largest-remainder rounding (see
``sampling.allocation``), proportionally to the number of counties or by Neyman allocation
on the within-province standard deviation of ``size`` (Cochran 1977, §5.5). Within a province
counties are drawn by SRS without replacement or systematic πps on ``size`` (population;
Cochran 1977, §9A). Strata are processed in sorted order from one generator, so the draw is
reproducible.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sampling.allocation import largest_remainder, neyman_allocation
from sampling.errors import SamplingError
from sampling.pps import pps_systematic, srs
from sampling.settings import Allocation, CountyMethod


def _total(n_frame: int, n_strata: int, rate: float | None, n: int | None) -> int:
    if (rate is None) == (n is None):
        raise SamplingError(
            "give exactly one of rate and n / 抽样比例 rate 与县数 n 须且只须给出一个"
        )
    if rate is not None:
        if not 0 < rate <= 1:
            raise SamplingError(
                f"rate must be in (0, 1], got {rate} / 抽样比例须大于 0 且不超过 1，实际为 {rate}"
            )
        # At least one county per province takes precedence over the rate.
        return max(n_strata, math.floor(rate * n_frame + 0.5))
    if int(n) != n or n <= 0:  # type: ignore[operator]
        raise SamplingError(f"n must be a whole number ≥ 1, got {n} / 抽取县数须为正整数")
    if n > n_frame:  # type: ignore[operator]
        raise SamplingError(
            f"cannot draw {n} counties from a frame of {n_frame} / 抽取县数 {n} 超过名录中的 "
            f"{n_frame} 个县"
        )
    if n < n_strata:  # type: ignore[operator]
        raise SamplingError(
            f"n = {n} is fewer than the {n_strata} provinces; at least one county per province "
            f"is drawn / 抽取县数 {n} 少于省份数 {n_strata}，每省至少抽一个县"
        )
    return int(n)  # type: ignore[arg-type]


def select_counties(
    frame: pd.DataFrame,
    *,
    rate: float | None = None,
    n: int | None = None,
    stratum: str = "province_code",
    allocation: Allocation = Allocation.PROPORTIONAL,
    method: CountyMethod = CountyMethod.SRS,
    size: str = "population_10k",
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Draw a stratified sample of counties.

    Args:
        frame: the county frame (one row per county, with ``county_code`` and ``stratum``).
        rate: sampling fraction in (0, 1]; the total is round(rate·N), at least one per stratum.
        n: or the exact number of counties (≥ number of strata, ≤ frame size).
        stratum: the stratifying column (province by default).
        allocation: proportional to the number of counties, or Neyman on the within-stratum
            standard deviation of ``size`` (falls back to proportional if all are zero).
        method: SRS without replacement, or systematic PPS on ``size`` within each stratum.
        size: the size column for PPS and Neyman (population in 10,000s by default).
        rng: the random generator.

    Returns:
        The selected rows of ``frame`` (sorted by stratum and county code) with extra columns
        ``stratum`` (str), ``n_h``, ``N_h``, ``pi`` and ``weight`` = 1/pi.
    """
    if frame is None or len(frame) == 0:
        raise SamplingError("the county frame is empty / 县名录为空")
    missing = [c for c in ("county_code", stratum) if c not in frame.columns]
    needs_size = method == CountyMethod.PPS or allocation == Allocation.NEYMAN
    if needs_size and size not in frame.columns:
        missing.append(size)
    if missing:
        raise SamplingError(f"county frame lacks columns {missing} / 县名录缺少列：{missing}")
    if frame[stratum].isna().any():
        bad = frame.loc[frame[stratum].isna(), "county_code"].astype(str).tolist()
        raise SamplingError(
            f"counties without {stratum}: {bad[:10]} / 以下县缺少分层字段 {stratum}：{bad[:10]}"
        )
    if frame["county_code"].duplicated().any():
        dup = frame.loc[frame["county_code"].duplicated(), "county_code"].astype(str).tolist()
        raise SamplingError(f"duplicate county codes {dup[:10]} / 县代码重复：{dup[:10]}")
    df = frame.copy()
    df["stratum"] = df[stratum].astype(str)
    df = df.sort_values(["stratum", "county_code"], kind="stable").reset_index(drop=True)
    if needs_size:
        sz = pd.to_numeric(df[size], errors="coerce")
        bad_rows = sz.isna() | (sz <= 0)
        if bad_rows.any():
            bad = df.loc[bad_rows, "county_code"].astype(str).tolist()
            raise SamplingError(
                f"column {size} must be a positive number for PPS/Neyman; missing or ≤ 0 for "
                f"counties {bad[:10]} / 按规模抽样需要 {size} 为正数，"
                f"以下县缺失或不为正：{bad[:10]}"
            )
        df["_size"] = sz.astype(float)
    sizes = df.groupby("stratum", sort=True).size()
    total = _total(len(df), len(sizes), rate, n)
    sd = df.groupby("stratum", sort=True)["_size"].std(ddof=1).fillna(0.0) if needs_size else None
    if allocation == Allocation.NEYMAN and sd is not None and (sd * sizes).sum() > 0:
        n_h = neyman_allocation(sizes, total, sd=sd)
    else:
        n_h = largest_remainder(sizes, total, minimum=1, caps=sizes)

    parts = []
    for h, group in df.groupby("stratum", sort=True):
        k = int(n_h[h])
        if method == CountyMethod.PPS and k < len(group):
            idx, pi = pps_systematic(group["_size"].to_numpy(), k, rng)
        else:
            idx, pi = srs(len(group), k, rng)
        sel = group.iloc[idx].copy()
        sel["n_h"] = k
        sel["N_h"] = len(group)
        sel["pi"] = pi[idx]
        parts.append(sel)
    out = pd.concat(parts, ignore_index=True).drop(columns="_size", errors="ignore")
    out["n_h"] = out["n_h"].astype("int64")
    out["N_h"] = out["N_h"].astype("int64")
    out["weight"] = 1.0 / out["pi"]
    return out
