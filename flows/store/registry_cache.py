"""The validated-registry cache: a county's clean tables as Arrow files under
WS/.state/registry/<county>/, with a state record of their hashes written last.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from flows.store.files import atomic_write, sha256_file, write_json
from flows.store.workspace import Workspace
from registry.contract import TableName
from registry.validation import TableCount, ValidationResult

# The last registry read in this process, as (cache folder, state file text, result): a
# spot-check reads it in sample and again in assess. Returned as shallow copies, which pandas'
# copy-on-write keeps independent of the stored frames.
_LAST_READ: tuple[Path, str, ValidationResult] | None = None

def read_registry(ws: Workspace, county: str, key: str) -> ValidationResult | None:
    global _LAST_READ

    folder = ws.registry_cache(county)
    state_path = folder / "state.json"
    if not state_path.exists():
        return None
    text = state_path.read_text(encoding="utf-8")
    state = json.loads(text)
    if state.get("key") != key:
        return None
    for name, digest in state["files"].items():
        path = folder / f"{name}.arrow"
        if not path.exists() or sha256_file(path) != digest:
            return None
    if _LAST_READ is None or _LAST_READ[:2] != (folder, text):
        frames = {name: pd.read_feather(folder / f"{name}.arrow") for name in state["files"]}
        quarantine = frames.pop("quarantine")
        _LAST_READ = (folder, text, ValidationResult(
            clean={TableName(t): df for t, df in frames.items()}, quarantine=quarantine,
            counts={TableName(t): TableCount(*c) for t, c in state["counts"].items()},
            quarantined_household_ids=tuple(state["quarantined_household_ids"])))
    last = _LAST_READ[2]
    return ValidationResult(
        clean={t: df.copy(deep=False) for t, df in last.clean.items()},
        quarantine=last.quarantine.copy(deep=False), counts=dict(last.counts),
        quarantined_household_ids=last.quarantined_household_ids)

def store_registry(ws: Workspace, county: str, key: str, result: ValidationResult) -> None:
    folder = ws.registry_cache(county)
    (folder / "state.json").unlink(missing_ok=True)  # the record goes last: no stale match
    named = {**{t.value: df for t, df in result.clean.items()}, "quarantine": result.quarantine}
    files = {}
    for name, frame in named.items():
        path = folder / f"{name}.arrow"
        atomic_write(path, lambda tmp, f=frame: f.reset_index(drop=True).to_feather(
            tmp, compression="zstd"))
        files[name] = sha256_file(path)
    write_json({"key": key, "files": files,
                   "counts": {t.value: [c.rows_read, c.rows_quarantined]
                              for t, c in result.counts.items()},
                   "quarantined_household_ids": list(result.quarantined_household_ids)},
                  folder / "state.json")
