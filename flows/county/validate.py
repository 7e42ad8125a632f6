"""``exitcheck validate``: check a whole campaign directory county by county.

Memory is bounded by one county: the county frame is validated once, then each county's
tables are loaded, validated and dropped, keeping only their quarantined rows. All counties'
quarantined rows are written at the end to ``WS/quarantine/<table>.csv`` (one file per table
that was read, empty when clean, so a stale file never survives a rerun).

The data are *usable* when no file was refused and, for every table, the quarantined share of
the rows read is at most ``max_quarantine_share``. The CLI exits with status 0 when usable and
2 otherwise (the lead wires ``exitcheck validate --data DIR --workspace WS``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from rich.markup import escape
from rich.table import Table

from flows.store import files, tables
from flows.store.workspace import Workspace
from registry.contract import TABLES, TableName
from registry.validation import (
    FileLevelError,
    TableCount,
    ValidationResult,
    empty_quarantine,
    validate_counties,
    validate_county,
)


@dataclass(frozen=True)
class FileProblem:
    """A refused file (one :class:`FileLevelError`), with the county being read when known."""

    county: str | None
    file: str
    column: str | None
    rule: str
    row: int | tuple[int, ...] | None
    message_zh: str
    message_en: str

    @classmethod
    def from_error(cls, error: FileLevelError, county: str | None) -> FileProblem:
        return cls(county, error.file, error.column, error.rule, error.row, error.message_zh,
                   error.message_en)


@dataclass(frozen=True)
class CampaignValidationSummary:
    """Rows read / quarantined per table (``tables``) and per county and table (``counties``;
    the county frame is under ``"*"``), refused files, the quarantine files written, and
    whether the data can be used."""

    data_dir: str
    workspace: str
    year: int | None
    max_quarantine_share: float
    tables: dict[str, TableCount]
    counties: dict[str, dict[str, TableCount]]
    file_errors: tuple[FileProblem, ...]
    quarantine_files: dict[str, str] = field(default_factory=dict)

    @property
    def over_limit(self) -> list[str]:
        """Tables whose quarantined share exceeds the limit."""
        return [t for t, c in self.tables.items() if c.share > self.max_quarantine_share]

    @property
    def usable(self) -> bool:
        """No refused file and no table over the quarantine limit."""
        return not self.file_errors and not self.over_limit


def _data_counties(data_dir: Path, known: list[str] | None) -> list[str]:
    """Counties that have household rows (per-county files, or village_code prefixes); a
    per-county file named after no known county is left to :func:`_misnamed`."""
    found = tables.table_files(data_dir, TableName.HOUSEHOLDS)
    if found and found[0].parent.name == TableName.HOUSEHOLDS.value:
        stems = {f.stem for f in found}
        return sorted(stems & set(known)) if known is not None else sorted(stems)
    codes: set[str] = set()
    for f in found:
        frame = tables.read_table(f, TABLES[TableName.HOUSEHOLDS], columns=("village_code",),
                                   typed=False)
        codes |= set(frame["village_code"].dropna().astype(str).str.slice(0, 6))
    return sorted(codes)


def _misnamed(data_dir: Path, known: list[str]) -> list[FileLevelError]:
    """Stray per-county files (a name that is no county code, or no county of the frame)."""
    out: list[FileLevelError] = []
    for table in (TableName.VILLAGES, TableName.HOUSEHOLDS, TableName.MEMBERS,
                  TableName.FIELD_CHECKS, TableName.SUPPORT_HISTORY):
        try:
            out.extend(tables.misnamed_county_files(data_dir, table, known))
        except FileLevelError:
            continue  # a missing table is reported when a county reads it
    return out


def _sample_ids(workspace: Path, county: str) -> pd.Series | None:
    """The county's drawn households when a sample exists (field rows are checked against
    it, rule ``not_in_sample``), else None."""
    ws = Workspace(workspace)
    if county not in ws.sampled_counties():  # (asking for the path would create WS/sample)
        return None
    return tables.read_sample_ids(ws.sample(county))


def _add(totals: dict[str, TableCount], table: str, count: TableCount) -> None:
    old = totals.get(table, TableCount(0, 0))
    totals[table] = TableCount(old.rows_read + count.rows_read,
                               old.rows_quarantined + count.rows_quarantined)


def validate_campaign(
    data_dir: Path,
    workspace: Path,
    *,
    year: int | None = None,
    max_quarantine_share: float = 0.01,
) -> CampaignValidationSummary:
    """Validate every county of ``data_dir``; write ``WS/quarantine/<table>.csv``."""
    data_dir, workspace = Path(data_dir), Path(workspace)
    errors: list[FileProblem] = []
    totals: dict[str, TableCount] = {}
    per_county: dict[str, dict[str, TableCount]] = {}
    quarantined: list[pd.DataFrame] = []
    seen: set[str] = set()

    known: list[str] | None = None
    try:
        result = validate_counties(tables.load_counties(data_dir), year=year)
        _collect(result, "*", totals, per_county, quarantined, seen)
        known = result.clean[TableName.COUNTIES]["county_code"].tolist()
        counties = sorted(set(_data_counties(data_dir, known)))
        errors.extend(FileProblem.from_error(e, None) for e in _misnamed(data_dir, known))
    except FileLevelError as exc:
        errors.append(FileProblem.from_error(exc, None))
        counties = []

    for county in counties:
        try:
            loaded = tables.load_county(data_dir, county)
            result = validate_county(loaded, year=year, county_code=county,
                                     known_counties=known,
                                     sample_ids=_sample_ids(workspace, county))
        except FileLevelError as exc:
            errors.append(FileProblem.from_error(exc, county))
            continue
        _collect(result, county, totals, per_county, quarantined, seen)

    written = _write_quarantine(workspace, quarantined, seen)
    return CampaignValidationSummary(
        data_dir=str(data_dir), workspace=str(workspace), year=year,
        max_quarantine_share=max_quarantine_share, tables=totals, counties=per_county,
        file_errors=tuple(errors), quarantine_files=written,
    )


def _collect(result: ValidationResult, county: str, totals: dict[str, TableCount],
             per_county: dict[str, dict[str, TableCount]], quarantined: list[pd.DataFrame],
             seen: set[str]) -> None:
    for table, count in result.counts.items():
        name = str(table)
        seen.add(name)
        _add(totals, name, count)
        per_county.setdefault(county, {})[name] = count
    if len(result.quarantine):
        quarantined.append(result.quarantine)


def _write_quarantine(workspace: Path, parts: list[pd.DataFrame], tables: set[str]
                      ) -> dict[str, str]:
    folder = workspace / "quarantine"
    allq = pd.concat(parts, ignore_index=True) if parts else empty_quarantine()
    written = {}
    for table in sorted(tables | set(allq["table"].unique())):
        rows = allq[allq["table"] == table].reset_index(drop=True)
        written[table] = str(files.write_csv(rows, folder / f"{table}.csv"))
    return written


def render_summary(summary: CampaignValidationSummary) -> Table:
    """A rich table: per table rows read, quarantined, share and status; refused files below."""
    ok = "可用 usable" if summary.usable else "不可用 NOT usable"
    table = Table(
        title=f"数据检查 / validation: {ok}",
        caption=_caption(summary),
        caption_justify="left",
    )
    for header, justify in (("表 table", "left"), ("读入 rows read", "right"),
                            ("隔离 quarantined", "right"), ("比例 share", "right"),
                            ("状态 status", "left")):
        table.add_column(header, justify=justify)  # type: ignore[arg-type]
    over = set(summary.over_limit)
    for name, count in summary.tables.items():
        status = (f"[red]超过 {summary.max_quarantine_share:.1%} over limit[/red]"
                  if name in over else "[green]OK[/green]")
        table.add_row(name, f"{count.rows_read:,}", f"{count.rows_quarantined:,}",
                      f"{count.share:.2%}", status)
    return table


def _caption(summary: CampaignValidationSummary) -> str:
    lines = [f"数据 / data: {escape(summary.data_dir)}"]
    if summary.file_errors:
        lines.append(f"拒收文件 / refused files: {len(summary.file_errors)}")
        for p in summary.file_errors[:10]:
            # Escaped: rich would take "[abc]" in a file name or a county for markup.
            where = escape(f"[{p.county}] ") if p.county else ""
            lines.append(f"  {where}{escape(p.message_zh)}")
            lines.append(f"  {where}{escape(p.message_en)}")
        if len(summary.file_errors) > 10:
            lines.append(f"  … {len(summary.file_errors) - 10} more / 另有若干")
    if summary.quarantine_files:
        folder = escape(str(Path(summary.workspace) / "quarantine"))
        lines.append(f"隔离行 / quarantined rows: {folder}")
    return "\n".join(lines)
