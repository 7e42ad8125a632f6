"""Small, picklable records that county tasks return (never DataFrames)."""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from typing import Literal

from registry.errors import ExitcheckError

Status = Literal["done", "cached", "failed"]


@dataclass(frozen=True)
class CountyOutcome:
    """What happened to one county in one step."""

    county_code: str
    step: str
    status: Status
    message: str = ""
    verdict: str | None = None
    provisional: bool | None = None
    seconds: float = 0.0
    inputs_sha256: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    households: int = 0
    # Fieldwork completion of an assessed county: drawn, visited, approved, completed,
    # reserves_used, pending (households).
    completion: dict[str, int] = field(default_factory=dict)

    @classmethod
    def failed(cls, county: str, step: str, error: BaseException | object) -> CountyOutcome:
        """A processing failure, with a reason a clerk can act on and no traceback."""
        if isinstance(error, BaseException):
            if isinstance(error, (ExitcheckError, OSError)):
                message = str(error)
            else:
                tb = traceback.extract_tb(error.__traceback__)
                where = f" at {tb[-1].filename.rsplit('/', 1)[-1]}:{tb[-1].lineno}" if tb else ""
                message = f"internal error {type(error).__name__}{where}: {error}"
        else:
            message = str(error)
        return cls(county, step, "failed", message=message)


@dataclass(frozen=True)
class CampaignSummary:
    """The outcome of a campaign step over all its counties."""

    step: str
    outcomes: tuple[CountyOutcome, ...]
    workspace: str

    @property
    def failed(self) -> list[CountyOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failed
