"""pandera schemas of the clean (validated, typed) tables, built from ``registry.contract``.

These describe what :func:`registry.validation.validate_county` returns: code, text and
category columns as ``str``; ints as ``int64`` (``Int64`` when nullable); floats as ``float64``;
bools as ``bool`` (``boolean`` when nullable); dates as ``datetime64[us]``. Extra columns
(``source_file``, ``source_row``, unknown columns) are allowed. Checks cover what can be said
of one row or one column (code formats, code lists, the columns' declared bounds, unique keys);
rules across columns and tables live in :mod:`registry.validation`.

The schemas also give hypothesis strategies (``schema_for(t).strategy(size=n)``) and
examples for every table (slow: seconds per draw, keep ``max_examples`` small).
"""

from __future__ import annotations

import dataclasses
from functools import cache

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow
import pyarrow.compute as pc
from pandera.engines import pandas_engine

from registry.contract import TABLES, Column, TableName, TableSpec
from registry.problems import SOURCE_FILE, SOURCE_ROW


@dataclasses.dataclass(frozen=True)
class _Str(pandas_engine.STRING):  # type: ignore[misc]
    """pandera's ``str`` dtype, answering a passing check with one bool.

    pandera's own check answers ``str`` columns element by element (an all-true array), and a
    per-element answer makes pandera format a failure-case table even when nothing fails: a
    few milliseconds per column. A failing check is answered exactly as pandera would.
    """

    def check(self, pandera_dtype: object, data_container: object = None) -> object:
        """pandera's check; ``True`` instead of an all-true element-wise answer."""
        result = super().check(pandera_dtype, data_container)
        if not isinstance(result, bool) and bool(np.all(result)):
            return True
        return result


_STR = _Str()


def _dtype(col: Column) -> str | _Str:
    if col.kind in ("code", "str", "category"):
        return _STR
    if col.kind == "int":
        return "Int64" if col.nullable else "int64"
    if col.kind == "float":
        return "float64"
    if col.kind == "bool":
        return "boolean" if col.nullable else "bool"
    return "datetime64[us]"


def _str_matches(pattern: str, digits: int) -> pa.Check:
    """``Check.str_matches(pattern)`` for a pattern that every string of ``digits`` ASCII digits
    matches: those are accepted by a cheap Arrow test, only the rest go through the regex.

    Same name, error and statistics as the built-in check, so the hypothesis strategy and the
    error messages are pandera's own.
    """
    builtin = pa.Check.str_matches(pattern)

    def digits_or_regex(data: pd.Series) -> pd.Series:
        if not isinstance(data.dtype, pd.StringDtype):
            return data.str.match(pattern, na=False)
        values = pa_arrow.array(data, from_pandas=True)
        plain = pc.and_(pc.ascii_is_decimal(values), pc.equal(pc.binary_length(values), digits))
        ok = plain.fill_null(False).to_numpy(zero_copy_only=False)
        out = pd.Series(ok, index=data.index)
        if not ok.all():
            rest = data[~ok]
            out[~ok] = rest.str.match(pattern, na=False).to_numpy(dtype=bool)
        return out

    return pa.Check(
        digits_or_regex, name=builtin.name, error=builtin.error, statistics=builtin.statistics,
        determined_by_unique=True,
    )


def _checks(col: Column) -> list[pa.Check]:
    checks: list[pa.Check] = []
    if col.kind == "code":
        checks.append(_str_matches(rf"^[0-9]{{{col.length}}}$", col.length or 0))
    if col.kind == "category" and col.choices:
        checks.append(pa.Check.isin(list(col.choices)))
    if col.name == "head_id_number":
        checks.append(_str_matches(r"^[0-9]{17}[0-9X]$", 18))
    if col.bounds is not None and col.bounds.low is not None:
        checks.append(pa.Check.ge(col.bounds.low))
    if col.bounds is not None and col.bounds.high is not None:
        checks.append(pa.Check.le(col.bounds.high))
    return checks


def build_schema(spec: TableSpec) -> pa.DataFrameSchema:
    """The pandera schema of one clean table."""
    columns = {
        c.name: pa.Column(_dtype(c), checks=_checks(c), nullable=c.nullable, coerce=False)
        for c in spec.columns
    }
    columns[SOURCE_FILE] = pa.Column(_STR, required=False, nullable=True)
    columns[SOURCE_ROW] = pa.Column("int64", required=False)
    return pa.DataFrameSchema(
        columns, unique=list(spec.key) if spec.unique else None, strict=False,
        name=str(spec.name),
        report_duplicates="exclude_first",
    )


@cache
def schema_for(table: TableName | str) -> pa.DataFrameSchema:
    """The schema of a clean table (``validate_county(...).clean[table]``)."""
    return build_schema(TABLES[TableName(table)])
