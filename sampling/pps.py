"""Selecting units within a stratum: systematic PPS and simple random sampling.

- ``pps_inclusion``: inclusion probabilities proportional to size, π_i = n·M_i/ΣM, with units
  whose π would reach 1 taken with certainty and the remaining sample re-spread over the other
  units, repeatedly (Cochran 1977, ch. 9A; Särndal, Swensson & Wretman 1992, §3.6).
- ``pps_systematic``: Madow's (1949) systematic πps sampling — the units (in random order) are
  laid on a line with lengths π_i, a random start u ∈ (0, 1] is drawn, and the units covering
  u, u+1, …, u+n−1 are selected (Madow, Ann. Math. Statist. 20, 1949; Cochran 1977, ch. 9A).
  Randomising the order first is the randomised systematic variant (Hartley & Rao, Ann. Math.
  Statist. 33, 1962), which makes pair probabilities positive in practice and the order of
  the frame irrelevant. Each unit is selected with probability
  exactly π_i.
- ``srs``: simple random sampling without replacement, π = n/N.
"""

from __future__ import annotations

import numpy as np

from sampling.errors import SamplingError


def _sizes(sizes: np.ndarray | list[float]) -> np.ndarray:
    m = np.asarray(sizes, dtype=float)
    if m.ndim != 1:
        raise SamplingError("sizes must be one-dimensional / 规模须为一维数组")
    if not np.isfinite(m).all() or (m < 0).any():
        bad = np.flatnonzero(~np.isfinite(m) | (m < 0)).tolist()
        raise SamplingError(
            f"size measures must be finite and ≥ 0; bad positions {bad[:10]} / "
            f"规模（户数或人口）须为非负数，出错位置 {bad[:10]}"
        )
    return m


def pps_inclusion(sizes: np.ndarray | list[float], n: int) -> np.ndarray:
    """First-order inclusion probabilities of a πps sample of size ``n``.

    Args:
        sizes: size measures M_i ≥ 0 (units of size 0 get π = 0).
        n: sample size, at most the number of units with a positive size.

    Returns:
        π_i for every unit, in (0, 1] for positive sizes, summing to ``n``.
    """
    m = _sizes(sizes)
    positive = int((m > 0).sum())
    if int(n) != n or n < 0:
        raise SamplingError(f"sample size must be a whole number ≥ 0, got {n} / 样本量须为非负整数")
    if n > positive:
        raise SamplingError(
            f"cannot draw {n} units by size from {positive} units of positive size / "
            f"规模为正的单位只有 {positive} 个，无法按规模抽取 {n} 个"
        )
    pi = np.zeros(len(m))
    certain = np.zeros(len(m), dtype=bool)
    while True:
        rest = n - int(certain.sum())
        free = ~certain & (m > 0)
        total = m[free].sum()
        pi[free] = rest * m[free] / total if total > 0 else 0.0
        new = free & (pi >= 1.0 - 1e-12)
        if not new.any():
            break
        certain |= new
    pi[certain] = 1.0
    return pi


def pps_systematic(
    sizes: np.ndarray | list[float], n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Madow systematic πps sample with random order and random start.

    Args:
        sizes: size measures M_i ≥ 0.
        n: sample size.
        rng: the random generator.

    Returns:
        ``(selected_idx, pi)``: positions of the selected units (ascending) and π_i for every
        unit (length ``len(sizes)``; ``pi[selected_idx]`` are the selected units' probabilities).
    """
    pi = pps_inclusion(sizes, n)
    certain = np.flatnonzero(pi >= 1.0)
    rest = np.flatnonzero((pi > 0) & (pi < 1.0))
    n_rest = int(n) - len(certain)
    chosen = certain
    if n_rest > 0:
        order = rest[rng.permutation(len(rest))]
        cum = np.cumsum(pi[order])
        cum *= n_rest / cum[-1]  # remove rounding drift: the line has length n_rest exactly
        start = 1.0 - rng.random()  # u in (0, 1]
        points = start + np.arange(n_rest)
        hit = np.searchsorted(cum, points, side="left")
        chosen = np.concatenate([certain, order[hit]])
    return np.sort(chosen), pi


def srs(N: int, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Simple random sample without replacement of ``n`` out of ``N`` (Cochran 1977, ch. 2).

    Returns:
        ``(selected_idx, pi)`` as for :func:`pps_systematic`, with π = n/N for every unit.
    """
    if int(N) != N or int(n) != n or N < 0 or n < 0:
        raise SamplingError(f"N and n must be whole numbers ≥ 0, got N={N}, n={n} / 须为非负整数")
    if n > N:
        raise SamplingError(f"cannot draw {n} out of {N} units / 无法从 {N} 个单位中抽取 {n} 个")
    idx = np.sort(rng.permutation(int(N))[: int(n)])
    pi = np.full(int(N), n / N if N else 0.0)
    return idx, pi
