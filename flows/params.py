"""Typed flow parameters: what the Prefect UI shows as a run form, and what the CLI passes.

Each parameter is a pydantic type with a description; Prefect builds the deployment's form
from their JSON schema and validates every run's parameters against it. Prefect 3 takes a
parameter's description from the flow's docstring (its Google-style ``Args:`` section), so
:func:`described` writes that section from the types' descriptions: each is written once.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import BeforeValidator, Field, StringConstraints
from pydantic.fields import FieldInfo

from assessment import messages
from flows.store.config import CampaignConfig
from registry.errors import ExitcheckError

#: The Prefect Variables that a deployment's empty path parameters are read from.
DATA_VARIABLE, WORKSPACE_VARIABLE, LEDGER_VARIABLE = (
    "exitcheck_data_dir", "exitcheck_workspace", "exitcheck_ledger_url")


def _code_text(value: object) -> object:
    """``prefect deployment run -p county=520324`` sends a JSON number: take it as the code."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


#: A county's national administrative division code: six digits, always a string.
CountyCode = Annotated[str, StringConstraints(pattern=r"^\d{6}$"), BeforeValidator(_code_text),
                       Field(description="County code, six digits (e.g. 520324).")]
DataDir = Annotated[Path | None, Field(
    description="Campaign data folder: the contract's tables (counties, villages, households, "
                f"members, field_checks, support_history). Empty: the Prefect Variable "
                f"{DATA_VARIABLE}.")]
WorkspaceDir = Annotated[Path | None, Field(
    description="Campaign workspace: samples, results, reports, manifest and ledger. Empty: "
                f"the Prefect Variable {WORKSPACE_VARIABLE}.")]
LedgerUrl = Annotated[str | None, Field(
    description="Sign-off ledger URL. Empty: the Prefect Variable "
                f"{LEDGER_VARIABLE}, else the SQLite ledger in the workspace.")]
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
    description="The central team's own field checks (independent mode): the folder that "
                "holds field_checks, or the field_checks folder itself.")]
InspectorDir = Annotated[Path | None, Field(
    description="The inspector's own workspace for the spot-check's files and reports. Empty: "
                "the province's workspace (which is otherwise only read).")]


def config_or_default(config: CampaignConfig | None) -> CampaignConfig:
    """The given campaign config, or the official defaults."""
    return config if config is not None else CampaignConfig()


class ParameterError(ExitcheckError):
    """A flow parameter is empty and no Prefect Variable gives it."""


def from_variable(value: str | Path | None, name: str, *, required: bool = True) -> str | None:
    """``value``, or when it is empty the Prefect Variable ``name`` (how a deployment keeps
    its paths out of its parameters: the team edits the Variable in the UI)."""
    if value not in (None, ""):
        return str(value)
    from prefect.variables import Variable

    found = Variable.get(name, default=None)
    if found in (None, "") and required:
        raise ParameterError(
            f"No value for {name}: pass the parameter, or set the Prefect Variable {name} "
            f"(prefect variable set {name} VALUE). / 参数为空，且未设置 Prefect 变量 {name}。")
    return str(found) if found not in (None, "") else None


def campaign_paths(data_dir: str | Path | None, workspace: str | Path | None) -> tuple[Path, Path]:
    """The data folder and the workspace, each from its parameter or its Prefect Variable."""
    return (Path(str(from_variable(data_dir, DATA_VARIABLE))),
            Path(str(from_variable(workspace, WORKSPACE_VARIABLE))))


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


def county_set(codes: Sequence[str] | None) -> str:
    """The counties of a run in a few words: all, one list, or the first ones and a count."""
    if not codes:
        return "all counties"
    if len(codes) <= 3:
        return ", ".join(codes)
    return f"{', '.join(codes[:2])} +{len(codes) - 2} more"


def run_name(step: str) -> Callable[[], str]:
    """A flow run's name from its parameters: the step, the campaign and the county set."""

    def name() -> str:
        from prefect.context import FlowRunContext

        ctx = FlowRunContext.get()
        params: dict = dict(ctx.parameters or {}) if ctx else {}
        cfg = params.get("config")
        campaign = (cfg.campaign if isinstance(cfg, CampaignConfig)
                    else (cfg or {}).get("campaign") if isinstance(cfg, dict) else None)
        codes = params.get("counties") or ([params["county"]] if params.get("county") else None)
        extra = f" {params['mode']}" if params.get("mode") else ""
        return (f"{step}{extra} · {campaign or CampaignConfig().campaign} · "
                f"{county_set([str(c) for c in codes] if codes else None)}")

    return name
