"""Report stamps and hashes: the provenance that binds a rendered report to its results.

The renderer writes a stamp into every report (HTML ``<meta>`` tags, a sidecar for the PDF);
the ledger reads it back to know which assessment a signed report shows.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flows.store.files import sha256_file

META_COUNTY = "exitcheck:county"
META_RESULTS = "exitcheck:results-sha256"
META_ASSESSMENT = "exitcheck:assessment-sha256"
META_GENERATED = "exitcheck:generated-at"
META_LANG = "exitcheck:lang"

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The default clock."""
    return datetime.now(UTC)


# --------------------------------------------------------------------------- hashing / stamps


def results_paths(workspace: Path, county_code: str) -> dict[str, Path]:
    """The three assessment output files of a county."""
    base = Path(workspace) / "results"
    return {
        "json": base / f"{county_code}.json",
        "detail": base / f"{county_code}.detail.json",
        "parquet": base / f"{county_code}.parquet",
    }


def results_sha256(workspace: Path, county_code: str) -> str | None:
    """SHA-256 of ``WS/results/<county>.json``, or None when it does not exist."""
    p = results_paths(workspace, county_code)["json"]
    return sha256_file(p) if p.exists() else None


def assessment_sha256(workspace: Path, county_code: str) -> str | None:
    """One hash over the county's results json, detail json and parquet (those present)."""
    paths = results_paths(workspace, county_code)
    if not paths["json"].exists():
        return None
    lines = [f"{k}:{sha256_file(p) if p.exists() else '-'}" for k, p in paths.items()]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


@dataclass(frozen=True)
class ReportStamp:
    """What a rendered report says about the assessment it shows."""

    county_code: str
    results_sha256: str
    assessment_sha256: str
    lang: str
    generated_at: str


def sidecar_path(report: Path) -> Path:
    """``<county>.html`` / ``<county>.pdf`` → ``<county>.meta.json`` (``.en`` kept)."""
    name = report.name
    stem = name.rsplit(".", 1)[0]
    return report.with_name(f"{stem}.meta.json")


_META_RE = re.compile(r'<meta name="(exitcheck:[a-z0-9-]+)" content="([^"]*)">')


def read_report_stamp(report: Path) -> ReportStamp | None:
    """The stamp of a rendered report; None when the file carries none (not ours, or changed).

    An HTML report carries its stamp in ``<meta name="exitcheck:...">`` tags. A PDF cannot be
    read without a PDF parser, so its stamp comes from the sidecar ``<stem>.meta.json`` written
    with it, and only when the sidecar lists the PDF's current SHA-256.
    """
    report = Path(report)
    if report.suffix == ".html":
        head = report.read_text(encoding="utf-8", errors="replace")[:20000]
        meta = dict(_META_RE.findall(head))
    else:
        side = sidecar_path(report)
        if not side.exists():
            return None
        data = json.loads(side.read_text(encoding="utf-8"))
        if data.get("files", {}).get(report.name) != sha256_file(report):
            return None
        meta = {
            META_COUNTY: data.get("county_code", ""),
            META_RESULTS: data.get("results_sha256", ""),
            META_ASSESSMENT: data.get("assessment_sha256", ""),
            META_LANG: data.get("lang", ""),
            META_GENERATED: data.get("generated_at", ""),
        }
    if not meta.get(META_RESULTS):
        return None
    return ReportStamp(
        county_code=meta.get(META_COUNTY, ""),
        results_sha256=meta[META_RESULTS],
        assessment_sha256=meta.get(META_ASSESSMENT, ""),
        lang=meta.get(META_LANG, ""),
        generated_at=meta.get(META_GENERATED, ""),
    )
