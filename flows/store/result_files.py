"""A county's result files: ``WS/results/<county>.json|.detail.json|.parquet|.substitutions.csv``.

``write_county_results`` writes them (atomically, the results json last: its presence marks a
county as assessed) and ``read_county_results`` is the one way to read them back as a
``flows.store.results.CountyResults``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from flows.store.files import write_csv, write_json, write_parquet
from flows.store.results import CountyResults
from flows.store.stamps import results_paths
from flows.store.workspace import Workspace
from registry.errors import ExitcheckError


class ResultsFileError(ExitcheckError):
    """A workspace file a report or a check needs is missing or unreadable."""


def read_json_object(path: Path, *, required: bool = True) -> dict[str, Any]:
    """The JSON object in ``path``; ``{}`` for a missing file that is not ``required``."""
    if not path.exists():
        if required:
            raise ResultsFileError(
                f"报告所需文件不存在：{path}。请先运行评估（exitcheck assess）。 / "
                f"The report needs {path}, which does not exist. Run `exitcheck assess` first."
            )
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ResultsFileError(
            f"文件 {path} 不是有效的 JSON（{e}）。 / {path} is not valid JSON ({e})."
        ) from e
    if not isinstance(data, dict):
        raise ResultsFileError(f"文件 {path} 应为 JSON 对象。 / {path} must hold a JSON object.")
    return data


def write_county_results(ws: Workspace, results: CountyResults, *, households: pd.DataFrame,
                         substitutions: pd.DataFrame) -> list[Path]:
    """Write the county's scored households, its detail, its substitutions and its results json.

    Returns the paths of the parquet, the results json and the detail json (the outputs a
    cache record hashes).
    """
    county = results.county_code
    doc, detail = results.to_json()
    write_parquet(households, ws.results(county))
    write_json(detail, ws.detail_json(county))
    write_csv(substitutions, ws.substitutions(county))
    write_json(doc, ws.results_json(county))
    return [ws.results(county), ws.results_json(county), ws.detail_json(county)]


def read_county_results(workspace: Path, county: str, *,
                        signals: bool = True) -> CountyResults:
    """Read ``results/<county>.json`` (required), its detail and ``signals/<county>.json``
    (both optional) into one ``CountyResults``."""
    ws = Path(workspace)
    paths = results_paths(ws, county)
    signals_path = ws / "signals" / f"{county}.json"
    return CountyResults.from_json(
        read_json_object(paths["json"]),
        read_json_object(paths["detail"], required=False),
        signals=read_json_object(signals_path) if signals and signals_path.exists() else None,
    )


def read_scored_households(workspace: Path, county: str) -> pd.DataFrame:
    """``results/<county>.parquet`` (empty when the county has none)."""
    path = results_paths(Path(workspace), county)["parquet"]
    return pd.read_parquet(path) if path.exists() else pd.DataFrame()
