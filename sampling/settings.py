"""Typed sampling settings, with defaults that match assessment practice.

About 24 villages per county (8 poor-remote, 10 poor, 6 non-poor) and about 45 households
per village give 900–1,500 households per county, the range used by the third-party
assessments of 2016–2020.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from registry.contract import HOUSEHOLD_STRATA, VILLAGE_STRATA


class VillageMethod(StrEnum):
    """How stage-1 villages are drawn within a village stratum."""

    PPS_SYSTEMATIC = "pps_systematic"
    SRS = "srs"


class CountyMethod(StrEnum):
    """How counties are drawn within a province stratum."""

    SRS = "srs"
    PPS = "pps"


class Allocation(StrEnum):
    """How a county sample is allocated to province strata."""

    PROPORTIONAL = "proportional"
    NEYMAN = "neyman"


DEFAULT_VILLAGES_PER_STRATUM: dict[str, int] = {"poor_remote": 8, "poor": 10, "non_poor": 6}
DEFAULT_HOUSEHOLDS_PER_VILLAGE: dict[str, int] = {"exited": 24, "poor": 6, "risk": 8, "other": 8}
DEFAULT_RESERVES_PER_STRATUM: dict[str, int] = {"exited": 6, "poor": 2, "risk": 3, "other": 3}


def _check_keys(value: dict[str, int], allowed: tuple[str, ...], what: str) -> dict[str, int]:
    what_zh = {"village stratum": "村样本层", "household stratum": "户样本层"}.get(what, what)
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise ValueError(
            f"unknown {what} {unknown}; allowed: {list(allowed)} / 未知的{what_zh}：{unknown}，"
            f"可用的有：{list(allowed)}"
        )
    negative = {k: v for k, v in value.items() if v < 0}
    if negative:
        raise ValueError(f"{what} sizes must be ≥ 0, got {negative} / 样本量不能为负数")
    return value


def _complete(value: dict[str, int], defaults: dict[str, int]) -> dict[str, int]:
    # A partial table (e.g. only "poor" in the campaign TOML) keeps the defaults for the other
    # strata rather than silently sampling nothing from them; 0 must be written explicitly.
    return {k: int(value.get(k, d)) for k, d in defaults.items()}


class SamplingSettings(BaseModel):
    """Sizes and methods of the two-stage household sample of one county.

    Each table has one entry per stratum; strata left out keep their default size, and an
    unknown stratum name is an error.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    villages_per_stratum: dict[str, int] = Field(
        default_factory=lambda: dict(DEFAULT_VILLAGES_PER_STRATUM)
    )
    village_method: VillageMethod = VillageMethod.PPS_SYSTEMATIC
    # Households per village and stratum. For "risk" this is the cap: all risk-flagged
    # non-registered households are taken up to this many.
    households_per_village: dict[str, int] = Field(
        default_factory=lambda: dict(DEFAULT_HOUSEHOLDS_PER_VILLAGE)
    )
    reserves_per_stratum: dict[str, int] = Field(
        default_factory=lambda: dict(DEFAULT_RESERVES_PER_STRATUM)
    )

    @field_validator("villages_per_stratum")
    @classmethod
    def _villages(cls, v: dict[str, int]) -> dict[str, int]:
        return _complete(_check_keys(v, VILLAGE_STRATA, "village stratum"),
                         DEFAULT_VILLAGES_PER_STRATUM)

    @field_validator("households_per_village")
    @classmethod
    def _households(cls, v: dict[str, int]) -> dict[str, int]:
        return _complete(_check_keys(v, HOUSEHOLD_STRATA, "household stratum"),
                         DEFAULT_HOUSEHOLDS_PER_VILLAGE)

    @field_validator("reserves_per_stratum")
    @classmethod
    def _reserves(cls, v: dict[str, int]) -> dict[str, int]:
        return _complete(_check_keys(v, HOUSEHOLD_STRATA, "household stratum"),
                         DEFAULT_RESERVES_PER_STRATUM)
