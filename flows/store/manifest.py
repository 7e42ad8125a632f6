"""Content hashes, software versions and the run manifest: enough to rerun exactly."""

from __future__ import annotations

import hashlib
import json
import platform
from datetime import UTC, datetime
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from flows.store.files import sha256_file, write_json

__all__ = ["cache_key", "code_version", "sha256_file", "update_manifest", "versions"]

PACKAGES = (
    "exitcheck", "numpy", "pandas", "pandera", "pyarrow", "scipy", "scikit-learn", "prefect",
    "jinja2", "weasyprint", "openpyxl", "sqlalchemy",
)
_SOURCE_DIRS = ("registry", "sampling", "assessment", "flows", "report_templates")


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def versions() -> dict[str, str]:
    """Versions of Python and of the packages a result depends on."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


@cache
def code_version() -> str:
    """A hash of exitcheck's own source and templates: a code change invalidates the cache."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for d in _SOURCE_DIRS:
        for p in sorted((root / d).rglob("*")):
            if p.is_file() and p.suffix in {".py", ".html", ".css", ".json", ".csv"}:
                h.update(str(p.relative_to(root)).encode())
                h.update(p.read_bytes())
    return h.hexdigest()


def cache_key(*parts: str) -> str:
    """Combine content hashes (inputs, config, code version) into one key."""
    return sha256_text("\n".join(parts))


def now_utc() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def update_manifest(path: Path, update: dict[str, Any]) -> dict[str, Any]:
    """Merge ``update`` into the manifest at ``path``: a county's entry keeps the keys of
    earlier steps (sample, assess) and takes the new ones."""
    manifest: dict[str, Any] = {}
    if path.exists():
        manifest = json.loads(path.read_text(encoding="utf-8"))
    counties = manifest.get("counties", {})
    for code, entry in update.pop("counties", {}).items():
        counties[code] = {**counties.get(code, {}), **entry}
    inputs = manifest.get("inputs", {})
    inputs.update(update.pop("inputs", {}))
    manifest.update(update)
    manifest["counties"] = dict(sorted(counties.items()))
    manifest["inputs"] = dict(sorted(inputs.items()))
    manifest["updated_at"] = now_utc()
    manifest.setdefault("created_at", manifest["updated_at"])
    write_json(manifest, path)
    return manifest
