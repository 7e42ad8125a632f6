"""Typed flow parameters: what the Prefect UI shows as a run form, and what the CLI passes.

Each parameter is a pydantic type with a description; Prefect builds the deployment's form
from their JSON schema and validates every run's parameters against it. Prefect 3 takes a
parameter's description from the flow's docstring (its Google-style ``Args:`` section), so
:func:`described` writes that section from the types' descriptions: each is written once.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import Field, StringConstraints
from pydantic.fields import FieldInfo

from assessment import messages
from flows.store.config import CampaignConfig

#: A county's national administrative division code: six digits, always a string.
CountyCode = Annotated[str, StringConstraints(pattern=r"^\d{6}$"),
                       Field(description="County code, six digits (e.g. 520324).")]
DataDir = Annotated[Path, Field(description="Campaign data folder: the contract's tables "
                                            "(counties, villages, households, members, "
                                            "field_checks, support_history).")]
WorkspaceDir = Annotated[Path, Field(description="Campaign workspace: samples, results, "
                                                 "reports, manifest and ledger.")]
Config = Annotated[CampaignConfig | None, Field(
    description="Campaign configuration (year, seed, sampling, checks, thresholds). "
                "Empty: the official defaults.")]
Counties = Annotated[list[CountyCode] | None, Field(
    description="Only these counties. Empty: every county (every sampled county for assess).")]
Lang = Annotated[messages.Lang, Field(description="Report language: zh (中文) or en.")]
Force = Annotated[bool, Field(description="Recompute even when inputs, config and code are "
                                          "unchanged.")]
Pdf = Annotated[bool, Field(description="Also render PDF reports.")]
Progress = Annotated[bool, Field(description="Show a progress bar on the console.")]
SpotMode = Annotated[Literal["reproduce", "independent"], Field(
    description="reproduce: redraw from the stored seed and config, must match; independent: "
                "a fresh draw with a new, recorded seed.")]
Seed = Annotated[int | None, Field(ge=0, description="Seed of an independent draw. Empty: a "
                                                     "new random seed, recorded.")]
FieldDir = Annotated[Path | None, Field(
    description="Folder with the central team's own field_checks (independent mode).")]


def config_or_default(config: CampaignConfig | None) -> CampaignConfig:
    """The given campaign config, or the official defaults."""
    return config if config is not None else CampaignConfig()


F = TypeVar("F", bound=Callable[..., object])


def described(fn: F) -> F:
    """Append an ``Args:`` section to ``fn``'s docstring from its parameters' descriptions
    (what Prefect shows beside each field of a run form)."""
    hints = typing.get_type_hints(fn, include_extras=True)
    lines = []
    for name in inspect.signature(fn).parameters:
        notes = [m.description for m in getattr(hints.get(name), "__metadata__", ())
                 if isinstance(m, FieldInfo) and m.description]
        if notes:
            lines.append(f"    {name}: {notes[-1]}")
    fn.__doc__ = inspect.cleandoc(fn.__doc__ or "") + "\n\nArgs:\n" + "\n".join(lines)
    return fn
