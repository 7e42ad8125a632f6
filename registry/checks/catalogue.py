"""The list of household checks: everything about checks is derived from it.

Checks are listed in report order (income, then 两不愁三保障, then water). To add a check,
write its module (see ``docs/adding-a-check.md``) and add it to ``_CHECKS``. A check can also
be added at run time with :func:`register`, before anything derived from the list (the
contract, the schemas, ``CheckSettings``, scoring) is imported.
"""

from __future__ import annotations

from registry.checks import clothing, education, food, housing, income, medical, water
from registry.checks.base import CheckDefinitionError, HouseholdCheck

_CHECKS: list[HouseholdCheck] = [
    income.CHECK,
    food.CHECK,
    clothing.CHECK,
    education.CHECK,
    medical.CHECK,
    housing.CHECK,
    water.CHECK,
]
_frozen = False


class CatalogueFrozenError(RuntimeError):
    """A check was registered after the contract had been derived from the list."""


def register(check: HouseholdCheck) -> None:
    """Add a check at the end of the list.

    Raises:
        CheckDefinitionError: the name, a reason code, a column or a parameter is taken.
        CatalogueFrozenError: something was already derived from the list (register first).
    """
    taken = {
        "name": {c.name for c in _CHECKS},
        "reason code": {r for c in _CHECKS for r in c.reasons},
        "column": {n for c in _CHECKS for n in c.column_names},
        "parameter": {p.name for c in _CHECKS for p in c.parameters},
    }
    mine = {
        "name": {check.name},
        "reason code": set(check.reasons),
        "column": set(check.column_names),
        "parameter": {p.name for p in check.parameters},
    }
    clash = {k: sorted(taken[k] & mine[k]) for k in taken if taken[k] & mine[k]}
    if clash:
        raise CheckDefinitionError(f"household check {check.name!r} clashes: {clash}")
    if _frozen:
        raise CatalogueFrozenError(
            f"register {check.name!r} before importing registry.contract (the list of checks "
            f"has already been used)"
        )
    _CHECKS.append(check)


def household_checks() -> tuple[HouseholdCheck, ...]:
    """The checks in report order (after this call, :func:`register` is refused)."""
    global _frozen
    _frozen = True
    return tuple(_CHECKS)
