"""Scoring households against the exit standard: every household check of the catalogue.

Every check (:mod:`registry.checks`, one module each) reads facts an enumerator observed or
verified on a document; none is a quiz. Each gives ``pass`` / ``fail`` / ``not_applicable`` /
``unverified`` and a reason code (``assessment.messages`` explains every code in Chinese and
English). When several sub-rules of one check fail (food, water), the reason holds each of
their codes joined with ";".

A household *meets* the standard when no check fails and none is unverified; one failing
check makes it *fail*; otherwise an unverified check makes it *unverified* (to be re-visited),
never a silent pass.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from assessment.settings import CheckSettings
from registry.checks.base import FAIL, UNVERIFIED, CheckContext, Verdicts, join_codes
from registry.checks.base import CheckInputError as CheckInputError
from registry.checks.catalogue import household_checks

__all__ = [
    "REASONS",
    "STANDARD_REASONS",
    "CheckInputError",
    "check_reason_codes",
    "score_households",
]

_CHECKS = household_checks()

# Every reason code a check can emit (joined codes are built from these).
REASONS: dict[str, tuple[str, ...]] = {c.name: tuple(c.reasons) for c in _CHECKS}

# The household standard's outcomes, as codes of the same catalogue.
STANDARD_REASONS: dict[str, str] = {
    "meets": "STANDARD_MEETS",
    "fails": "STANDARD_FAILS",
    "unverified": "STANDARD_UNVERIFIED",
}


def check_reason_codes() -> frozenset[str]:
    """All codes ``score_households`` can put in a ``<check>_reason`` column or the standard."""
    return frozenset(c for codes in REASONS.values() for c in codes) | frozenset(
        STANDARD_REASONS.values()
    )


def score_households(
    field: pd.DataFrame,
    *,
    year: int,
    settings: CheckSettings,
    members: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Score each household's effective visit against the exit standard.

    Args:
        field: one row per household, its effective (approved, latest) visit, with the
            field_checks columns of the data contract. Rows whose ``outcome`` is not
            "completed" (when the column is present) are not scored: their results are blank.
        year: the assessment year (sets the income line and which checks are in force).
        settings: check parameters; an unknown year raises its ``UnknownIncomeLineError``.
        members: the registry's members, optional; enables the education cross-check.

    Returns:
        A frame with ``field``'s index and, per check in ``CHECKS``, ``<check>_result`` and
        ``<check>_reason``; then ``standard`` (meets / fails / unverified) and
        ``failed_checks`` (failing check names joined with ";", "" if none).
    """
    in_force = {c.name: c.in_force(year, settings) for c in _CHECKS}
    needed = [col for c in _CHECKS if in_force[c.name] for col in c.column_names]
    missing = [c for c in needed if c not in field.columns]
    if missing:
        raise CheckInputError(
            f"走访记录缺少以下列：{missing}。 / The field records lack the columns {missing}."
        )
    n = len(field)
    ctx = CheckContext(year=year, settings=settings, members=members)
    results: dict[str, Verdicts] = {
        c.name: c.evaluate(field, ctx) if in_force[c.name] else c.not_applicable(n)
        for c in _CHECKS  # a loop over the checks, not over households
    }
    names = [c.name for c in _CHECKS]
    res = np.column_stack([results[c][0] for c in names]) if n else np.empty((0, len(names)))
    any_fail = (res == FAIL).any(axis=1)
    any_unverified = (res == UNVERIFIED).any(axis=1)
    standard = np.select([any_fail, any_unverified], ["fails", "unverified"], "meets")
    failed = join_codes([(results[c][0] == FAIL, c) for c in names], n)

    if "outcome" in field.columns:
        scored = field["outcome"].eq("completed").fillna(False).to_numpy(dtype=bool)
    else:
        scored = np.ones(n, dtype=bool)
    out: dict[str, np.ndarray] = {}
    for check in names:
        out[f"{check}_result"] = np.where(scored, results[check][0], None)
        out[f"{check}_reason"] = np.where(scored, results[check][1], None)
    out["standard"] = np.where(scored, standard.astype(object), None)
    out["failed_checks"] = np.where(scored, failed, "")
    return pd.DataFrame(out, index=field.index)
