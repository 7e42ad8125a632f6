"""The vocabulary of the integrity signals: their codes and names, their settings, one signal.

Shared by :mod:`assessment.signals` (the county signals) and :mod:`assessment.anomaly` (the
revisit ranking), which both import it and not each other the other way round.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field


class SignalCode(StrEnum):
    """The eight integrity signals, in report order."""

    SAME_YEAR = "same_year"
    QUICK_EXIT = "quick_exit"
    QUOTA = "quota"
    BUNCHING = "bunching"
    TRANSFER_DEPENDENT = "transfer_dependent"
    INCOME_GAP = "income_gap"
    SUPPORT_WITHDRAWN = "support_withdrawn"
    ANOMALY = "anomaly"


NAMES: dict[SignalCode, tuple[str, str]] = {
    SignalCode.SAME_YEAR: ("突击式：当年识别当年脱贫", "Same-year registration and exit"),
    SignalCode.QUICK_EXIT: ("指标式：识别后一年内脱贫", "Exit within a year of registration"),
    SignalCode.QUOTA: ("指标式：各村脱贫数过于均匀", "Exits per village more even than chance"),
    SignalCode.BUNCHING: ("算账式：收入扎堆在标准线上方", "Income bunching just above the line"),
    SignalCode.TRANSFER_DEPENDENT: (
        "一兜了之：有劳动力但收入几乎全靠转移性收入",
        "Labour present but income almost all transfers",
    ),
    SignalCode.INCOME_GAP: (
        "算账式：核实收入远低于登记收入",
        "Verified income far below the registry figure",
    ),
    SignalCode.SUPPORT_WITHDRAWN: ("游走式：脱贫后帮扶撤出", "Support withdrawn after exit"),
    SignalCode.ANOMALY: ("异常户排序（暗访名单）", "Anomaly ranking for unannounced revisits"),
}


class RateRule(BaseModel):
    """Flag a share when count ≥ min_count, share ≥ min_share and P(X ≥ x | baseline) < alpha."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    baseline: float = Field(gt=0, lt=1)
    min_share: float = Field(ge=0, le=1)
    min_count: int = Field(default=5, ge=1)
    alpha: float = Field(default=0.01, gt=0, lt=1)


class SignalSettings(BaseModel):
    """Thresholds of the integrity signals; every number the signals use is here."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    same_year: RateRule = RateRule(baseline=0.02, min_share=0.05)
    quick_exit: RateRule = RateRule(baseline=0.05, min_share=0.12)
    transfer_dependent: RateRule = RateRule(baseline=0.02, min_share=0.05)
    income_gap: RateRule = RateRule(baseline=0.02, min_share=0.03, min_count=3)
    # Signal 6 also flags when this many sampled exits were carried over the line by
    # non-countable income: each is a verified paper exit, whatever the rate.
    income_gap_carried_min: int = Field(default=5, ge=1)
    support_withdrawn: RateRule = RateRule(baseline=0.05, min_share=0.10)
    quick_exit_years: int = Field(default=1, ge=1)
    transfer_share: float = Field(default=0.90, gt=0, le=1)
    income_gap_ratio: float = Field(default=0.70, gt=0, lt=1)
    # Quota: dispersion test.
    quota_alpha: float = Field(default=0.01, gt=0, lt=1)
    quota_min_exits: int = Field(default=20, ge=1)
    quota_min_villages: int = Field(default=5, ge=2)
    bootstrap_reps: int = Field(default=999, ge=99)
    # Bunching: bins and window in shares of the line.
    bunching_bin: float = Field(default=0.01, gt=0)
    bunching_window: float = Field(default=0.05, gt=0)
    bunching_fit_upper: float = Field(default=2.0, gt=1)
    bunching_degree: int = Field(default=2, ge=1, le=5)
    bunching_alpha: float = Field(default=0.01, gt=0, lt=1)
    bunching_min_ratio: float = Field(default=0.30, ge=0)
    bunching_min_households: int = Field(default=100, ge=10)
    bunching_reps: int = Field(default=299, ge=99)
    # Support withdrawn: windows of years before/after the exit year.
    support_window_years: int = Field(default=3, ge=1)
    support_min_before: float = Field(default=1000.0, ge=0)
    support_drop_ratio: float = Field(default=0.20, gt=0, lt=1)
    # Anomaly ranking.
    revisit_top_n: int = Field(default=50, ge=1)
    forest_trees: int = Field(default=100, ge=10)
    forest_fit_max: int = Field(default=20_000, ge=256)
    reasons_per_household: int = Field(default=3, ge=1)
    reason_max_tail: float = Field(default=0.10, gt=0, le=0.5)


@dataclass(frozen=True)
class Signal:
    """One integrity signal of one county: a finding, never a verdict."""

    code: str
    name_zh: str
    name_en: str
    flagged: bool
    statistic: float
    p_value: float | None
    threshold: str
    households: tuple[str, ...]
    n_involved: int
    explanation_zh: str
    explanation_en: str
    computed: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code, "name_zh": self.name_zh, "name_en": self.name_en,
            "flagged": self.flagged, "computed": self.computed,
            "statistic": _num(self.statistic), "p_value": _num(self.p_value),
            "threshold": self.threshold, "n_involved": self.n_involved,
            "households": list(self.households),
            "households_truncated": self.n_involved > len(self.households),
            "explanation_zh": self.explanation_zh, "explanation_en": self.explanation_en,
        }


def _num(x: float | None) -> float | None:
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else x


def column(h: pd.DataFrame, name: str, mask: np.ndarray | None = None) -> np.ndarray:
    """A column of ``h`` as a NumPy array, optionally only the rows of a boolean mask."""
    c = h[name]
    return (c if mask is None else c[mask]).to_numpy()
