"""Validation of a county's registry: file-level refusals and a row-level quarantine.

Two kinds of problem:

* **File-level** (:class:`FileLevelError`): the file cannot be trusted as a whole — a required
  column is missing, a code was stored as a number, an id is duplicated. The file is refused and
  must be repaired and re-exported.
* **Row-level**: a single row breaks a rule. The row goes to the quarantine frame (one row per
  problem: ``table, file, row, column, rule, value, message_zh, message_en``) and is left out of
  the clean frames. A household and its members stand or fall together: when a household is
  quarantined its members are quarantined with rule ``household_quarantined``; when one of its
  members is quarantined the household is quarantined with rule ``member_quarantined`` (so the
  clean frames always satisfy ``household_size == number of member rows``). Field checks and
  support history of a quarantined household are quarantined too.

Every rule has a code in :data:`RULES` with a Chinese and an English message; messages always
name the file, the row as a clerk sees it in Excel (header = row 1) and the column. Personal data
(names, ID numbers, phones) is masked in quarantine values. That vocabulary (rules, errors,
quarantine rows) is :mod:`registry.problems`; this module runs the rules. Numeric ranges are
not written here: each column declares its :class:`~registry.columns.Bounds` in the contract
(a household check's columns in its own module), and one loop applies them.

Bounds chosen for plausibility rules (documented here because they are judgement calls):

* age = campaign year − birth year; ``birth_year`` must lie in 1900 … campaign year;
* ``enrolled``, ``dropout``, ``home_teaching``, ``exempt_physical`` only for ages 3–25;
* ``not_school_age`` is invalid for ages 7–15 (compulsory education is 6–15; age 6 is left
  open because the birth-year arithmetic cannot tell whether a 6-year-old has started school);
* years (registration, exit) may not lie after the campaign year or before 1980;
* incomes must be ≥ 0 except ``income_business``, which is net of costs and may be a loss;
* field checks (bounds declared by the checks): counts ≥ 0, ``children_out_of_school`` ≤
  ``school_age_children``, ``water_cut_days`` in 0–366; an exact repeat of a visit row
  quarantines the repeat (rule ``duplicate_visit``), not the file; two different rows with one
  household, date and enumerator are two visits, and the later approved one supersedes.

* a visit date must lie in the fieldwork period of the campaign ``year``: 1 January of the year
  to 31 December of the next (an assessment of a year's exits is fielded at its end and early
  the next year); a later or earlier date is a typing error (rule ``visit_date_range``);
* once a county is sampled (``sample_ids``), a field row of a registered household that was
  not drawn is quarantined (rule ``not_in_sample``), not merely counted;
* a household row whose village code belongs to another county is ``wrong_county``, not
  ``unknown_village``.

Age rules and the fieldwork period need the campaign ``year``; with ``year=None`` they are
skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from registry.columns import Bounds
from registry.contract import TABLES, TableName, TableSpec
from registry.headers import coerce_table, finalise_dtypes, spec_for
from registry.idcard import valid_id_numbers
from registry.problems import (
    QUARANTINE_COLUMNS,
    RULES,
    SOURCE_FILE,
    SOURCE_ROW,
    DataError,
    FileLevelError,
    Rule,
    concat_flags,
    empty_flags,
    empty_quarantine,
    file_error,
    flag,
    true_mask,
    with_source,
    zh_header,
)

# The rule runner, and (re-exported from registry.problems) the vocabulary of problems.
__all__ = [
    "QUARANTINE_COLUMNS", "RULES", "SOURCE_FILE", "SOURCE_ROW", "DataError", "FileLevelError",
    "Rule", "TableCount", "ValidationResult", "check_unique", "concat_flags", "empty_flags",
    "empty_quarantine", "file_error", "flag", "isin", "matches", "positions",
    "validate_counties", "validate_county", "validate_dependents", "with_source", "zh_header",
]

SUPPORT_HISTORY = TableName.SUPPORT_HISTORY.value

SCHOOL_AGE_MIN, SCHOOL_AGE_MAX = 3, 25
COMPULSORY_MIN, COMPULSORY_MAX = 7, 15
BIRTH_YEAR_MIN = 1900
YEAR_MIN = 1980


def _arrow(values: pd.Series | np.ndarray | Iterable[str]) -> pa.Array:
    arr = pa.array(values, from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr if pa.types.is_large_string(arr.type) else arr.cast(pa.large_string())


def isin(values: pd.Series, allowed: pd.Series | np.ndarray | Iterable[str]) -> np.ndarray:
    """Fast membership of string values (missing values are never in)."""
    found = pc.is_in(_arrow(values), value_set=_arrow(allowed), skip_nulls=True)
    return found.fill_null(False).to_numpy(zero_copy_only=False)


def positions(values: pd.Series, index: pd.Series) -> np.ndarray:
    """Position of each string value in ``index`` (-1 when absent); ``index`` must be unique."""
    found = pc.index_in(_arrow(values), value_set=_arrow(index), skip_nulls=True)
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def _text(s: pd.Series) -> pd.Series:
    return s.astype("str")


def matches(values: pd.Series, pattern: str) -> np.ndarray:
    """True where the whole string matches the RE2 ``pattern`` (missing values: False)."""
    found = pc.match_substring_regex(_arrow(values), f"^(?:{pattern})$")
    return found.fill_null(False).to_numpy(zero_copy_only=False)


def check_unique(frame: pd.DataFrame, spec: TableSpec, key: tuple[str, ...] | None = None) -> None:
    """Refuse the file when a key repeats, naming the rows (Excel numbering) that share it.

    Raises:
        FileLevelError: rule ``duplicate_id``.
    """
    key = key or spec.key
    present = frame[list(key)]
    complete = present.notna().all(axis=1).to_numpy()
    dup = complete & present.duplicated(keep=False).to_numpy()
    if not dup.any():
        return
    first = int(np.flatnonzero(dup)[0])
    values = present.iloc[first]
    same = (present == values).all(axis=1).to_numpy() & complete
    rows = tuple(int(r) for r in frame[SOURCE_ROW].to_numpy()[same][:10])
    value = "/".join(str(v) for v in values.tolist())
    raise file_error(
        "duplicate_id",
        file=str(frame[SOURCE_FILE].iloc[first]),
        column="+".join(key),
        row=rows,
        value=value,
        rows=", ".join(str(r) for r in rows),
    )


@dataclass(frozen=True)
class TableCount:
    """Rows read and rows quarantined (distinct rows, not problems) for one table."""

    rows_read: int
    rows_quarantined: int

    @property
    def share(self) -> float:
        """Quarantined share of the rows read (0 when nothing was read)."""
        return self.rows_quarantined / self.rows_read if self.rows_read else 0.0


@dataclass(frozen=True)
class ValidationResult:
    """Clean frames (typed, quarantined rows removed), the quarantine, and counts per table."""

    clean: dict[TableName, pd.DataFrame]
    quarantine: pd.DataFrame
    counts: dict[TableName, TableCount] = field(default_factory=dict)
    #: ``household_id`` of the quarantined household rows: what :func:`validate_dependents`
    #: needs to validate field checks later against this validation's clean households.
    quarantined_household_ids: tuple[str, ...] = ()


@dataclass
class _Run:
    """Mutable state of one validation: typed frames and the problems found so far."""

    frames: dict[str, pd.DataFrame]
    flags: dict[str, list[pd.DataFrame]]

    def add(self, table: str, flags: pd.DataFrame) -> None:
        if len(flags):
            self.flags.setdefault(table, []).append(flags)

    def bad(self, table: str) -> np.ndarray:
        """Boolean mask of rows of ``table`` with any problem so far."""
        mask = np.zeros(len(self.frames[table]), dtype=bool)
        for f in self.flags.get(table, []):
            mask[f["_pos"].to_numpy(dtype=np.int64)] = True
        return mask


def _prepare(tables: Mapping[str, pd.DataFrame], run: _Run) -> None:
    """Normalise headers, check codes, coerce types (row problems are flagged)."""
    for name, frame in tables.items():
        table = str(name)
        spec = spec_for(table)
        typed, problems = coerce_table(with_source(frame, table), spec)
        run.frames[table] = typed
        run.add(table, problems)


def _in(values: pd.Series, allowed: pd.Series | np.ndarray | Iterable[str]) -> np.ndarray:
    return isin(values, allowed)


def _s(values: pd.Series) -> pd.Series:
    """Values as nullable text, for building message values."""
    return values.astype("string").fillna("")


def _counties_rules(run: _Run) -> None:
    t = TableName.COUNTIES.value
    c = run.frames[t]
    check_unique(c, TABLES[TableName.COUNTIES])
    _bound_rules(run, t)
    code, prov = _text(c["county_code"]), _text(c["province_code"])
    mismatch = code.notna() & prov.notna() & (code.str.slice(0, 2) != prov)
    run.add(t, flag(t, c, mismatch, "province_code", "province_mismatch",
                    value=lambda r: _s(r["province_code"]) + " ≠ "
                    + _s(r["county_code"]).str.slice(0, 2)))


def _villages_rules(run: _Run, county_code: str | None, known: Iterable[str] | None) -> None:
    t = TableName.VILLAGES.value
    v = run.frames[t]
    check_unique(v, TABLES[TableName.VILLAGES])
    code = _text(v["village_code"])
    present = code.notna().to_numpy()
    if TableName.COUNTIES.value in run.frames:
        counties = run.frames[TableName.COUNTIES.value]
        known = counties["county_code"][~run.bad(TableName.COUNTIES.value)]
    if known is not None:
        unknown = present & ~isin(code.str.slice(0, 6), list(known))
        run.add(t, flag(t, v, unknown, "village_code", "unknown_county",
                        value=lambda r: _s(r["village_code"]).str.slice(0, 6)))
    if county_code is not None:
        wrong = present & (code.str.slice(0, 6) != county_code).to_numpy()
        run.add(t, flag(t, v, wrong, "village_code", "wrong_county", county=county_code))
    town = _text(v["township_code"])
    mism = present & town.notna().to_numpy() & (town != code.str.slice(0, 9)).to_numpy()
    run.add(t, flag(t, v, mism, "township_code", "township_mismatch",
                    value=lambda r: _s(r["township_code"]) + " / " + _s(r["village_code"])))


def _bound_rules(run: _Run, t: str) -> None:
    """Quarantine values outside their column's :class:`Bounds` (declared in the contract):
    first every range in column order, then every ``not_above`` comparison."""
    frame = run.frames[t]
    bounded = [(c.name, c.bounds) for c in TABLES[TableName(t)].columns if c.bounds is not None]
    for name, b in bounded:
        outside = _outside(frame[name], b)
        if outside.any():
            run.add(t, flag(t, frame, outside, name, b.rule, low=b.low, high=b.high))
    for name, b in bounded:
        if b.not_above is None:
            continue
        other = b.not_above
        run.add(t, flag(t, frame, true_mask(frame[name] > frame[other]), name, b.not_above_rule,
                        value=lambda r, n=name, o=other: _s(r[n]) + " > " + _s(r[o]),
                        name=name, other=other))


def _outside(values: pd.Series, b: Bounds) -> np.ndarray:
    out = np.zeros(len(values), dtype=bool)
    if b.low is not None:
        out |= true_mask(values < b.low)
    if b.high is not None:
        out |= true_mask(values > b.high)
    return out


def _year_range(run: _Run, t: str, frame: pd.DataFrame, column: str, high: int | None) -> None:
    hi = high if high is not None else 2100
    y = frame[column]
    out = true_mask((y < YEAR_MIN) | (y > hi))
    run.add(t, flag(t, frame, out, column, "year_out_of_range", low=YEAR_MIN, high=hi))


def _households_rules(run: _Run, year: int | None, county_code: str | None) -> None:
    t = TableName.HOUSEHOLDS.value
    h = run.frames[t]
    check_unique(h, TABLES[TableName.HOUSEHOLDS])
    vcode = _text(h["village_code"])
    present = vcode.notna().to_numpy()
    if TableName.VILLAGES.value in run.frames:
        v = run.frames[TableName.VILLAGES.value]
        exists = isin(vcode, v["village_code"])
        in_bad = isin(vcode, v["village_code"][run.bad(TableName.VILLAGES.value)])
        # Another county's row in this county's file says so, not just "unknown village".
        other = np.zeros(len(h), dtype=bool)
        if county_code is not None:
            other = present & ~exists & (vcode.str.slice(0, 6) != county_code).to_numpy()
            run.add(t, flag(t, h, other, "village_code", "wrong_county", county=county_code))
        run.add(t, flag(t, h, present & ~exists & ~other, "village_code", "unknown_village"))
        run.add(t, flag(t, h, in_bad, "village_code", "village_quarantined"))
    elif county_code is not None:
        wrong = present & (vcode.str.slice(0, 6) != county_code).to_numpy()
        run.add(t, flag(t, h, wrong, "village_code", "wrong_county", county=county_code))

    status = h["status"]
    has_status = status.notna().to_numpy()
    reg, ext = h["registration_year"], h["exit_year"]
    has_reg, has_ext = reg.notna().to_numpy(), ext.notna().to_numpy()
    registered = has_status & (status != "not_registered").to_numpy()
    run.add(t, flag(t, h, registered & ~has_reg, "registration_year",
                    "registration_year_required", value=status))
    exited = has_status & (status == "exited").to_numpy()
    run.add(t, flag(t, h, exited & ~has_ext, "exit_year", "exit_year_required"))
    run.add(t, flag(t, h, has_status & ~exited & has_ext, "exit_year", "exit_year_unexpected",
                    value=lambda r: _s(r["status"]) + ", exit_year=" + _s(r["exit_year"])))
    run.add(t, flag(t, h, true_mask(ext < reg), "exit_year", "exit_before_registration",
                    value=lambda r: _s(r["exit_year"]) + " < " + _s(r["registration_year"])))
    _year_range(run, t, h, "registration_year", year)
    _year_range(run, t, h, "exit_year", year)

    ids = _text(h["head_id_number"]).str.strip()
    shape_ok = matches(ids, r"[0-9]{17}[0-9Xx]")
    run.add(t, flag(t, h, ids.notna().to_numpy() & ~shape_ok, "head_id_number", "id_format"))
    digit_ok = valid_id_numbers(ids).to_numpy()
    run.add(t, flag(t, h, shape_ok & ~digit_ok, "head_id_number", "id_check_digit"))

    _bound_rules(run, t)


def _members_rules(run: _Run, year: int | None) -> None:
    t = TableName.MEMBERS.value
    m = run.frames[t]
    check_unique(m, TABLES[TableName.MEMBERS])
    _bound_rules(run, t)
    if year is None:
        return
    birth = m["birth_year"]
    run.add(t, flag(t, m, true_mask((birth < BIRTH_YEAR_MIN) | (birth > year)), "birth_year",
                    "birth_year_range", low=BIRTH_YEAR_MIN, high=year))
    age = (year - birth).to_numpy(dtype=float, na_value=np.nan)
    status = m["school_status"]
    in_school = isin(status, ["enrolled", "dropout", "home_teaching", "exempt_physical"])
    outside = (age < SCHOOL_AGE_MIN) | (age > SCHOOL_AGE_MAX)
    compulsory = (age >= COMPULSORY_MIN) & (age <= COMPULSORY_MAX)
    wrong = (in_school & outside) | (isin(status, ["not_school_age"]) & compulsory)
    run.add(t, flag(t, m, wrong, "school_status", "school_status_age",
                    value=lambda r: _s(r["school_status"]) + ", age "
                    + _s(year - r["birth_year"])))


def _household_member_rules(run: _Run) -> None:
    """member_count, single_head, orphans, and the two-way household/member cascade."""
    th, tm = TableName.HOUSEHOLDS.value, TableName.MEMBERS.value
    h, m = run.frames[th], run.frames[tm]
    hid = _text(h["household_id"])
    where = positions(m["household_id"], hid)  # each member's household row, -1 if none
    linked = where >= 0
    n = len(h)
    count = np.bincount(where[linked], minlength=n)
    is_head = isin(m["relation"], ["head"])
    heads = np.bincount(where[linked & is_head], minlength=n)
    size = h["household_size"].to_numpy(dtype=float, na_value=np.nan)
    # Frames carry a RangeIndex (see with_source), so a flagged row's label is its position.
    run.add(th, flag(th, h, ~np.isnan(size) & (count != size), "household_size", "member_count",
                     value=lambda r: "household_size=" + _s(r["household_size"]) + ", members="
                     + pd.Series(count[r.index], index=r.index).astype("string")))
    run.add(th, flag(th, h, heads != 1, "relation", "single_head",
                     value=lambda r: pd.Series(heads[r.index], index=r.index).astype("string")))
    orphan = m["household_id"].notna().to_numpy() & ~linked
    run.add(tm, flag(tm, m, orphan, "household_id", "unknown_household"))

    bad_members = run.bad(tm) & linked
    first_bad = np.full(n, -1, dtype=np.int64)
    pos_bad = np.flatnonzero(bad_members)[::-1]  # reversed so the first member wins
    first_bad[where[pos_bad]] = pos_bad
    up = (first_bad >= 0) & ~run.bad(th)
    run.add(th, flag(th, h, up, "household_id", "member_quarantined",
                     value=lambda r: _s(m["member_no"].iloc[first_bad[r.index]])))
    down = _linked(run.bad(th), where) & ~run.bad(tm)
    run.add(tm, flag(tm, m, down, "household_id", "household_quarantined"))


def _dependent_rules(run: _Run, t: str) -> None:
    """Rows keyed by household_id (field checks, support history): orphans and the cascade."""
    f = run.frames[t]
    th = TableName.HOUSEHOLDS.value
    if th not in run.frames:
        return
    where = positions(f["household_id"], _text(run.frames[th]["household_id"]))
    _dependent_flags(run, t, where >= 0, _linked(run.bad(th), where))


def _linked(per_household: np.ndarray, where: np.ndarray) -> np.ndarray:
    """``per_household`` at each row's household position (``where``; -1: none → False)."""
    out = np.zeros(len(where), dtype=bool)
    linked = where >= 0
    out[linked] = per_household[where[linked]]
    return out


def _dependent_flags(run: _Run, t: str, linked: np.ndarray, to_bad: np.ndarray) -> None:
    """Flag rows whose household does not exist, then rows whose household is quarantined."""
    f = run.frames[t]
    orphan = f["household_id"].notna().to_numpy() & ~linked
    run.add(t, flag(t, f, orphan, "household_id", "unknown_household"))
    run.add(t, flag(t, f, to_bad & ~run.bad(t), "household_id", "household_quarantined"))


def _field_rules(run: _Run, year: int | None) -> None:
    t = TableName.FIELD_CHECKS.value
    f = run.frames[t]
    if year is not None:
        low, high = _fieldwork_period(year)
        date = f["visit_date"]
        out = true_mask((date < low) | (date > high))
        run.add(t, flag(t, f, out, "visit_date", "visit_date_range",
                        value=lambda r: r["visit_date"].dt.strftime("%Y-%m-%d"),
                        low=low.date().isoformat(), high=high.date().isoformat()))
    # Only an exact repeat (every contract column equal, e.g. a row exported twice) is a
    # duplicate. Two different rows of one household, date and enumerator are two visits (a
    # not-home call and a completed call back the same day, or a row re-exported once the
    # supervisor approved it): both are kept, and the later approved row supersedes.
    key = list(TABLES[TableName.FIELD_CHECKS].key)
    cols = [c for c in TABLES[TableName.FIELD_CHECKS].names if c in f.columns]
    repeat = f[key].notna().all(axis=1).to_numpy() & f.duplicated(cols, keep="first").to_numpy()
    run.add(t, flag(t, f, repeat, "household_id", "duplicate_visit",
                    value=lambda r: _s(r["household_id"]) + " " + _s(r["visit_date"]) + " "
                    + _s(r["enumerator_id"])))
    _bound_rules(run, t)


def _fieldwork_period(year: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The dates a visit of the ``year`` campaign may carry: 1 January of the year to 31
    December of the next (the assessment of a year's exits is fielded at its end and early the
    next year)."""
    return pd.Timestamp(year, 1, 1), pd.Timestamp(year + 1, 12, 31)


def _sample_rules(run: _Run, t: str, sample_ids: pd.Series | np.ndarray | Iterable[str] | None
                  ) -> None:
    """Field rows of a registered household that was not drawn (main or reserve)."""
    if sample_ids is None:
        return
    f = run.frames[t]
    drawn = isin(f["household_id"], sample_ids)
    registered = f["household_id"].notna().to_numpy() & ~run.bad(t)
    run.add(t, flag(t, f, registered & ~drawn, "household_id", "not_in_sample"))


def _support_rules(run: _Run, year: int | None) -> None:
    t = SUPPORT_HISTORY
    s = run.frames[t]
    check_unique(s, TABLES[TableName.SUPPORT_HISTORY])
    _bound_rules(run, t)
    _year_range(run, t, s, "year", year)


def _finish(run: _Run, read: Mapping[str, int], check_schemas: bool) -> ValidationResult:
    if check_schemas:
        from registry.schemas import schema_for  # pandera (~1 s): imported only when checking
    clean: dict[str, pd.DataFrame] = {}
    counts: dict[str, TableCount] = {}
    parts = []
    for table, frame in run.frames.items():
        bad = run.bad(table)
        clean[table] = finalise_dtypes(frame.loc[~bad].reset_index(drop=True), spec_for(table))
        if check_schemas:  # guards this module's own logic: a failure here is a bug
            schema_for(table).validate(clean[table])
        counts[table] = TableCount(rows_read=read[table], rows_quarantined=int(bad.sum()))
        parts.extend(run.flags.get(table, []))
    quarantine = concat_flags(parts).drop(columns="_pos")
    quarantine = quarantine.sort_values(["table", "file", "row"], kind="stable")
    dropped: tuple[str, ...] = ()
    th = TableName.HOUSEHOLDS.value
    if th in run.frames:
        ids = _text(run.frames[th]["household_id"][run.bad(th)]).dropna()
        dropped = tuple(sorted(set(ids.astype(str))))
    return ValidationResult(
        clean={_key(k): v for k, v in clean.items()},
        quarantine=quarantine.reset_index(drop=True),
        counts={_key(k): v for k, v in counts.items()},
        quarantined_household_ids=dropped,
    )


def _key(table: str) -> TableName:
    return TableName(table)


def validate_county(
    tables: Mapping[str, pd.DataFrame],
    *,
    year: int | None = None,
    county_code: str | None = None,
    known_counties: Iterable[str] | None = None,
    check_schemas: bool = True,
    sample_ids: pd.Series | np.ndarray | Iterable[str] | None = None,
) -> ValidationResult:
    """Validate one county's tables.

    Args:
        tables: frames keyed by :class:`TableName` (``villages``, ``households``, ``members``;
            optionally ``field_checks``, ``support_history`` and ``counties`` — with the county
            frame, village codes are checked against the known counties). Frames may be raw
            strings (as loaded) or already typed; ``source_file``/``source_row`` are used in
            messages when present.
        year: the campaign (assessment) year, for the age and year-range rules; None skips them.
        known_counties: county codes of the (validated) county frame, when ``counties`` is not
            in ``tables``: villages of other counties are quarantined (``unknown_county``).
        county_code: when given, villages (and households, if no village table is given) that
            do not belong to this county are quarantined (rule ``wrong_county``).
        check_schemas: check the clean frames against :mod:`registry.schemas` (a failure is
            a bug in this module, not in the data).
        sample_ids: the county's drawn households (main and reserve), once a sample exists:
            a field row of a registered household not among them is quarantined
            (``not_in_sample``). None skips the rule (no sample yet).

    Returns:
        A :class:`ValidationResult`: typed clean frames without quarantined rows, the quarantine
        frame (:data:`QUARANTINE_COLUMNS`) and rows read / quarantined per table.

    Raises:
        FileLevelError: a missing column, a code stored as a number or a duplicated id.
    """
    run = _Run(frames={}, flags={})
    _prepare(tables, run)
    read = {t: len(f) for t, f in run.frames.items()}
    names = set(run.frames)
    if TableName.COUNTIES.value in names:
        _counties_rules(run)
    if TableName.VILLAGES.value in names:
        _villages_rules(run, county_code, known_counties)
    if TableName.MEMBERS.value in names:
        _members_rules(run, year)
    if TableName.HOUSEHOLDS.value in names:
        _households_rules(run, year, county_code)
        if TableName.MEMBERS.value in names:
            _household_member_rules(run)
    if TableName.FIELD_CHECKS.value in names:
        _field_rules(run, year)
        _dependent_rules(run, TableName.FIELD_CHECKS.value)
        _sample_rules(run, TableName.FIELD_CHECKS.value, sample_ids)
    if SUPPORT_HISTORY in names:
        _support_rules(run, year)
        _dependent_rules(run, SUPPORT_HISTORY)
    return _finish(run, read, check_schemas)


def validate_dependents(
    tables: Mapping[str, pd.DataFrame],
    *,
    households: ValidationResult,
    year: int | None = None,
    check_schemas: bool = True,
    sample_ids: pd.Series | np.ndarray | Iterable[str] | None = None,
) -> ValidationResult:
    """Validate field checks and/or support history against an earlier validation's households.

    Gives the same clean rows and quarantine as validating them in one
    :func:`validate_county` call with the registry: these tables depend on the households
    (an unknown or quarantined household quarantines the row) and never the other way round.
    So a county's registry is validated once (at sampling) and each night's field rows alone.

    Args:
        tables: ``field_checks`` and/or ``support_history`` frames, raw or typed.
        households: the result of :func:`validate_county` on the county's registry (its clean
            households and ``quarantined_household_ids``).
        year: the campaign year, for the year-range rules and the fieldwork period.
        check_schemas: as in :func:`validate_county`.
        sample_ids: as in :func:`validate_county` (``not_in_sample``).
    """
    allowed = {TableName.FIELD_CHECKS.value, SUPPORT_HISTORY}
    unknown = sorted(str(t) for t in tables if str(t) not in allowed)
    if unknown:
        raise ValueError(f"validate_dependents takes field_checks/support_history, not {unknown}")
    run = _Run(frames={}, flags={})
    _prepare(tables, run)
    read = {t: len(f) for t, f in run.frames.items()}
    clean_ids = households.clean[TableName.HOUSEHOLDS]["household_id"]
    dropped = list(households.quarantined_household_ids)
    for t in run.frames:
        if t == TableName.FIELD_CHECKS.value:
            _field_rules(run, year)
        else:
            _support_rules(run, year)
        ids = run.frames[t]["household_id"]
        to_bad = isin(ids, dropped)
        _dependent_flags(run, t, isin(ids, clean_ids) | to_bad, to_bad)
        if t == TableName.FIELD_CHECKS.value:
            _sample_rules(run, t, sample_ids)
    return _finish(run, read, check_schemas)


def validate_counties(
    frame: pd.DataFrame, *, year: int | None = None, check_schemas: bool = True
) -> ValidationResult:
    """Validate the county frame alone (unique codes, province code = county_code[:2]).

    ``year`` bounds the county ``exit_year`` column (not after the campaign year).
    """
    run = _Run(frames={}, flags={})
    _prepare({TableName.COUNTIES.value: frame}, run)
    read = {t: len(f) for t, f in run.frames.items()}
    _counties_rules(run)
    _year_range(run, TableName.COUNTIES.value, run.frames[TableName.COUNTIES.value],
                "exit_year", year)
    return _finish(run, read, check_schemas)
