"""Vectorised random draws shared by the generator's steps.

Person-weighted planted rates are realised by weighted sampling without replacement
(Efraimidis & Spirakis 2006, exponential keys) until the planted share of people is reached, so
a county's realised rate is close to the plan, not merely equal to it in expectation.
"""

from __future__ import annotations

import numpy as np


def choose_k(candidates: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """A mask with ``k`` of the candidate positions chosen at random (all if fewer)."""
    idx = np.flatnonzero(candidates)
    out = np.zeros(candidates.size, dtype=bool)
    k = min(int(k), idx.size)
    if k > 0:
        out[rng.choice(idx, size=k, replace=False)] = True
    return out


def choose_persons(
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


def rank_in_group(group: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random rank 0, 1, … of each element within its group."""
    n = group.size
    order = np.lexsort((rng.random(n), group))
    sorted_group = group[order]
    starts = np.searchsorted(sorted_group, sorted_group, side="left")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - starts
    return rank


def apportion(targets: np.ndarray, total: int, rng: np.random.Generator) -> np.ndarray:
    """Integers summing to ``total`` that follow ``targets`` (largest remainder, random ties)."""
    base = np.floor(targets).astype(np.int64)
    short = int(total - base.sum())
    if short > 0:
        rem = targets - base + rng.random(targets.size) * 1e-9
        base[np.argsort(-rem, kind="stable")[:short]] += 1
    return base


def pick(pool: tuple[str, ...] | np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` elements of ``pool`` drawn uniformly with replacement."""
    arr = np.asarray(pool)
    return arr[rng.integers(0, arr.size, n)]


def categorical(p: tuple[float, ...] | np.ndarray | list[float], n: int,
                rng: np.random.Generator) -> np.ndarray:
    """Indices 0..len(p)-1 drawn with probabilities p (normalised)."""
    cum = np.cumsum(np.asarray(p, dtype=float))
    return np.searchsorted(cum / cum[-1], rng.random(n), side="right")
