"""Income: verified per-capita net income at or above the year's line.

Earmarked subsidies, one-off relief, unsold produce and expected income do not count: a
household that reaches the line only with them fails with ``INCOME_NOT_COUNTABLE`` (a paper
exit by arithmetic, 算账式脱贫).

Income lines at current prices (2010 line 2300 yuan) from the State Council Leading Group
Office of Poverty Alleviation and Development. 2017 and 2018 are not confirmed in public
sources, so they are absent: a campaign for those years must state its line explicitly.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from registry.checks.base import (
    FAIL,
    PASS,
    UNVERIFIED,
    CheckContext,
    FieldFacts,
    HouseholdCheck,
    Parameter,
    Planting,
    Verdicts,
    read_number,
    select_rules,
)
from registry.columns import NON_NEGATIVE, Column
from registry.errors import ExitcheckError

OFFICIAL_INCOME_LINES: dict[int, float] = {
    2011: 2536.0,
    2012: 2625.0,
    2013: 2736.0,
    2014: 2800.0,
    2015: 2855.0,
    2016: 2952.0,
    2019: 3218.0,
    2020: 4000.0,
}


class UnknownIncomeLineError(ExitcheckError):
    """The campaign year has no income line in the configuration."""


def income_line(lines: Mapping[int, float], year: int) -> float:
    """The income line of ``year``; an unknown year is an error, never a guess."""
    if year not in lines:
        known = ", ".join(str(y) for y in sorted(lines))
        raise UnknownIncomeLineError(
            f"No income line is configured for {year} (known: {known}). State it in the "
            f"campaign config under [checks.income_lines]. / 配置中没有{year}年的收入标准，"
            f"请在活动配置 [checks.income_lines] 中明确填写。"
        )
    return lines[year]


def _positive_lines(v: dict[int, float]) -> dict[int, float]:
    bad = {y: x for y, x in v.items() if not x > 0}
    if bad:
        raise ValueError(f"income lines must be > 0, got {bad}")
    return v


def evaluate(f: pd.DataFrame, ctx: CheckContext) -> Verdicts:
    """Pass at or above the line; fail below it, or when only non-countable income lifts it."""
    line = income_line(ctx.param("income_lines"), ctx.year)
    v = read_number(f, "verified_income_per_capita", non_negative=False)
    nc = np.nan_to_num(read_number(f, "income_not_countable", non_negative=True), nan=0.0)
    below = v < line
    counted_in = below & (nc > 0) & (v + nc >= line)  # 算账式: passes only with what must not count
    return select_rules(len(f), [
        (v >= line, PASS, "INCOME_OK"),
        (counted_in, FAIL, "INCOME_NOT_COUNTABLE"),
        (below, FAIL, "INCOME_BELOW_LINE"),
    ], (UNVERIFIED, "INCOME_MISSING"))


def synth_field(facts: FieldFacts, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The true income, kept just below the line when the check fails; a paper exit also
    shows the non-countable income that lifted its registry figure."""
    income = np.round(facts.truth["true_income_per_capita"].to_numpy(float), 2)
    income = np.where(facts.fail, np.minimum(income, facts.income_line - 0.01), income)
    return {
        "verified_income_per_capita": income,
        "income_not_countable": np.round(facts.truth["income_not_countable"].to_numpy(float), 2),
    }


CHECK = HouseholdCheck(
    name="income",
    columns=(
        Column("verified_income_per_capita", "核实人均纯收入", "float", nullable=True,
               bounds=NON_NEGATIVE),
        Column("income_not_countable", "不应计入收入", "float", nullable=True,
               bounds=NON_NEGATIVE),
    ),
    reasons={
        "INCOME_OK": (
            "核实的人均纯收入达到当年扶贫标准。",
            "Verified net income per person reaches the year's poverty line.",
        ),
        "INCOME_BELOW_LINE": (
            "核实的人均纯收入低于当年扶贫标准。",
            "Verified net income per person is below the year's poverty line.",
        ),
        "INCOME_NOT_COUNTABLE": (
            "核实的人均纯收入低于扶贫标准；只有把专项补贴、一次性救助、未售出的农产品或预期收入"
            "算进去才能达标（“算账式”脱贫）。",
            "Verified net income per person is below the poverty line; it only reaches the line "
            "if earmarked subsidies, one-off relief, unsold produce or expected income are "
            "counted (a paper exit by arithmetic).",
        ),
        "INCOME_MISSING": (
            "没有核实的人均纯收入，需要补充核实。",
            "Net income per person was not verified; it must be verified on a return visit.",
        ),
    },
    evaluate=evaluate,
    synth_field=synth_field,
    planting=Planting(wrong_exit=0.45, missed=0.60, poor_extra=0.0),
    parameters=(
        Parameter("income_lines", dict[int, float],
                  default_factory=lambda: dict(OFFICIAL_INCOME_LINES),
                  description="income line (yuan per person and year) of each year",
                  validate=_positive_lines),
    ),
    # Income is verified on documents after the observed living conditions.
    form_rank=70,
)
