"""Confidence intervals for design-based estimates.

Three intervals, each a pure function of a point estimate, its design-based variance and
the design degrees of freedom (df = #PSU − #strata):

- ``t_interval``: value ± t_{df, 1−α/2} · se, the usual Wald interval with design df
  (Korn & Graubard 1999, *Analysis of Health Surveys*, §5.2). R's ``confint.svystat`` uses
  normal quantiles unless ``df=`` is passed; we always pass the design df.
- ``logit_interval``: Wald interval on the log-odds scale, back-transformed; the variance of
  logit(p̂) is var(p̂) / (p̂(1−p̂))² — what R ``survey::svyciprop(method="logit")`` gets from an
  intercept-only quasibinomial ``svyglm`` with ``confint(..., ddf=degf(design))``.
- ``korn_graubard_interval``: Clopper–Pearson with the effective sample size
  n_eff = p̂(1−p̂)/var(p̂), scaled by (t_{n−1}/t_{df})² (Korn & Graubard 1998, "Confidence
  intervals for proportions with small expected number of positive counts estimated from
  survey data", *Survey Methodology* 24:193–201), exactly as R ``svyciprop(method="beta")``.
  When p̂ is 0 or 1 the variance is 0 and n_eff is undefined (R returns NaN); we then use
  n_eff = n, the number of observations, as Korn & Graubard (1998) recommend, so a
  zero-failure sample still gets an upper bound above 0.
"""

from __future__ import annotations

import math

# scipy.special's stdtrit/betaincinv/ndtri are what stats.t/beta/norm.ppf compute, without
# scipy.stats' ~1 s import (a spot-check's time budget).
from scipy import special

from registry.errors import ExitcheckError


class EstimationError(ExitcheckError):
    """Bad input to a survey estimate: the message says what and where, in Chinese and English."""


def _check_level(level: float) -> float:
    if not 0.0 < level < 1.0:
        raise EstimationError(
            f"置信水平必须在 0 和 1 之间，收到 {level!r}。 / "
            f"The confidence level must lie between 0 and 1, got {level!r}."
        )
    return float(level)


def t_quantile(level: float, df: float) -> float:
    """Upper (1+level)/2 quantile of Student's t with ``df`` degrees of freedom."""
    return float(special.stdtrit(df, 0.5 + _check_level(level) / 2.0))


def t_interval(value: float, se: float, df: float, level: float) -> tuple[float, float]:
    """Wald interval value ± t_{df}·se.

    Args:
        value: point estimate.
        se: its standard error.
        df: design degrees of freedom.
        level: confidence level in (0, 1).

    Returns:
        (low, high).
    """
    half = t_quantile(level, df) * se
    return value - half, value + half


def logit_interval(p: float, se: float, df: float, level: float) -> tuple[float, float]:
    """Logit-scale Wald interval for a proportion 0 < p < 1 (R ``svyciprop`` "logit").

    Args:
        p: estimated proportion, strictly between 0 and 1.
        se: design-based standard error of p.
        df: design degrees of freedom.
        level: confidence level in (0, 1).

    Returns:
        (low, high) on the probability scale.
    """
    if not 0.0 < p < 1.0:
        raise EstimationError(
            f"logit 区间要求 0 < p < 1，收到 {p!r}。 / "
            f"The logit interval needs 0 < p < 1, got {p!r}."
        )
    eta = math.log(p / (1.0 - p))
    half = t_quantile(level, df) * se / (p * (1.0 - p))
    return _expit(eta - half), _expit(eta + half)


def korn_graubard_interval(
    p: float, var: float, n: int, df: float, level: float, min_deff: float | None = None
) -> tuple[float, float, float]:
    """Korn–Graubard (1998) beta interval for a proportion (R ``svyciprop`` "beta").

    Args:
        p: estimated proportion in [0, 1].
        var: design-based variance of p.
        n: number of observations (rows) behind p; R uses ``nrow(design)``.
        df: design degrees of freedom.
        level: confidence level in (0, 1).
        min_deff: None (R's behaviour) or a floor on the estimated design effect. With 1.0 the
            effective sample size never exceeds n, as Korn & Graubard (1998) recommend and the
            NCHS Data Presentation Standards for Proportions (Parker et al. 2017) require: an
            estimated deff below 1 is noise from few PSUs, and trusting it narrows the interval
            exactly when few events were seen.

    Returns:
        (low, high, n_eff) where n_eff is the df-adjusted effective sample size used.
    """
    _check_level(level)
    # p̂ ∈ {0, 1} (or no between-PSU variation): fall back to the actual sample size.
    n_eff = p * (1.0 - p) / var if var > 0.0 and 0.0 < p < 1.0 else float(n)
    if min_deff is not None:
        n_eff = min(n_eff, n / min_deff)
    return beta_interval_at(p, n_eff, n, df, level)


def beta_interval_at(p: float, n_eff: float, n: int, df: float, level: float
                     ) -> tuple[float, float, float]:
    """Clopper–Pearson at an effective sample size, with Korn & Graubard's (1998) df factor.

    Args:
        p: estimated proportion in [0, 1].
        n_eff: effective sample size before the df correction.
        n: number of observations (the t_{n−1} of the correction).
        df: design degrees of freedom.
        level: confidence level in (0, 1).

    Returns:
        (low, high, n_eff × (t_{n−1}/t_df)²).
    """
    alpha = 1.0 - _check_level(level)
    if n > 1 and df > 0:
        n_eff *= (special.stdtrit(n - 1, alpha / 2.0) / special.stdtrit(df, alpha / 2.0)) ** 2
    x = n_eff * p
    low = 0.0 if x <= 0.0 else float(special.betaincinv(x, n_eff - x + 1.0, alpha / 2.0))
    high = (1.0 if n_eff - x <= 0.0
            else float(special.betaincinv(x + 1.0, n_eff - x, 1.0 - alpha / 2.0)))
    return low, high, float(n_eff)


def _expit(eta: float) -> float:
    if eta >= 0:
        return 1.0 / (1.0 + math.exp(-eta))
    e = math.exp(eta)
    return e / (1.0 + e)
