"""The vocabulary of the data contract: tables, columns, their types and their bounds.

The lowest module of the core: :mod:`registry.checks` declares the field-check columns with it,
and :mod:`registry.contract` the tables. It imports nothing from the project.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

ColumnKind = Literal["code", "str", "int", "float", "bool", "date", "category"]


class TableName(StrEnum):
    """The input tables of a campaign."""

    COUNTIES = "counties"
    VILLAGES = "villages"
    HOUSEHOLDS = "households"
    MEMBERS = "members"
    FIELD_CHECKS = "field_checks"
    SUPPORT_HISTORY = "support_history"


@dataclass(frozen=True)
class Bounds:
    """The allowed range of a numeric column, declared once for validation and the schemas.

    ``low``/``high`` are inclusive (None: unbounded). ``rule`` is the validation rule code that
    quarantines a value outside them. ``not_above`` names another column of the same row that
    the value may not exceed (rule ``not_above_rule``), e.g. children out of school ≤ children.
    """

    low: int | float | None = None
    high: int | float | None = None
    rule: str = "out_of_range"
    not_above: str | None = None
    not_above_rule: str = "exceeds_column"


#: The longest text a ``str`` column accepts unless it declares its own ``max_length``: a name,
#: an id or a place name is far shorter; a longer cell is a paste accident or an attack.
TEXT_MAX_LENGTH = 100

#: The most common bound: a count or an amount that cannot be negative.
NON_NEGATIVE = Bounds(0, rule="negative_value")


@dataclass(frozen=True)
class Column:
    """One column of an input table.

    ``length`` is set for administrative codes, which are fixed-length digit strings.
    ``max_length`` caps a text column (default :data:`TEXT_MAX_LENGTH`; rule ``text_too_long``).
    ``choices`` lists the allowed values of a category column. ``bounds`` is the allowed range
    of a numeric column.
    """

    name: str
    zh: str
    kind: ColumnKind
    nullable: bool = False
    length: int | None = None
    choices: tuple[str, ...] | None = None
    personal: bool = False
    bounds: Bounds | None = None
    #: The longest value accepted in a text column (characters); None: :data:`TEXT_MAX_LENGTH`.
    max_length: int | None = None

    @property
    def text_limit(self) -> int | None:
        """The longest accepted value of a ``str`` column (None for other kinds)."""
        if self.kind != "str":
            return None
        return self.max_length if self.max_length is not None else TEXT_MAX_LENGTH


@dataclass(frozen=True)
class TableSpec:
    """A table: its columns, its key, and the file stem it is stored under."""

    name: TableName
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    # False where the key identifies rows but may repeat: a household can be visited twice on
    # one day by one enumerator (not at home, then a call back).
    unique: bool = True

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def aliases(self) -> dict[str, str]:
        """Chinese header → English column name."""
        return {c.zh: c.name for c in self.columns}
