"""Typed check and threshold settings, with the official values as defaults.

:class:`CheckSettings` is derived from the household checks (:mod:`registry.checks`): each
check declares its parameters with their official defaults, and every parameter is a field
here, in check order. The income lines and :class:`UnknownIncomeLineError` come from
:mod:`registry.checks.income`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, create_model, field_validator

from registry.checks.base import Parameter
from registry.checks.catalogue import household_checks
from registry.checks.income import OFFICIAL_INCOME_LINES as OFFICIAL_INCOME_LINES
from registry.checks.income import UnknownIncomeLineError as UnknownIncomeLineError
from registry.checks.income import income_line as _income_line
from registry.contract import REGIONS


class CIMethod(StrEnum):
    """Confidence interval for a proportion: Korn–Graubard (beta) first, the default."""

    BETA = "beta"
    LOGIT = "logit"


class _CheckSettingsBase(BaseModel):
    """Parameters of the household checks (one field per parameter a check declares)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def income_line(self, year: int) -> float:
        """The income line of ``year``; an unknown year is an error, never a guess."""
        return _income_line(getattr(self, "income_lines"), year)  # noqa: B009 - a derived field


def _field(p: Parameter) -> tuple[Any, Any]:
    """A pydantic field definition (annotation, default) of one check parameter."""
    annotation = p.type if p.validate is None else Annotated[p.type, AfterValidator(p.validate)]
    if p.default_factory is not None:
        return annotation, Field(default_factory=p.default_factory, description=p.description)
    return annotation, Field(p.default, description=p.description)


CheckSettings: type[_CheckSettingsBase] = create_model(
    "CheckSettings",
    __base__=_CheckSettingsBase,
    __module__=__name__,
    __doc__="Parameters of the household checks, with the official values as defaults.",
    **{p.name: _field(p) for check in household_checks() for p in check.parameters},
)


class Thresholds(BaseModel):
    """County exit thresholds (专项评估检查) and the confidence of their intervals."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    wrong_exit_max: float = 0.02
    missed_max: float = 0.02
    recognition_min: float = 0.90
    incidence_max: dict[str, float] = Field(
        default_factory=lambda: {"east": 0.02, "central": 0.02, "west": 0.03}
    )
    confidence: float = 0.95
    ci_method: CIMethod = CIMethod.BETA
    # Floor on the estimated design effect in the beta interval: the effective sample size
    # never exceeds the number of households (Korn & Graubard 1998; NCHS Data Presentation
    # Standards for Proportions, Parker et al. 2017). Without it the wrong-exit interval
    # covered the truth in 91.8 % of 500 simulated samples, with it 94.0 % (docs/methods.md §7).
    # None reproduces R survey's svyciprop exactly.
    min_deff: float | None = Field(1.0, gt=0)

    @field_validator("incidence_max")
    @classmethod
    def _regions(cls, v: dict[str, float]) -> dict[str, float]:
        missing = sorted(set(REGIONS) - set(v))
        if missing:
            raise ValueError(f"incidence_max needs every region, missing {missing}")
        return v
