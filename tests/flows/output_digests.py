"""Content digests of a campaign workspace: what must stay byte-identical across refactors.

Parquet files are digested by content (column names, dtypes and every value as written by
``DataFrame.to_csv``), not by bytes: the bytes carry the writer's version. CSV files are
digested as bytes. JSON files are digested after dropping the keys that record the machine
(software versions, input-file hashes, the code version and the data folder).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd

#: What is compared: the synthetic data and truth, the samples and every result.
PATTERNS = (
    "data/counties.csv", "data/*/*.parquet", "data/field_checks/*.csv",
    "truth/households/*.parquet", "truth/truth.json",
    "sample/*.parquet", "results/*.parquet", "results/*.json", "results/*.csv",
)
#: Keys that describe the machine, the folders or the files' bytes, not the results.
VOLATILE = frozenset({"versions", "inputs_sha256", "code_version", "data_dir"})


def _without(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _without(v) for k, v in obj.items() if k not in VOLATILE}
    if isinstance(obj, list):
        return [_without(v) for v in obj]
    return obj


def file_digest(path: Path) -> str:
    """The content digest of one output file."""
    h = hashlib.sha256()
    if path.suffix == ".parquet":
        df = pd.read_parquet(path)
        h.update(json.dumps([[c, str(t)] for c, t in df.dtypes.items()]).encode())
        h.update(df.to_csv(index=False).encode())
    elif path.suffix == ".json":
        obj = _without(json.loads(path.read_text(encoding="utf-8")))
        h.update(json.dumps(obj, sort_keys=True, ensure_ascii=False).encode())
    else:
        h.update(path.read_bytes())
    return h.hexdigest()


def workspace_digests(ws: Path) -> dict[str, str]:
    """Digest of every compared file under ``ws``, keyed by its relative path."""
    files = sorted({p for pattern in PATTERNS for p in ws.glob(pattern) if p.is_file()})
    return {str(p.relative_to(ws)): file_digest(p) for p in files}
