"""The seven household checks of the exit standard (两不愁三保障 + income + water).

Every check reads facts an enumerator observed or verified on a document; none is a quiz.
Each gives ``pass`` / ``fail`` / ``not_applicable`` / ``unverified`` and a reason code
(``assessment.messages`` explains every code in Chinese and English). When several sub-rules
of one check fail (food, water), the reason holds each of their codes joined with ";".

A household *meets* the standard when no check fails and none is unverified; one failing
check makes it *fail*; otherwise an unverified check makes it *unverified* (to be re-visited),
never a silent pass.

Education and the registry (``members``): the enumerator's observation in the household
wins. A school-age child the registry lists as a dropout is only decisive when the field
record has no usable count (then the check fails with ``EDU_DROPOUT_REGISTRY``); when the
field record says the children are in school (or that there are none) the field result
stands, but the reason becomes ``EDU_REGISTRY_DISAGREES`` so the disagreement is visible
and the registry can be corrected.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from assessment.settings import CheckSettings
from registry.contract import CHECKS, HOUSING_SAFETY

__all__ = [
    "REASONS",
    "STANDARD_REASONS",
    "CheckInputError",
    "check_reason_codes",
    "score_households",
]

PASS, FAIL, NA, UNVERIFIED = "pass", "fail", "not_applicable", "unverified"

# Every reason code a check can emit (joined codes are built from these).
REASONS: dict[str, tuple[str, ...]] = {
    "income": ("INCOME_OK", "INCOME_BELOW_LINE", "INCOME_NOT_COUNTABLE", "INCOME_MISSING"),
    "food": ("FOOD_OK", "FOOD_STAPLE_SHORT", "FOOD_PROTEIN_IRREGULAR", "FOOD_MISSING"),
    "clothing": ("CLOTHING_OK", "CLOTHING_LACKING", "CLOTHING_MISSING"),
    "education": (
        "EDU_OK", "EDU_NO_CHILDREN", "EDU_OUT_OF_SCHOOL", "EDU_DROPOUT_REGISTRY",
        "EDU_REGISTRY_DISAGREES", "EDU_MISSING",
    ),
    "medical": ("MEDICAL_OK", "MEDICAL_UNINSURED", "MEDICAL_MISSING"),
    "housing": (
        "HOUSING_APPRAISED_SAFE", "HOUSING_RENOVATED", "HOUSING_RELOCATED", "HOUSING_UNSAFE",
        "HOUSING_UNAPPRAISED", "HOUSING_MISSING",
    ),
    "water": (
        "WATER_OK", "WATER_QUALITY_BAD", "WATER_QUANTITY_SHORT", "WATER_FETCH_TOO_FAR",
        "WATER_SUPPLY_CUTS", "WATER_MISSING", "WATER_NOT_IN_FORCE",
    ),
}

# The household standard's outcomes, as codes of the same catalogue.
STANDARD_REASONS: dict[str, str] = {
    "meets": "STANDARD_MEETS",
    "fails": "STANDARD_FAILS",
    "unverified": "STANDARD_UNVERIFIED",
}

_COLUMNS: dict[str, tuple[str, ...]] = {
    "income": ("verified_income_per_capita", "income_not_countable"),
    "food": ("food_stable", "protein_regular"),
    "clothing": ("clothing_ok",),
    "education": ("school_age_children", "children_out_of_school"),
    "medical": ("uninsured_members",),
    "housing": ("housing_safety",),
    "water": (
        "water_piped", "water_fetch_minutes", "water_quality_ok", "water_quantity_ok",
        "water_cut_days",
    ),
}


class CheckInputError(ValueError):
    """Field data the checks cannot read: the message names the column and row."""


def check_reason_codes() -> frozenset[str]:
    """All codes ``score_households`` can put in a ``<check>_reason`` column or the standard."""
    return frozenset(c for codes in REASONS.values() for c in codes) | frozenset(
        STANDARD_REASONS.values()
    )


# --------------------------------------------------------------------------- reading columns
def _where(field: pd.DataFrame, bad: np.ndarray) -> tuple[str, str]:
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


def _bool(field: pd.DataFrame, col: str) -> tuple[np.ndarray, np.ndarray]:
    """(is True, is False) of a yes/no column; a blank is neither."""
    v = field[col].to_numpy(dtype=object)
    missing = pd.isna(v)
    v = np.where(missing, None, v)  # pd.NA cannot be compared
    true = ~missing & (v == True)  # noqa: E712 - elementwise; 1 and 1.0 count as True
    false = ~missing & (v == False)  # noqa: E712
    bad = ~missing & ~true & ~false
    if bad.any():
        zh, en = _where(field, bad)
        raise CheckInputError(
            f"走访记录的“{col}”列只能填 是/否（True/False）或留空，{zh} 填了其他内容。 / The "
            f"field column {col!r} must hold yes/no (True/False) or be blank; {en} does not."
        )
    return true, false


def _number(field: pd.DataFrame, col: str, *, non_negative: bool) -> np.ndarray:
    """A numeric column as floats, NaN where blank; text or (optionally) negatives are errors."""
    s = field[col]
    x = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = s.notna().to_numpy() & np.isnan(x)
    if bad.any():
        zh, en = _where(field, bad)
        raise CheckInputError(
            f"走访记录的“{col}”列应填数字，{zh} 填的不是数字。 / The field column {col!r} must "
            f"hold a number; {en} does not."
        )
    if non_negative and (neg := x < 0).any():
        zh, en = _where(field, neg)
        raise CheckInputError(
            f"走访记录的“{col}”列不能为负数，{zh} 为负。 / The field column {col!r} cannot be "
            f"negative; {en} is."
        )
    return x


def _join(parts: list[tuple[np.ndarray, str]], n: int) -> np.ndarray:
    """Per row, the codes whose mask is True joined with ";" ("" if none)."""
    out = np.full(n, "", dtype=object)
    for mask, code in parts:
        idx = np.flatnonzero(mask)
        cur = out[idx]
        out[idx] = np.where(cur == "", code, cur + ";" + code)
    return out


def _select(n: int, rules: list[tuple[np.ndarray, str, object]], default: tuple[str, str]):
    """np.select over (condition, result, reason) rules; the first true rule wins."""
    conds = [np.broadcast_to(c, (n,)) for c, _, _ in rules]
    result = np.select(conds, [r for _, r, _ in rules], default=default[0]).astype(object)
    reasons = [np.broadcast_to(np.asarray(w, dtype=object), (n,)) for _, _, w in rules]
    reason = np.select(conds, reasons, default=default[1]).astype(object)
    return result, reason


# --------------------------------------------------------------------------- the checks
def _income(f: pd.DataFrame, line: float) -> tuple[np.ndarray, np.ndarray]:
    v = _number(f, "verified_income_per_capita", non_negative=False)
    nc = np.nan_to_num(_number(f, "income_not_countable", non_negative=True), nan=0.0)
    below = v < line
    counted_in = below & (nc > 0) & (v + nc >= line)  # 算账式: passes only with what must not count
    return _select(len(f), [
        (v >= line, PASS, "INCOME_OK"),
        (counted_in, FAIL, "INCOME_NOT_COUNTABLE"),
        (below, FAIL, "INCOME_BELOW_LINE"),
    ], (UNVERIFIED, "INCOME_MISSING"))


def _food(f: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    st_t, st_f = _bool(f, "food_stable")
    pr_t, pr_f = _bool(f, "protein_regular")
    why = _join([(st_f, "FOOD_STAPLE_SHORT"), (pr_f, "FOOD_PROTEIN_IRREGULAR")], len(f))
    return _select(len(f), [
        (st_f | pr_f, FAIL, why),
        (st_t & pr_t, PASS, "FOOD_OK"),
    ], (UNVERIFIED, "FOOD_MISSING"))


def _clothing(f: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    ok, lacking = _bool(f, "clothing_ok")
    return _select(len(f), [
        (lacking, FAIL, "CLOTHING_LACKING"),
        (ok, PASS, "CLOTHING_OK"),
    ], (UNVERIFIED, "CLOTHING_MISSING"))


def _registry_dropouts(
    f: pd.DataFrame, members: pd.DataFrame | None, year: int, settings: CheckSettings
) -> np.ndarray:
    """Households whose registry lists a school-age member as a dropout in ``year``."""
    if members is None:
        return np.zeros(len(f), dtype=bool)
    missing = [c for c in ("household_id", "birth_year", "school_status") if c not in members]
    if missing or "household_id" not in f.columns:
        cols = missing or ["household_id (field)"]
        raise CheckInputError(
            f"核对教育时缺少列：{cols}。 / The education cross-check needs the columns {cols}."
        )
    age = year - pd.to_numeric(members["birth_year"], errors="coerce")
    school_age = age.between(settings.school_age_min, settings.school_age_max)
    dropout = school_age & (members["school_status"] == "dropout")
    ids = pd.unique(members.loc[dropout.to_numpy(), "household_id"].astype(str))
    return f["household_id"].astype(str).isin(ids).to_numpy()


def _education(
    f: pd.DataFrame, registry_dropout: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    kids = _number(f, "school_age_children", non_negative=True)
    out = _number(f, "children_out_of_school", non_negative=True)
    none = kids == 0
    all_in = (kids >= 1) & (out == 0)
    return _select(len(f), [
        (out >= 1, FAIL, "EDU_OUT_OF_SCHOOL"),
        (none & registry_dropout, NA, "EDU_REGISTRY_DISAGREES"),
        (none, NA, "EDU_NO_CHILDREN"),
        (all_in & registry_dropout, PASS, "EDU_REGISTRY_DISAGREES"),
        (all_in, PASS, "EDU_OK"),
        (registry_dropout, FAIL, "EDU_DROPOUT_REGISTRY"),  # no usable field count
    ], (UNVERIFIED, "EDU_MISSING"))


def _medical(f: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    uninsured = _number(f, "uninsured_members", non_negative=True)
    return _select(len(f), [
        (uninsured >= 1, FAIL, "MEDICAL_UNINSURED"),
        (uninsured == 0, PASS, "MEDICAL_OK"),
    ], (UNVERIFIED, "MEDICAL_MISSING"))


def _housing(f: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    s = f["housing_safety"]
    unknown = (s.notna() & ~s.isin(HOUSING_SAFETY)).to_numpy()
    if unknown.any():
        zh, en = _where(f, unknown)
        allowed = " / ".join(HOUSING_SAFETY)
        raise CheckInputError(
            f"走访记录的“housing_safety”（住房安全）列只能填 {allowed}，{zh} 不是。 / The field "
            f"column 'housing_safety' must be one of {allowed}; {en} is not."
        )
    v = np.where(s.isna().to_numpy(), None, s.to_numpy(dtype=object))
    return _select(len(f), [
        (v == "appraised_safe", PASS, "HOUSING_APPRAISED_SAFE"),
        (v == "renovated", PASS, "HOUSING_RENOVATED"),
        (v == "relocated", PASS, "HOUSING_RELOCATED"),
        (v == "unsafe", FAIL, "HOUSING_UNSAFE"),
        (v == "unappraised", UNVERIFIED, "HOUSING_UNAPPRAISED"),
    ], (UNVERIFIED, "HOUSING_MISSING"))


def _water(f: pd.DataFrame, settings: CheckSettings) -> tuple[np.ndarray, np.ndarray]:
    n = len(f)
    piped, not_piped = _bool(f, "water_piped")
    quality_ok, quality_bad = _bool(f, "water_quality_ok")
    quantity_ok, quantity_short = _bool(f, "water_quantity_ok")
    fetch = _number(f, "water_fetch_minutes", non_negative=True)
    cuts = _number(f, "water_cut_days", non_negative=True)
    near = fetch <= settings.water_fetch_max_minutes
    too_far = not_piped & (fetch > settings.water_fetch_max_minutes)
    access_ok = piped | near  # within the limit is enough even when "piped" was left blank
    cuts_ok = cuts <= settings.water_cut_max_days
    too_many_cuts = cuts > settings.water_cut_max_days
    why = _join([
        (quality_bad, "WATER_QUALITY_BAD"),
        (quantity_short, "WATER_QUANTITY_SHORT"),
        (too_far, "WATER_FETCH_TOO_FAR"),
        (too_many_cuts, "WATER_SUPPLY_CUTS"),
    ], n)
    return _select(n, [
        (why != "", FAIL, why),
        (quality_ok & quantity_ok & access_ok & cuts_ok, PASS, "WATER_OK"),
    ], (UNVERIFIED, "WATER_MISSING"))


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
        year: the assessment year (sets the income line and whether water is checked).
        settings: check parameters; an unknown year raises its ``UnknownIncomeLineError``.
        members: the registry's members, optional; enables the education cross-check.

    Returns:
        A frame with ``field``'s index and, per check in ``CHECKS``, ``<check>_result`` and
        ``<check>_reason``; then ``standard`` (meets / fails / unverified) and
        ``failed_checks`` (failing check names joined with ";", "" if none).
    """
    line = settings.income_line(year)
    water_in_force = year >= settings.water_check_from_year
    needed = [c for check in CHECKS for c in _COLUMNS[check]
              if check != "water" or water_in_force]
    missing = [c for c in needed if c not in field.columns]
    if missing:
        raise CheckInputError(
            f"走访记录缺少以下列：{missing}。 / The field records lack the columns {missing}."
        )
    n = len(field)
    results: dict[str, tuple[np.ndarray, np.ndarray]] = {
        "income": _income(field, line),
        "food": _food(field),
        "clothing": _clothing(field),
        "education": _education(field, _registry_dropouts(field, members, year, settings)),
        "medical": _medical(field),
        "housing": _housing(field),
        "water": (
            _water(field, settings) if water_in_force
            else (np.full(n, NA, dtype=object), np.full(n, "WATER_NOT_IN_FORCE", dtype=object))
        ),
    }
    res = np.column_stack([results[c][0] for c in CHECKS]) if n else np.empty((0, len(CHECKS)))
    any_fail = (res == FAIL).any(axis=1)
    any_unverified = (res == UNVERIFIED).any(axis=1)
    standard = np.select([any_fail, any_unverified], ["fails", "unverified"], "meets")
    failed = _join([(results[c][0] == FAIL, c) for c in CHECKS], n)

    if "outcome" in field.columns:
        scored = field["outcome"].eq("completed").fillna(False).to_numpy(dtype=bool)
    else:
        scored = np.ones(n, dtype=bool)
    out: dict[str, np.ndarray] = {}
    for check in CHECKS:  # a loop over the seven checks, not over households
        out[f"{check}_result"] = np.where(scored, results[check][0], None)
        out[f"{check}_reason"] = np.where(scored, results[check][1], None)
    out["standard"] = np.where(scored, standard.astype(object), None)
    out["failed_checks"] = np.where(scored, failed, "")
    return pd.DataFrame(out, index=field.index)
