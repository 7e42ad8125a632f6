"""The one catalogue of reason codes: household checks, the standard, indicator notes.

Each code maps to (Chinese, English) text written for a provincial clerk and for the
household concerned: it states the observed fact, never a policy quiz. A household check
declares its own codes and texts with the check (:mod:`registry.checks`); this module adds
those of the household standard and of the county indicators.
"""

from __future__ import annotations

from typing import Literal

from registry.checks.catalogue import household_checks

__all__ = ["MESSAGES", "UnknownReasonError", "explain"]

Lang = Literal["zh", "en"]

_STANDARD_AND_INDICATORS: dict[str, tuple[str, str]] = {
    # the household standard
    "STANDARD_MEETS": (
        "各项检查均符合，达到脱贫标准。",
        "Every check is met: the household meets the exit standard.",
    ),
    "STANDARD_FAILS": (
        "至少一项检查不符合，未达到脱贫标准。",
        "At least one check is not met: the household does not meet the exit standard.",
    ),
    "STANDARD_UNVERIFIED": (
        "没有不符合的检查，但有未核实的项目，需要补充走访后再判断。",
        "No check failed, but some were not verified: a return visit is needed before a "
        "judgement.",
    ),
    # county indicators
    "INDICATOR_EMPTY_DOMAIN": (
        "该指标还没有可用的已完成且已核实的样本户，无法估计；在补齐样本前按“临界”处理。",
        "No completed and verified household is available for this indicator yet, so it "
        "cannot be estimated; it is treated as borderline until the sample is complete.",
    ),
    "INDICATOR_NO_DF": (
        "样本村太少（每层只有一个村），无法计算置信区间；在补齐样本前按“临界”处理。",
        "Too few sampled villages (one per stratum) to compute a confidence interval; it is "
        "treated as borderline until the sample is complete.",
    ),
}


#: Every code: the reasons each household check declares (registry.checks), in check order,
#: then the household standard and the county indicators.
MESSAGES: dict[str, tuple[str, str]] = {
    **{code: text for check in household_checks() for code, text in check.reasons.items()},
    **_STANDARD_AND_INDICATORS,
}


class UnknownReasonError(KeyError):
    """A reason code that is not in the catalogue."""


def explain(code: str, lang: Lang = "zh") -> str:
    """The text of a reason code, or of several codes joined with ";".

    Args:
        code: a catalogue code such as "INCOME_BELOW_LINE", or "A;B".
        lang: "zh" (default) or "en".

    Returns:
        The message; joined codes give their messages joined with a space.
    """
    if lang not in ("zh", "en"):
        raise ValueError(f"language must be 'zh' or 'en', got {lang!r} / 语言只能是 zh 或 en")
    i = 0 if lang == "zh" else 1
    parts = [c.strip() for c in str(code).split(";") if c.strip()]
    unknown = [c for c in parts if c not in MESSAGES]
    if unknown or not parts:
        raise UnknownReasonError(f"未知的原因代码 / unknown reason code: {code!r}")
    return " ".join(MESSAGES[c][i] for c in parts)
