"""Sample sizes for estimating a proportion, and the extra sample that settles a borderline.

``sample_size``: Cochran (1977), *Sampling Techniques*, 3rd ed., §4.4: n0 = z²·p(1−p)/d² and,
with the finite population correction, n = n0/(1 + (n0 − 1)/N). A complex design
multiplies the SRS size by the design effect (Kish 1965, §8.2): here n0 is multiplied by
``deff`` before the FPC, and the result is divided by the expected response rate, so that
the *completed* sample has the required precision. The result is rounded up and never
exceeds N.

``extra_sample_for_bound``: the number of additional households to field so that the
confidence bound of an estimated proportion clears a threshold, assuming the estimate and
the design effect stay as they are. The bound is the Clopper–Pearson bound at the effective
sample size n/deff with x = p̂·n/deff "successes" — the Korn & Graubard (1998) interval
without its degrees-of-freedom correction — so a zero estimate still has a positive upper
bound. The answer is 0 when the bound already clears the threshold; when the point estimate
itself misses the threshold no sample size can settle it and an error is raised.
"""

from __future__ import annotations

import math
from typing import Literal

# scipy.special's stdtrit/betaincinv/ndtri are what stats.t/beta/norm.ppf compute, without
# scipy.stats' ~1 s import (a spot-check's time budget).
from scipy import special

from sampling.errors import SamplingError


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise SamplingError(
            f"confidence must be in (0, 1), got {confidence} / 置信水平须在 0 与 1 之间"
        )
    return float(special.ndtri(0.5 + confidence / 2))


def cochran_n(
    p: float, margin: float, *, population: int | None = None, confidence: float = 0.95
) -> float:
    """The unrounded SRS size for a proportion (Cochran 1977, §4.4).

    Args:
        p: anticipated proportion in (0, 1).
        margin: absolute half-width d of the confidence interval, in (0, 1).
        population: N for the finite population correction, or None for an infinite one.
        confidence: confidence level (0.95 → z = 1.96).
    """
    if not 0 < p < 1:
        raise SamplingError(f"p must be in (0, 1), got {p} / 预期比例须在 0 与 1 之间")
    if not 0 < margin < 1:
        raise SamplingError(f"margin must be in (0, 1), got {margin} / 允许误差须在 0 与 1 之间")
    n0 = _z(confidence) ** 2 * p * (1 - p) / margin**2
    if population is None:
        return n0
    if population < 1:
        raise SamplingError(f"population must be ≥ 1, got {population} / 总体规模须至少为 1")
    return n0 / (1 + (n0 - 1) / population)


def sample_size(
    p: float,
    margin: float,
    *,
    deff: float = 1.5,
    response_rate: float = 0.9,
    population: int | None = None,
    confidence: float = 0.95,
) -> int:
    """Households to field to estimate a proportion ``p`` within ± ``margin``.

    Args:
        p: anticipated proportion in (0, 1).
        margin: absolute margin of error d.
        deff: design effect (≥ 1 for a clustered sample; 1 = SRS).
        response_rate: expected share of fielded households that complete, in (0, 1].
        population: N for the finite population correction (None: infinite).
        confidence: confidence level.

    Returns:
        ceil(n_FPC(n0·deff) / response_rate), at most ``population``.
    """
    if deff <= 0:
        raise SamplingError(f"deff must be > 0, got {deff} / 设计效应须大于 0")
    if not 0 < response_rate <= 1:
        raise SamplingError(
            f"response_rate must be in (0, 1], got {response_rate} / 应答率须大于 0 且不超过 1"
        )
    n0 = cochran_n(p, margin, confidence=confidence) * deff
    n = n0 if population is None else n0 / (1 + (n0 - 1) / population)
    fielded = math.ceil(n / response_rate - 1e-9)
    return fielded if population is None else min(fielded, int(population))


def _bound(p_hat: float, n: float, deff: float, alpha: float, direction: str) -> float:
    n_eff = n / deff
    x = p_hat * n_eff
    if direction == "max":
        return 1.0 if x >= n_eff else float(special.betaincinv(x + 1, n_eff - x, 1 - alpha / 2))
    return 0.0 if x <= 0 else float(special.betaincinv(x, n_eff - x + 1, alpha / 2))


def extra_sample_for_bound(
    p_hat: float,
    threshold: float,
    n_current: int,
    *,
    deff: float = 1.5,
    direction: Literal["max", "min"] = "max",
    response_rate: float = 0.9,
    confidence: float = 0.95,
) -> int:
    """Additional households to field so that the CI bound clears ``threshold``.

    Args:
        p_hat: the current estimate.
        threshold: the rule's threshold.
        n_current: completed households behind the estimate.
        deff: design effect of the estimate.
        direction: "max" — the rule is p ≤ threshold and the upper bound must reach it
            (error rates); "min" — the rule is p ≥ threshold and the lower bound must reach it
            (recognition).
        response_rate: expected completion share of the extra households.
        confidence: confidence level of the interval.

    Returns:
        0 if the bound already clears the threshold, else ceil(extra completed /
        response_rate).
    """
    if direction not in ("max", "min"):
        raise SamplingError(f"direction must be 'max' or 'min', got {direction!r}")
    if not 0 <= p_hat <= 1 or not 0 < threshold < 1:
        raise SamplingError(
            f"p_hat must be in [0, 1] and threshold in (0, 1), got {p_hat}, {threshold} / "
            f"估计值或阈值超出范围"
        )
    if n_current < 1 or deff <= 0 or not 0 < response_rate <= 1:
        raise SamplingError(
            f"need n_current ≥ 1, deff > 0, response_rate in (0, 1]; got {n_current}, {deff}, "
            f"{response_rate} / 参数超出范围"
        )
    misses = p_hat >= threshold if direction == "max" else p_hat < threshold
    if misses:
        raise SamplingError(
            f"the estimate {p_hat:.4f} itself misses the threshold {threshold:.4f}: more sample "
            f"cannot make it pass / 点估计 {p_hat:.4f} 本身未达到阈值 {threshold:.4f}，"
            f"增加样本无法改变结论"
        )
    alpha = 1 - confidence
    _z(confidence)

    def clears(n: int) -> bool:
        b = _bound(p_hat, n, deff, alpha, direction)
        return b <= threshold if direction == "max" else b >= threshold

    if clears(n_current):
        return 0
    hi = max(2 * n_current, 2)
    while not clears(hi):
        hi *= 2
        if hi > 10**9:
            raise SamplingError("no feasible sample size / 无可行的样本量")
    lo = n_current  # clears(lo) is False, clears(hi) is True
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if clears(mid):
            hi = mid
        else:
            lo = mid
    return math.ceil((hi - n_current) / response_rate - 1e-9)
