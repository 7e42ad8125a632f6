"""A county step's state: the key of its inputs and the hashes of its outputs.

A county step is skipped when the SHA-256 of its input files, the config digest and the code
version all match the record of the last run and its outputs are still on disk with the
recorded hashes. Paths never enter the key.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flows.store.files import sha256_file, write_json
from flows.store.manifest import cache_key, code_version
from flows.store.workspace import Workspace


def clean_stale_temp(ws: Workspace) -> int:
    """Remove temp files a killed run left behind (finished outputs are never partial)."""
    stale = [p for p in ws.root.rglob(".*.tmp") if p.is_file()]
    for p in stale:
        p.unlink(missing_ok=True)
    return len(stale)

def inputs_digest(data_dir: Path, files: list[Path],
                   known: dict[str, str] | None = None) -> tuple[str, dict[str, str]]:
    """One key over the files' SHA-256 (``known`` holds hashes already computed this run)."""
    known = known or {}
    names = [str(f.relative_to(data_dir)) if f.is_relative_to(data_dir) else str(f)
             for f in files]
    hashes = {n: known.get(n) or sha256_file(f) for n, f in zip(names, files, strict=True)}
    return cache_key(*(f"{k}={v}" for k, v in sorted(hashes.items()))), hashes

def cached_state(ws: Workspace, county: str, step: str, key: str) -> dict[str, Any] | None:
    path = ws.state(county, step)
    if not path.exists():
        return None
    state = json.loads(path.read_text(encoding="utf-8"))
    if state.get("key") != key:
        return None
    for rel, digest in state.get("outputs", {}).items():
        p = ws.root / rel
        if not p.exists() or sha256_file(p) != digest:
            return None
    return state

def record_state(ws: Workspace, county: str, step: str, key: str, outputs: list[Path],
                  extra: dict[str, Any]) -> dict[str, str]:
    hashes = {str(p.relative_to(ws.root)): sha256_file(p) for p in outputs if p.exists()}
    write_json({"key": key, "outputs": hashes, "code_version": code_version(), **extra},
                  ws.state(county, step))
    return hashes
