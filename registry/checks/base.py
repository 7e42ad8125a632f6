"""What a household check is, and the vectorised readers its evaluation shares.

A :class:`HouseholdCheck` is one object per check of the exit standard, declared in one module
of :mod:`registry.checks`. It carries everything about the check: the field-check columns it
reads (type, Chinese header, bounds), its parameters, its evaluation, its reason codes with
their Chinese and English messages, how often the synthetic generator plants a failure of it,
and how a synthetic visit records it. Everything else (the contract, validation bounds, the
pandera schema, :class:`assessment.settings.CheckSettings`, scoring, the message catalogue,
synthetic planting) is derived from :func:`registry.checks.catalogue.household_checks`.

Results are ``pass`` / ``fail`` / ``not_applicable`` / ``unverified``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from registry.columns import Column
from registry.errors import ExitcheckError

PASS, FAIL, NA, UNVERIFIED = "pass", "fail", "not_applicable", "unverified"

#: Per household: the result and the reason code (several codes joined with ";").
Verdicts = tuple[np.ndarray, np.ndarray]


class CheckInputError(ExitcheckError):
    """Field data the checks cannot read: the message names the column and row."""


class CheckDefinitionError(ValueError):
    """A household check is declared inconsistently (a bug in its module)."""


@dataclass(frozen=True)
class Parameter:
    """One configurable parameter of a check (a field of ``CheckSettings``).

    ``type`` is its annotation; ``default`` (or ``default_factory``) the official value;
    ``validate`` an optional function that returns the value or raises ``ValueError``.
    """

    name: str
    type: Any
    default: Any = None
    default_factory: Callable[[], Any] | None = None
    description: str = ""
    validate: Callable[[Any], Any] | None = None

    def default_value(self) -> Any:
        """The default, built fresh when it comes from a factory."""
        return self.default_factory() if self.default_factory is not None else self.default


@dataclass(frozen=True)
class Planting:
    """Relative weights of planting this check as the failing one, per kind of household.

    ``wrong_exit``: exited households that do not meet the standard; ``missed``: non-registered
    ones that do not; ``poor_extra``: still-poor households that fail something besides income.
    The generator normalises the weights over all checks.
    """

    wrong_exit: float = 0.0
    missed: float = 0.0
    poor_extra: float = 0.0


@dataclass(frozen=True)
class CheckContext:
    """What an evaluation may use besides the field rows.

    ``settings`` carries every check parameter as an attribute (``CheckSettings``);
    ``members`` is the registry's members table when a check cross-checks the registry.
    """

    year: int
    settings: Any
    members: pd.DataFrame | None = None

    def param(self, name: str) -> Any:
        """The value of a check parameter."""
        return getattr(self.settings, name)


@dataclass(frozen=True)
class FieldFacts:
    """What the synthetic field app knows when it records one check for the visited households.

    All arrays and frames are aligned with ``household_ids`` (one row per visited household):
    ``fail`` is the planted truth of this check, ``households`` and ``truth`` the registry and
    truth rows. ``members`` is the whole members table (use :func:`count_members`).
    ``rates`` are the generator's rates of imperfect observations (e.g. ``unappraised_rate``).
    """

    fail: np.ndarray
    household_ids: pd.Index
    households: pd.DataFrame
    members: pd.DataFrame
    truth: pd.DataFrame
    year: int
    income_line: float
    rates: Mapping[str, float] = field(default_factory=dict)


Evaluate = Callable[[pd.DataFrame, CheckContext], Verdicts]
Observe = Callable[[FieldFacts, np.random.Generator], dict[str, np.ndarray]]


@dataclass(frozen=True)
class HouseholdCheck:
    """One check of the household exit standard, declared once.

    Args:
        name: the check's name, used in column names (``<name>_result``) and reports.
        columns: the field-check columns it reads, in form order (all nullable: a visit that
            was not completed leaves them blank).
        reasons: every reason code it can emit → (Chinese, English) message.
        evaluate: vectorised evaluation of the field rows → (results, reasons).
        synth_field: vectorised synthetic observation: the values of ``columns`` that make the
            check fail where ``facts.fail`` and pass elsewhere (randomness only from the rng).
        planting: how often the generator plants a failure of this check.
        parameters: its parameters (fields of ``CheckSettings``).
        in_force_from: the parameter holding the first year the check applies; before it the
            check is ``not_applicable`` with reason ``not_in_force`` and its columns may be
            absent, and the generator plants no failure of it.
        not_in_force: the reason code of a year before ``in_force_from``.
        form_rank: where its columns sit in the field-check table and form (ascending).
    """

    name: str
    columns: tuple[Column, ...]
    reasons: Mapping[str, tuple[str, str]]
    evaluate: Evaluate
    synth_field: Observe
    planting: Planting
    parameters: tuple[Parameter, ...] = ()
    in_force_from: str | None = None
    not_in_force: str | None = None
    form_rank: int = 100

    def __post_init__(self) -> None:
        problems = []
        if not self.name.isidentifier():
            problems.append(f"name {self.name!r} is not an identifier")
        if not self.reasons:
            problems.append("no reason codes")
        problems += [f"column {c.name} must be nullable" for c in self.columns if not c.nullable]
        params = {p.name for p in self.parameters}
        if self.in_force_from is not None and self.in_force_from not in params:
            problems.append(f"in_force_from {self.in_force_from!r} is not a parameter")
        if (self.in_force_from is None) != (self.not_in_force is None):
            problems.append("in_force_from and not_in_force go together")
        if self.not_in_force is not None and self.not_in_force not in self.reasons:
            problems.append(f"not_in_force {self.not_in_force!r} is not a reason code")
        if problems:
            raise CheckDefinitionError(f"household check {self.name!r}: " + "; ".join(problems))

    @property
    def column_names(self) -> tuple[str, ...]:
        """The names of the field-check columns it reads."""
        return tuple(c.name for c in self.columns)

    def parameter(self, name: str) -> Parameter:
        """One of its parameters, by name."""
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(name)

    def in_force(self, year: int, settings: Any) -> bool:
        """Whether the check applies in ``year`` under ``settings``."""
        return self.in_force_from is None or year >= getattr(settings, self.in_force_from)

    def planted_in(self, year: int) -> bool:
        """Whether the generator plants failures in ``year`` (under the default parameters)."""
        if self.in_force_from is None:
            return True
        return year >= self.parameter(self.in_force_from).default_value()

    def not_applicable(self, n: int) -> Verdicts:
        """The verdicts of ``n`` households in a year the check is not in force."""
        return np.full(n, NA, dtype=object), np.full(n, self.not_in_force, dtype=object)


# --------------------------------------------------------------------------- reading columns
def where_rows(field: pd.DataFrame, bad: np.ndarray) -> tuple[str, str]:
    """Chinese and English words for the first bad row (file and Excel row when known)."""
    i = int(np.flatnonzero(bad)[0])
    count = int(np.count_nonzero(bad))
    if "source_row" in field.columns:
        src = field["source_file"].iloc[i] if "source_file" in field.columns else ""
        row = field["source_row"].iloc[i]
        zh, en = f"{src} 第 {row} 行".strip(), f"{src} row {row}".strip()
    elif "household_id" in field.columns:
        hh = field["household_id"].iloc[i]
        zh, en = f"户编号 {hh}", f"household {hh}"
    else:
        zh, en = f"第 {i + 1} 条记录", f"record {i + 1}"
    if count > 1:
        zh += f"（共 {count} 行）"
        en += f" ({count} rows in all)"
    return zh, en


def read_bool(field: pd.DataFrame, col: str) -> tuple[np.ndarray, np.ndarray]:
    """(is True, is False) of a yes/no column; a blank is neither."""
    v = field[col].to_numpy(dtype=object)
    missing = pd.isna(v)
    v = np.where(missing, None, v)  # pd.NA cannot be compared
    true = ~missing & (v == True)  # noqa: E712 - elementwise; 1 and 1.0 count as True
    false = ~missing & (v == False)  # noqa: E712
    bad = ~missing & ~true & ~false
    if bad.any():
        zh, en = where_rows(field, bad)
        raise CheckInputError(
            f"走访记录的“{col}”列只能填 是/否（True/False）或留空，{zh} 填了其他内容。 / The "
            f"field column {col!r} must hold yes/no (True/False) or be blank; {en} does not."
        )
    return true, false


def read_number(field: pd.DataFrame, col: str, *, non_negative: bool) -> np.ndarray:
    """A numeric column as floats, NaN where blank; text or (optionally) negatives are errors."""
    s = field[col]
    x = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = s.notna().to_numpy() & np.isnan(x)
    if bad.any():
        zh, en = where_rows(field, bad)
        raise CheckInputError(
            f"走访记录的“{col}”列应填数字，{zh} 填的不是数字。 / The field column {col!r} must "
            f"hold a number; {en} does not."
        )
    if non_negative and (neg := x < 0).any():
        zh, en = where_rows(field, neg)
        raise CheckInputError(
            f"走访记录的“{col}”列不能为负数，{zh} 为负。 / The field column {col!r} cannot be "
            f"negative; {en} is."
        )
    return x


def join_codes(parts: list[tuple[np.ndarray, str]], n: int) -> np.ndarray:
    """Per row, the codes whose mask is True joined with ";" ("" if none)."""
    out = np.full(n, "", dtype=object)
    for mask, code in parts:
        idx = np.flatnonzero(mask)
        cur = out[idx]
        out[idx] = np.where(cur == "", code, cur + ";" + code)
    return out


def select_rules(
    n: int, rules: list[tuple[np.ndarray, str, object]], default: tuple[str, str]
) -> Verdicts:
    """np.select over (condition, result, reason) rules; the first true rule wins."""
    conds = [np.broadcast_to(c, (n,)) for c, _, _ in rules]
    result = np.select(conds, [r for _, r, _ in rules], default=default[0]).astype(object)
    reasons = [np.broadcast_to(np.asarray(w, dtype=object), (n,)) for _, _, w in rules]
    reason = np.select(conds, reasons, default=default[1]).astype(object)
    return result, reason


def count_members(
    members: pd.DataFrame, ids: pd.Index, mask: Callable[[pd.DataFrame], np.ndarray]
) -> np.ndarray:
    """Per household of ``ids``, the number of its registry members for which ``mask`` holds."""
    m = members.loc[members["household_id"].isin(ids)]
    hit = pd.Series(np.asarray(mask(m), dtype=bool), index=m.index)
    counts = hit.groupby(m["household_id"]).sum().reindex(ids, fill_value=0)
    return counts.to_numpy(np.int64)
