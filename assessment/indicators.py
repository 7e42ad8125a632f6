"""The four county exit indicators (专项评估检查) with confidence intervals and verdicts.

Definitions (DESIGN.md, "County exit thresholds"), all design-based under Taylor
linearisation (Särndal, Swensson & Wretman 1992, §5.5; Lohr, *Sampling*, §9.1) with the
village as PSU, on the completed visits with their final (response-adjusted) weights w:

- wrong-exit rate 错退率: Σ w·size·fails / Σ w·size over completed, verified households of the
  exited stratum. A person-weighted rate is a ratio; with weights w·size it is a proportion
  with the same linearised variance, so it gets a proportion's interval (Korn & Graubard
  1998 "beta" by default, which keeps an upper bound above 0 when no failure is found).
- missed rate 漏评率: the same over the non-registered strata (risk + other).
- recognition 群众认可度: household-weighted share of "yes" among interviewed households of the
  registered strata (exited + poor); "unsure" and "no" are interviewed and do not accept.
- composite incidence 综合贫困发生率: (P + p̂_w·E + p̂_m·R) / N, where P (people in poor or
  returned households), E (people in exited households), R (people in non-registered
  households) and N (rural population) are registry counts, known exactly; p̂_w and p̂_m are
  the two rates above. Its linearised variance is that of the one score E·z_w + R·z_m, so it
  includes their covariance. Its interval is Korn & Graubard's for the failure share
  q = (p̂_w·E + p̂_m·R)/(E + R), with the design effect floored at 1 against a stratified
  SRS of the same allocation — which keeps a component that saw no failure in the interval
  (see ``_incidence``).

The design is the full two-stage one when the scored frame carries
``sampling.design.DESIGN_COLUMNS`` (stage-1 strata, villages and FPC; stage-2 strata and
FPC), as R ``svydesign(ids=~var_psu+household_id, strata=~var_stratum+stage2_stratum,
fpc=~fpc1+fpc2, nest=TRUE)``; otherwise the village is the PSU in its village stratum.

Unverified households are left out of the rate denominators and counted; non-response is
counted by outcome.

Verdicts: pass when the point estimate and the confidence bound both meet the threshold
(upper bound < maximum; lower bound ≥ minimum), fail when the point estimate misses, otherwise
borderline, with the number of extra households that would settle it. An indicator that
cannot be estimated yet (no completed verified household in its domain, or no degrees of
freedom) is borderline with a reason code — never a pass, and never a failure the data do
not show. The incidence with one of its two domains still empty shows the partial value and
is borderline unless that partial value already fails.

Extra households for a borderline rate come from ``sampling.sample_size.extra_sample_for_bound``
with the design effect var(p̂)/(p̂(1−p̂)/n), floored at ``thresholds.min_deff`` as the interval
is, times the Korn–Graubard df factor (t_df/t_{n−1})², and capped at the households of the
domain not yet drawn in the sampled villages; for the incidence, the failure share q is asked
to clear (threshold·N − P)/(E + R).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from assessment.ci import beta_interval_at, t_quantile
from assessment.estimation import DfRule, Estimate, SurveyDesign
from assessment.settings import Thresholds
from registry.contract import CHECKS, HOUSEHOLD_STRATA, OUTCOMES, RECOGNITION, REGIONS
from registry.errors import ExitcheckError
from sampling.design import DESIGN_COLUMNS
from sampling.errors import SamplingError
from sampling.sample_size import extra_sample_for_bound

__all__ = [
    "INDICATORS",
    "CountyIndicators",
    "IndicatorInputError",
    "IndicatorResult",
    "RegistryCounts",
    "county_indicators",
    "verdict_for",
]

Direction = Literal["max", "min"]
Verdict = Literal["pass", "fail", "borderline"]

INDICATORS = ("wrong_exit_rate", "missed_rate", "recognition_rate", "incidence")
EXITED = ("exited",)
NON_REGISTERED = ("risk", "other")
REGISTERED = ("exited", "poor")
EMPTY_DOMAIN = "INDICATOR_EMPTY_DOMAIN"
NO_DF = "INDICATOR_NO_DF"
INDICATOR_REASONS = (EMPTY_DOMAIN, NO_DF)
NOT_ESTIMABLE = "not estimable"
# Degrees of freedom of every interval: chosen by simulation (docs/methods.md, "df").
DF_RULE = DfRule.DESIGN
SAMPLE_KEYS = ("households_drawn", "households_completed", "response_rate", "reserves_used")


class IndicatorInputError(ExitcheckError):
    """The scored sample or registry counts cannot be used; the message says where."""


@dataclass(frozen=True)
class RegistryCounts:
    """County counts from the registry (建档立卡 and village rosters), treated as known."""

    people_total: int  # rural population of the county
    people_poor: int  # people in households with status poor or returned
    households_total: int
    households_exited: int
    people_exited: int
    people_not_registered: int

    def __post_init__(self) -> None:
        bad = {k: v for k, v in asdict(self).items() if not (v >= 0)}
        if bad or not self.people_total > 0:
            raise IndicatorInputError(
                f"登记人口数必须为非负数，且农村总人口大于 0：{bad or asdict(self)}。 / Registry "
                f"counts must be ≥ 0 and the rural population > 0: {bad or asdict(self)}."
            )


@dataclass(frozen=True)
class IndicatorResult:
    """One indicator: estimate, interval, threshold and verdict."""

    value: float
    se: float
    ci_low: float
    ci_high: float
    threshold: float
    verdict: Verdict
    df: int | None
    method: str
    n_households: int
    extra_households: int | None
    direction: Direction
    reason: str | None = None  # a catalogue code when the indicator could not be estimated


def verdict_for(
    value: float, ci_low: float, ci_high: float, threshold: float, direction: Direction
) -> Verdict:
    """pass / fail / borderline of one estimate against its threshold (DESIGN.md).

    Args:
        value: point estimate (NaN: not estimable → borderline).
        ci_low: lower confidence bound.
        ci_high: upper confidence bound.
        threshold: the rule's maximum (direction "max", strict <) or minimum ("min", ≥).
        direction: "max" for the rates and incidence, "min" for recognition.

    Returns:
        "fail" if the point misses; "pass" if the point and the bound meet; else "borderline".
    """
    if not math.isfinite(value):
        return "borderline"
    if direction == "max":
        point, bound = value < threshold, ci_high < threshold
    else:
        point, bound = value >= threshold, ci_low >= threshold
    if not point:
        return "fail"
    return "pass" if bound else "borderline"


def _method_key(method: str) -> str | None:
    """The interval's short name for the report: "beta", "logit" or "t" (None: no estimate)."""
    if method == NOT_ESTIMABLE:
        return None
    if method.startswith("proportion: logit") and "undefined" not in method:
        return "logit"
    return "beta" if "beta" in method else "t"


def _json_float(x: float | None) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


@dataclass(frozen=True)
class CountyIndicators:
    """The county's four indicators, overall verdict and the counts behind them."""

    indicators: dict[str, IndicatorResult]
    verdict: Verdict
    failures_by_check: dict[str, float]  # weighted people, exited + non-registered domains
    failures_by_check_count: dict[str, int]  # households
    unverified_households: int
    unverified_by_stratum: dict[str, int]
    nonresponse: dict[str, int]  # non-completed outcome → households
    pending_households: int  # in play, no effective visit yet
    households_completed: int
    people_failing_exited: float  # T̂ of the wrong-exit part of the incidence
    people_failing_not_registered: float  # T̂ of the missed part
    registry: RegistryCounts
    region: str
    notes: dict[str, str] = field(default_factory=dict)  # indicator → reason code

    def result_json(
        self, county_code: str, sample_summary: dict[str, Any], provisional: bool
    ) -> dict[str, Any]:
        """Exactly the keys of WS/results/<county>.json (NaN becomes null).

        Args:
            county_code: six-digit county code.
            sample_summary: households_drawn, households_completed, response_rate,
                reserves_used (other keys are ignored).
            provisional: True while fieldwork is still arriving.
        """
        missing = [k for k in SAMPLE_KEYS if k not in sample_summary]
        if missing:
            raise IndicatorInputError(
                f"样本汇总缺少 {missing}。 / The sample summary lacks {missing}."
            )
        sample = {
            "households_drawn": int(sample_summary["households_drawn"]),
            "households_completed": int(sample_summary["households_completed"]),
            "response_rate": _json_float(sample_summary["response_rate"]),
            "reserves_used": int(sample_summary["reserves_used"]),
        }
        return {
            "county_code": str(county_code),
            "verdict": self.verdict,
            "indicators": {
                name: {
                    "value": _json_float(r.value),
                    "se": _json_float(r.se),
                    "ci_low": _json_float(r.ci_low),
                    "ci_high": _json_float(r.ci_high),
                    "threshold": _json_float(r.threshold),
                    "verdict": r.verdict,
                }
                for name, r in self.indicators.items()
            },
            "sample": sample,
            "failures_by_check": {c: float(v) for c, v in self.failures_by_check.items()},
            "provisional": bool(provisional),
        }

    def detail_json(self) -> dict[str, Any]:
        """Everything else the report needs: df, method, n, extra households, counts."""
        return {
            "indicators": {
                name: {
                    "direction": r.direction,
                    "df": r.df,
                    "method": _method_key(r.method),
                    "method_detail": r.method,
                    "n_households": int(r.n_households),
                    "extra_households": r.extra_households,
                    "reason": r.reason,
                }
                for name, r in self.indicators.items()
            },
            "failures_by_check_count": dict(self.failures_by_check_count),
            "unverified_households": int(self.unverified_households),
            "unverified_by_stratum": dict(self.unverified_by_stratum),
            "nonresponse": dict(self.nonresponse),
            "pending_households": int(self.pending_households),
            "households_completed": int(self.households_completed),
            "incidence_components": {
                "people_poor_registry": int(self.registry.people_poor),
                "people_total_registry": int(self.registry.people_total),
                "people_failing_exited": _json_float(self.people_failing_exited),
                "people_failing_not_registered": _json_float(self.people_failing_not_registered),
            },
            "registry": {k: int(v) for k, v in asdict(self.registry).items()},
            "region": self.region,
            "notes": dict(self.notes),
        }


# --------------------------------------------------------------------------- input
_REQUIRED = ("household_id", "stratum", "weight", "household_size", "standard", "recognition")


def _prepare(scored: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, dict[str, str | None]]:
    """Validate ``scored``; return it, the completed mask and the design's columns."""
    need = list(_REQUIRED)
    design = _design_columns(scored)
    need += [c for c in design.values() if c is not None]
    missing = [c for c in need if c not in scored.columns]
    if missing:
        raise IndicatorInputError(
            f"评分结果缺少列：{missing}。 / The scored sample lacks the columns {missing}."
        )
    bad_stratum = ~scored["stratum"].isin(HOUSEHOLD_STRATA)
    if bad_stratum.any():
        raise IndicatorInputError(
            f"户样本层只能是 {HOUSEHOLD_STRATA}，发现 "
            f"{sorted(map(str, scored.loc[bad_stratum, 'stratum'].unique()))}。 / The household "
            f"stratum must be one of {HOUSEHOLD_STRATA}."
        )
    standard = scored["standard"]
    bad_std = standard.notna() & ~standard.isin(("meets", "fails", "unverified"))
    if bad_std.any():
        raise IndicatorInputError(
            "“standard”列只能是 meets / fails / unverified 或留空。 / The 'standard' column must "
            "be meets, fails, unverified or blank."
        )
    if "outcome" in scored.columns:
        completed = scored["outcome"].eq("completed").fillna(False).to_numpy(dtype=bool)
        if (completed & standard.isna().to_numpy()).any():
            raise IndicatorInputError(
                "有已完成走访的户没有评分结果（standard 为空）。 / Some completed households have "
                "no 'standard' result."
            )
    else:
        completed = standard.notna().to_numpy()
    for check in CHECKS:
        if f"{check}_result" not in scored.columns:
            raise IndicatorInputError(
                f"评分结果缺少列 {check}_result。 / The scored sample lacks {check}_result."
            )
    return scored, completed, design


def _design_columns(scored: pd.DataFrame) -> dict[str, str | None]:
    """The SurveyDesign arguments: the full two-stage design when the columns are there
    (``sampling.design.DESIGN_COLUMNS``), else the village as PSU in its village stratum."""
    if all(c in scored.columns for c in DESIGN_COLUMNS):
        return {"strata": "var_stratum", "psu": "var_psu", "fpc": "fpc1",
                "strata2": "stage2_stratum", "fpc2": "fpc2"}
    return {"strata": "var_stratum" if "var_stratum" in scored.columns else "village_stratum",
            "psu": "var_psu" if "var_psu" in scored.columns else "village_code",
            "fpc": None, "strata2": None, "fpc2": None}


def _analysis_frame(scored: pd.DataFrame, completed: np.ndarray) -> pd.DataFrame:
    """Completed rows with 0/1 analysis columns and person weights."""
    d = scored.loc[completed].copy()
    size = pd.to_numeric(d["household_size"], errors="coerce")
    w = pd.to_numeric(d["weight"], errors="coerce")
    bad = ~(size >= 1) | ~(w >= 0)
    if bad.any():
        where = d.loc[bad, "household_id"].astype(str).head(3).tolist()
        raise IndicatorInputError(
            f"已完成走访户的家庭人口须 ≥ 1、权重须 ≥ 0，不符合的户：{where}。 / Completed "
            f"households need household_size ≥ 1 and weight ≥ 0; these do not: {where}."
        )
    stratum = d["stratum"].to_numpy(dtype=object)
    standard = d["standard"].to_numpy(dtype=object)
    fails = (standard == "fails").astype(float)
    verified = np.isin(standard, ("meets", "fails"))
    d["_size"] = size.to_numpy(dtype=float)
    d["_pw"] = w.to_numpy(dtype=float) * d["_size"]
    d["_w"] = w.to_numpy(dtype=float)
    d["_fails"] = fails
    d["_exited"] = np.isin(stratum, EXITED) & verified
    d["_nonreg"] = np.isin(stratum, NON_REGISTERED) & verified
    rec = d["recognition"]
    d["_interviewed"] = np.isin(stratum, REGISTERED) & rec.isin(RECOGNITION).to_numpy()
    d["_yes"] = rec.eq("yes").fillna(False).to_numpy(dtype=float)
    # Unverified households (awaiting a revisit) are out of the rate denominators; for the
    # incidence's total of failing people their weight is spread over the verified households
    # of the same domain (a weighting-class adjustment, Lohr ch. 8), so the domain's people
    # are all counted at its verified failure rate — never as if the unverified all met the
    # standard. The factor is treated as fixed in the variance.
    pw = d["_pw"].to_numpy()
    for col, domain, verified_domain in (
            ("_z_exited", np.isin(stratum, EXITED), d["_exited"].to_numpy(bool)),
            ("_z_nonreg", np.isin(stratum, NON_REGISTERED), d["_nonreg"].to_numpy(bool))):
        den = pw[verified_domain].sum()
        factor = pw[domain].sum() / den if den > 0 else 1.0
        d[col] = d["_size"] * fails * verified_domain * factor
    d["_z"] = d["_z_exited"] + d["_z_nonreg"]
    return d


# --------------------------------------------------------------------------- estimation
def _not_estimable(
    threshold: float, direction: Direction, n: int, reason: str, df: int | None
) -> IndicatorResult:
    nan = float("nan")
    return IndicatorResult(nan, nan, nan, nan, threshold, "borderline", df,
                           NOT_ESTIMABLE, n, None, direction, reason)


def _deff(est: Estimate, n: int, level: float, min_deff: float | None = 1.0) -> float:
    """Design effect of a proportion for planning, with the Korn–Graubard df factor.

    The variance ratio var(p̂)/(p(1−p)/n) (Kish 1965, §8.2; 1 when p̂ is 0 or 1), floored at
    ``min_deff`` as the interval itself is (Korn & Graubard 1998), times (t_df/t_{n−1})², the
    factor by which Korn & Graubard (1998) shrink the effective sample when the design has
    few PSUs: more households in the same villages keep that df.
    """
    p = est.value
    ratio = float(est.se**2 / (p * (1.0 - p) / n)) if n >= 1 and 0 < p < 1 and est.se > 0 else 1.0
    if min_deff is not None:
        ratio = max(ratio, min_deff)
    if n > 1 and est.df > 0:
        ratio *= (t_quantile(level, est.df) / t_quantile(level, n - 1)) ** 2
    return ratio


def _extra(
    est: Estimate, threshold: float, n: int, direction: Direction, response_rate: float,
    confidence: float, remaining: int | None = None,
) -> int | None:
    """Extra households to field for a borderline proportion (sampling.sample_size).

    Capped at ``remaining``, the households of the domain's cells in the sampled villages not
    yet drawn: more cannot be fielded there (new villages would be needed). None when none
    are left.
    """
    try:
        extra = extra_sample_for_bound(
            est.value, threshold, n, deff=_deff(est, n, confidence), direction=direction,
            response_rate=response_rate, confidence=confidence,
        )
    except SamplingError:
        return None
    # The planning bound (Clopper–Pearson at n/deff) only approximates the design interval;
    # a borderline result needs at least one more household whatever it says.
    extra = max(int(extra), 1)
    if remaining is None or extra <= remaining:
        return extra
    # More than the sampled villages still hold: field what is left, or, when nothing is
    # left, no number (new villages would be needed; never a false "0 more households").
    return int(remaining) if remaining > 0 else None


def _remaining(scored: pd.DataFrame, strata: tuple[str, ...]) -> int | None:
    """Households of the given household strata in the sampled villages not yet in play."""
    if "N_vh" not in scored.columns:
        return None
    rows = scored[scored["stratum"].isin(strata)]
    cells = rows.groupby(["village_code", "stratum"]).agg(N=("N_vh", "first"),
                                                          k=("household_id", "size"))
    return int((cells["N"] - cells["k"]).clip(lower=0).sum())


def _proportion(
    design: SurveyDesign, domain: np.ndarray, col: str, threshold: float, direction: Direction,
    thresholds: Thresholds, response_rate: float, remaining: int | None = None,
) -> tuple[IndicatorResult, Estimate | None]:
    n = int(domain.sum())
    if n == 0:
        return _not_estimable(threshold, direction, 0, EMPTY_DOMAIN, design.df), None
    if design.df < 1:
        return _not_estimable(threshold, direction, n, NO_DF, design.df), None
    est = design.subset(domain).proportion(
        col, ci=str(thresholds.ci_method), level=thresholds.confidence,
        min_deff=thresholds.min_deff,
    )
    verdict = verdict_for(est.value, est.ci_low, est.ci_high, threshold, direction)
    extra = (
        _extra(est, threshold, n, direction, response_rate, thresholds.confidence, remaining)
        if verdict == "borderline" else None
    )
    return IndicatorResult(
        est.value, est.se, est.ci_low, est.ci_high, threshold, verdict, est.df, est.method, n,
        extra, direction,
    ), est


def _incidence(
    design: SurveyDesign | None, d: pd.DataFrame, registry: RegistryCounts, threshold: float,
    wrong: Estimate | None, missed: Estimate | None, response_rate: float, level: float,
    min_deff: float | None = 1.0, remaining: int | None = None,
) -> tuple[IndicatorResult, float, float]:
    """Composite incidence from the registry's known totals; see the module docstring.

    I = (P + p̂_w·E + p̂_m·R)/N. Its linearised variance is that of the one score
    z = E·z_w + R·z_m (z_c the ratio scores of the two rates), so it includes their
    covariance. The interval is Korn & Graubard's (1998) for the people-weighted failure
    share q = (p̂_w·E + p̂_m·R)/(E + R) — a proportion of the E + R people — with
    n_eff = q(1−q)/var(q), floored at a design effect of 1 relative to a stratified simple
    random sample of the same allocation, n_eff ≤ 1/Σ_c a_c²/n_c (a_c = E/(E+R), R/(E+R);
    n_c the verified households), and the design-df correction. The floor is what widens the
    interval when a component has seen no failure: its share of the uncertainty is then
    imputed at the pooled rate q, never at 0.
    """
    n_exited, n_nonreg = int(d["_exited"].sum()), int(d["_nonreg"].sum())
    n = n_exited + n_nonreg
    if design is None or n == 0:
        return _not_estimable(threshold, "max", n, EMPTY_DOMAIN, None), math.nan, math.nan
    if design.df < 1:
        return _not_estimable(threshold, "max", n, NO_DF, design.df), math.nan, math.nan
    big_p, big_n = float(registry.people_poor), float(registry.people_total)
    big_e, big_r = float(registry.people_exited), float(registry.people_not_registered)
    people = big_e + big_r
    pw = d["_pw"].to_numpy(dtype=float)
    fails = d["_fails"].to_numpy(dtype=float)
    z = np.zeros(len(d))
    parts: list[float] = []
    for dom, known in (("_exited", big_e), ("_nonreg", big_r)):
        inside = d[dom].to_numpy(dtype=bool)
        den = float(pw[inside].sum())
        p_c = float(pw[inside] @ fails[inside]) / den if den > 0 else 0.0
        z += np.where(inside, known * pw * (fails - p_c) / den if den > 0 else 0.0, 0.0)
        parts.append(p_c * known)
    t_exited, t_nonreg = parts
    value = (big_p + t_exited + t_nonreg) / big_n
    var_t = design._variance(z)
    se = math.sqrt(var_t) / big_n
    df = design._df_for(z)
    q = (t_exited + t_nonreg) / people if people > 0 else 0.0
    var_q = var_t / people**2 if people > 0 else 0.0
    a = np.array([big_e, big_r]) / people if people > 0 else np.zeros(2)
    ns = np.array([n_exited, n_nonreg], dtype=float)
    used = ns > 0
    cap = 1.0 / float(np.sum(a[used] ** 2 / ns[used])) if np.any(a[used] > 0) else float(n)
    if min_deff is not None:
        cap /= min_deff
    n_eff0 = q * (1.0 - q) / var_q if var_q > 0 and 0.0 < q < 1.0 else cap
    q_low, q_high, _ = beta_interval_at(q, min(n_eff0, cap), n, df, level)
    low = (big_p + q_low * people) / big_n
    high = (big_p + q_high * people) / big_n
    method = ("incidence from known registry totals (P + p_w E + p_m R)/N: Taylor "
              "linearisation, beta (Korn-Graubard) on the failure share, deff >= 1 vs "
              "stratified SRS")
    verdict = verdict_for(value, low, high, threshold, "max")
    reason = None
    if verdict != "fail" and (n_exited == 0 or n_nonreg == 0):
        # One part has no data yet: the estimate is incomplete, so it cannot pass.
        verdict, reason = "borderline", EMPTY_DOMAIN
    extra = None
    if verdict == "borderline" and reason is None:
        r = (threshold * big_n - big_p) / people if people > 0 else math.nan
        if 0.0 < r < 1.0 and q < r:
            share = Estimate(q, math.sqrt(var_q) if var_q > 0 else 0.0, q_low, q_high, df, "q")
            extra = _extra(share, r, n, "max", response_rate, level, remaining)
    return IndicatorResult(
        value, se, low, high, threshold, verdict, df, method, n, extra, "max", reason,
    ), t_exited, t_nonreg


def county_indicators(
    scored: pd.DataFrame,
    *,
    registry: RegistryCounts,
    region: str,
    thresholds: Thresholds,
) -> CountyIndicators:
    """Estimate the four exit indicators of one county and give their verdicts.

    Args:
        scored: one row per household in play in the sample: household_id, stratum
            (exited / poor / risk / other), weight (final), household_size, standard
            (meets / fails / unverified, blank if not completed), recognition, outcome,
            each ``<check>_result``, and the variance design: var_stratum / var_psu, or else
            village_stratum / village_code.
        registry: the county's registry counts (treated as known).
        region: east / central / west (sets the incidence threshold).
        thresholds: thresholds, confidence level and interval method.

    Returns:
        The indicators, the overall verdict (fail if any fails, else borderline if any is
        borderline, else pass) and the counts behind them.
    """
    if region not in REGIONS or region not in thresholds.incidence_max:
        raise IndicatorInputError(
            f"地域只能是 {REGIONS}，收到 {region!r}。 / The region must be one of {REGIONS}, "
            f"got {region!r}."
        )
    scored, completed, cols = _prepare(scored)
    d = _analysis_frame(scored, completed)

    outcome = (
        scored["outcome"] if "outcome" in scored.columns
        else pd.Series(np.where(completed, "completed", None), index=scored.index)
    )
    # "pending" (sampling.substitution) or blank: in play, no approved visit yet.
    pending = int((outcome.isna() | outcome.eq("pending")).sum())
    counts = outcome.dropna().value_counts()
    nonresponse = {o: int(counts.get(o, 0)) for o in OUTCOMES if o != "completed"}
    n_nonresp = sum(nonresponse.values())
    n_completed = int(completed.sum())
    response_rate = n_completed / (n_completed + n_nonresp) if n_completed else 1.0

    design_hh = design_pw = None
    if len(d):
        design_hh = SurveyDesign(d, weights="_w", df_rule=DF_RULE, **cols)
        design_pw = SurveyDesign(d, weights="_pw", df_rule=DF_RULE, **cols)

    inds: dict[str, IndicatorResult] = {}
    ests: dict[str, Estimate | None] = {}
    specs = [
        ("wrong_exit_rate", design_pw, "_exited", "_fails", thresholds.wrong_exit_max, "max",
         EXITED),
        ("missed_rate", design_pw, "_nonreg", "_fails", thresholds.missed_max, "max",
         NON_REGISTERED),
        ("recognition_rate", design_hh, "_interviewed", "_yes", thresholds.recognition_min,
         "min", REGISTERED),
    ]
    for name, design, dom, col, thr, direction, strata in specs:  # three, not households
        if design is None:
            inds[name], ests[name] = _not_estimable(thr, direction, 0, EMPTY_DOMAIN, None), None
        else:
            inds[name], ests[name] = _proportion(
                design, d[dom].to_numpy(dtype=bool), col, thr, direction, thresholds,
                response_rate, _remaining(scored, strata),
            )
    inds["incidence"], t_exited, t_nonreg = _incidence(
        design_pw, d, registry, thresholds.incidence_max[region], ests["wrong_exit_rate"],
        ests["missed_rate"], response_rate, thresholds.confidence, thresholds.min_deff,
        _remaining(scored, EXITED + NON_REGISTERED),
    )

    verdicts = {r.verdict for r in inds.values()}
    verdict: Verdict = (
        "fail" if "fail" in verdicts else "borderline" if "borderline" in verdicts else "pass"
    )

    in_domains = np.isin(d["stratum"].to_numpy(dtype=object), EXITED + NON_REGISTERED)
    people = (d["_pw"] * in_domains).to_numpy()
    failures: dict[str, float] = {}
    failure_counts: dict[str, int] = {}
    for check in CHECKS:  # seven checks
        fails = d[f"{check}_result"].eq("fail").fillna(False).to_numpy(dtype=bool) & in_domains
        failures[check] = float(people[fails].sum())
        failure_counts[check] = int(fails.sum())

    unverified = d["standard"].eq("unverified").fillna(False).to_numpy(dtype=bool)
    by_stratum = d.loc[unverified, "stratum"].value_counts()
    return CountyIndicators(
        indicators={k: inds[k] for k in INDICATORS},
        verdict=verdict,
        failures_by_check=failures,
        failures_by_check_count=failure_counts,
        unverified_households=int(unverified.sum()),
        unverified_by_stratum={s: int(by_stratum.get(s, 0)) for s in HOUSEHOLD_STRATA},
        nonresponse=nonresponse,
        pending_households=pending,
        households_completed=n_completed,
        people_failing_exited=t_exited,
        people_failing_not_registered=t_nonreg,
        registry=registry,
        region=region,
        notes={k: r.reason for k, r in inds.items() if r.reason},
    )
