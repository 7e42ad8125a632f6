"""A county's inputs: which counties, which files, the validated registry and field rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from flows.store import tables
from flows.store.config import CampaignConfig
from flows.store.manifest import cache_key, code_version
from flows.store.quarantine import write_quarantine
from flows.store.registry_cache import read_registry, store_registry
from flows.store.state import inputs_digest
from flows.store.workspace import Workspace
from registry.contract import TableName
from registry.errors import ExitcheckError
from registry.validation import TableCount, ValidationResult, validate_county, validate_dependents

SAMPLE_TABLES = (TableName.VILLAGES, TableName.HOUSEHOLDS, TableName.MEMBERS)

#: What is validated once per county and cached (the field checks change every night).
REGISTRY_TABLES = (*SAMPLE_TABLES, TableName.SUPPORT_HISTORY)

class CountyError(ExitcheckError):
    """A county cannot be processed (missing sample, too many bad rows, unknown code, ...).

    The message holds the English and the Chinese text.
    """

def resolve_counties(data_dir: Path, requested: list[str] | None,
                     sampled_in: Workspace | None = None) -> list[str]:
    """The counties to process: those requested (checked), else all in the county frame.

    With ``sampled_in``, only counties that have a drawn sample are taken by default.
    """
    known = tables.county_codes(data_dir)
    if requested:
        unknown = sorted(set(requested) - set(known))
        if unknown:
            raise CountyError(
                f"County codes not in {data_dir}/counties: {', '.join(unknown)} / "
                f"县代码不在县域表中：{', '.join(unknown)}"
            )
        return list(dict.fromkeys(requested))
    if sampled_in is not None:
        sampled = set(sampled_in.sampled_counties())
        return [c for c in known if c in sampled]
    return known

def county_input_files(data_dir: Path, county: str, names: tuple[TableName, ...]) -> list[Path]:
    """The files a county's result depends on: its per-county files, or the shared table files."""
    files: list[Path] = []
    for table in names:
        for f in tables.table_files(data_dir, table):
            if f.parent.name == table.value and f.stem != county:
                continue  # another county's file in a per-county folder
            files.append(f)
    return files

def _check_share(county: str, counts: dict[TableName, TableCount], cfg: CampaignConfig) -> None:
    """Refuse a county whose registry has too large a share of bad rows."""
    for table in (TableName.HOUSEHOLDS, TableName.MEMBERS, TableName.VILLAGES):
        count = counts.get(table, TableCount(0, 0))
        read, bad = count.rows_read, count.rows_quarantined
        if read and bad / read > cfg.max_quarantine_share:
            raise CountyError(
                f"County {county}: {bad} of {read} {table.value} rows "
                f"({bad / read:.1%}) failed validation, more than the allowed "
                f"{cfg.max_quarantine_share:.1%}. See WS/quarantine/{table.value}.csv. / "
                f"{county}县 {table.value} 表有 {bad}/{read} 行未通过校验，超过允许比例 "
                f"{cfg.max_quarantine_share:.1%}，详见隔离文件。"
            )

def _registry_key(data_dir: Path, county: str, cfg: CampaignConfig,
                  known: dict[str, str] | None) -> str:
    files = [*county_input_files(data_dir, county, REGISTRY_TABLES),
             *tables.table_files(data_dir, TableName.COUNTIES)]
    inputs_key, _ = inputs_digest(data_dir, files, known)
    return cache_key(inputs_key, county, f"year={cfg.year}", code_version())

def registry_tables(data_dir: Path, ws: Workspace, county: str, cfg: CampaignConfig,
                    known_hashes: dict[str, str] | None = None) -> ValidationResult:
    """The county's validated registry (villages, households, members, support history).

    Validated once and kept as Arrow files under WS/.state/registry/<county>/, keyed on the
    SHA-256 of the input files, the county frame, the campaign year and the code version, and
    checked against their recorded hashes when read: ``sample`` validates, ``assess`` (every
    night) and a spot-check reuse. The county's quarantine parts are rewritten either way.
    ``known_hashes`` are input hashes the caller already computed (not hashed again).
    """

    key = _registry_key(data_dir, county, cfg, known_hashes)
    result = read_registry(ws, county, key)
    if result is None:
        raw = tables.load_county(data_dir, county, tables=REGISTRY_TABLES)
        result = validate_county(raw, year=cfg.year, county_code=county,
                                 known_counties=tables.county_codes(data_dir))
        store_registry(ws, county, key, result)
    write_quarantine(ws, county, result.quarantine, REGISTRY_TABLES)
    _check_share(county, result.counts, cfg)
    return result

def field_rows(data_dir: Path, ws: Workspace, county: str, cfg: CampaignConfig,
               registry: ValidationResult, field_dir: Path | None = None
               ) -> tuple[pd.DataFrame | None, int]:
    """The county's field checks, validated against its validated registry (None if none),
    and how many of its rows were quarantined."""

    raw = tables.load_county(field_dir or data_dir, county, tables=(TableName.FIELD_CHECKS,))
    if TableName.FIELD_CHECKS not in raw:
        write_quarantine(ws, county, None, (TableName.FIELD_CHECKS,))
        return None, 0
    # The schema guard (check_schemas) checks registry.validation's own logic, which its tests
    # do; here it would only import pandera (~1 s of a one-county spot-check) for field rows.
    result = validate_dependents({TableName.FIELD_CHECKS.value: raw[TableName.FIELD_CHECKS]},
                                 households=registry, year=cfg.year, check_schemas=False)
    write_quarantine(ws, county, result.quarantine, (TableName.FIELD_CHECKS,))
    count = result.counts.get(TableName.FIELD_CHECKS)
    return result.clean[TableName.FIELD_CHECKS], count.rows_quarantined if count else 0

def quarantined_rows(registry: ValidationResult, field_quarantined: int) -> dict[str, int]:
    """Rows of this county set aside by validation, per table (the report says so, and
    WS/quarantine/<table>.csv holds them with the rule each broke)."""
    out = {t.value: registry.counts[t].rows_quarantined for t in REGISTRY_TABLES
           if t in registry.counts}
    out[TableName.FIELD_CHECKS.value] = field_quarantined
    return out

def county_row(data_dir: Path, county: str) -> dict[str, Any]:
    frame = tables.load_counties(data_dir)
    row = frame.loc[frame["county_code"] == county]
    if row.empty:
        raise CountyError(f"County {county} is not in the county frame / 县域表中没有 {county}")
    return row.iloc[0].to_dict()
