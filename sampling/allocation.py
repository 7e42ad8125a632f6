"""Allocating a sample total to strata: proportional and Neyman, rounded by largest remainder.

- Proportional allocation n_h ∝ N_h and Neyman (optimum) allocation n_h ∝ N_h·S_h follow
  Cochran (1977), *Sampling Techniques*, 3rd ed., ch. 5 (§5.5 optimum allocation; for a
  proportion S_h = sqrt(P_h·Q_h)). When a stratum's share exceeds its size it is taken whole
  and the rest is re-allocated among the other strata (Cochran §5.5, remark on n_h > N_h);
  the same holds for the floor of ``minimum`` units per stratum. This is done exactly: one
  common scale factor λ with n_h = clip(λ·q_h, min_h, cap_h) and Σ n_h = total.
- The real-valued quotas are rounded by the largest-remainder (Hamilton) method: every stratum
  gets the integer part of its quota, and the units left over go to the largest fractional
  parts, so the total is exact. Ties go to the stratum listed first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sampling.errors import SamplingError


def _bounded_quotas(q: np.ndarray, lo: np.ndarray, hi: np.ndarray, total: int) -> np.ndarray:
    """Real quotas x_h = clip(λ·q_h, lo_h, hi_h) with Σ x_h = total (water-filling)."""
    pos = q > 0
    cand = np.concatenate([[0.0], lo[pos] / q[pos], hi[pos] / q[pos]])
    breaks = np.unique(cand[np.isfinite(cand)])

    def f(lam: float) -> float:
        return float(np.clip(lam * q, lo, hi).sum())

    values = np.array([f(b) for b in breaks])
    k = int(np.searchsorted(values, total - 1e-12, side="left"))
    if k == 0:
        lam = breaks[0]
    elif k < len(breaks):
        b0, b1, f0, f1 = breaks[k - 1], breaks[k], values[k - 1], values[k]
        lam = b0 + (total - f0) * (b1 - b0) / (f1 - f0)
    else:
        # Beyond the last finite break only uncapped strata still grow.
        slope = float(q[pos & ~np.isfinite(hi)].sum())
        if slope <= 0:
            raise SamplingError(
                f"cannot place {total} units: the strata can hold at most {values[-1]:.0f} "
                f"(strata with a zero quota keep their minimum) / "
                f"样本量 {total} 超出各层可容纳的上限"
            )
        lam = breaks[-1] + (total - values[-1]) / slope
    return np.clip(lam * q, lo, hi)


def largest_remainder(
    quotas: pd.Series,
    total: int,
    minimum: int = 1,
    caps: pd.Series | None = None,
) -> pd.Series:
    """Round quotas to integers that add up exactly to ``total`` (Hamilton's method).

    Args:
        quotas: non-negative weights per stratum (index = stratum); only their ratios matter.
        total: the exact integer total to allocate.
        minimum: the least number of units per stratum (a stratum smaller than this is taken
            whole).
        caps: the most units per stratum, aligned on the index (usually the stratum sizes);
            ``None`` means no cap.

    Returns:
        Integer allocation per stratum (int64 Series named ``n_h``, same index and order).

    Raises:
        SamplingError: negative or missing quotas or caps, or when no allocation within the
            bounds adds up to ``total``.
    """
    q = pd.to_numeric(quotas, errors="coerce").astype(float)
    if q.empty:
        raise SamplingError("no strata to allocate to / 没有可分配样本的层")
    if q.isna().any() or (q < 0).any() or not np.isfinite(q).all():
        bad = list(q.index[q.isna() | (q < 0) | ~np.isfinite(q)])
        raise SamplingError(
            f"quotas must be finite and ≥ 0; bad strata: {bad} / "
            f"分配权数必须为非负数，出错的层：{bad}"
        )
    if int(total) != total or total < 0:
        raise SamplingError(
            f"total must be a whole number ≥ 0, got {total} / 样本总量必须为非负整数"
        )
    if minimum < 0:
        raise SamplingError(f"minimum must be ≥ 0, got {minimum} / 每层最少样本量不能为负数")
    if caps is None:
        hi = np.full(len(q), np.inf)
    else:
        c = pd.to_numeric(caps.reindex(q.index), errors="coerce").astype(float)
        if c.isna().any() or (c < 0).any():
            bad = list(c.index[c.isna() | (c < 0)])
            raise SamplingError(
                f"caps missing or negative for strata {bad} / 以下层的上限缺失或为负：{bad}"
            )
        hi = np.floor(c.to_numpy())
    lo = np.minimum(float(minimum), hi)
    total = int(total)
    if total < lo.sum():
        raise SamplingError(
            f"total {total} is smaller than the minimum of {minimum} per stratum over "
            f"{len(q)} strata (needs {lo.sum():.0f}) / 样本总量 {total} 少于每层至少 {minimum} "
            f"个所需的 {lo.sum():.0f} 个"
        )
    if total > hi.sum():
        raise SamplingError(
            f"total {total} exceeds the size of all strata together ({hi.sum():.0f}) / "
            f"样本总量 {total} 超过总体规模 {hi.sum():.0f}"
        )
    if q.sum() == 0 and total > lo.sum():
        raise SamplingError("all quotas are zero: nothing to allocate by / 各层分配权数全为零")
    x = np.round(_bounded_quotas(q.to_numpy(), lo, hi, total), 9)
    n = np.floor(x)
    left = total - int(n.sum())
    frac = np.where(n < hi, x - n, -1.0)
    order = np.lexsort((np.arange(len(x)), -frac))  # largest remainder first, ties by position
    if left > 0:
        take = order[:left]
        if (frac[take] < 0).any():  # pragma: no cover - the bounds checks above prevent it
            raise SamplingError("allocation failed to respect the caps / 分配超出层规模")
        n[take] += 1
    return pd.Series(n.astype(np.int64), index=q.index, name="n_h")


def proportional_allocation(sizes: pd.Series, total: int, minimum: int = 1) -> pd.Series:
    """Proportional allocation n_h ∝ N_h, capped at N_h (Cochran 1977, §5.3)."""
    return largest_remainder(sizes, total, minimum=minimum, caps=sizes)


def neyman_allocation(
    sizes: pd.Series,
    total: int,
    *,
    sd: pd.Series | None = None,
    p: float | None = None,
    minimum: int = 1,
) -> pd.Series:
    """Neyman allocation n_h ∝ N_h·S_h, capped at N_h (Cochran 1977, §5.5).

    Args:
        sizes: stratum sizes N_h.
        total: the exact total to allocate.
        sd: per-stratum standard deviations S_h (aligned on the index), or
        p: an anticipated proportion, giving S_h = sqrt(p(1-p)) in every stratum,
            which reduces to proportional allocation; give exactly one of ``sd`` and ``p``.
        minimum: the least number of units per stratum.
    """
    if (sd is None) == (p is None):
        raise SamplingError("give exactly one of sd and p / sd 与 p 须且只须给出一个")
    if p is not None:
        if not 0 < p < 1:
            raise SamplingError(f"p must lie in (0, 1), got {p} / 预期比例 p 须在 0 与 1 之间")
        s = pd.Series(np.sqrt(p * (1 - p)), index=sizes.index)
    else:
        s = pd.to_numeric(sd.reindex(sizes.index), errors="coerce")  # type: ignore[union-attr]
    return largest_remainder(sizes * s, total, minimum=minimum, caps=sizes)
