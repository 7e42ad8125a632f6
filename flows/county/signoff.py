"""Shell of ``exitcheck signoff`` and ``exitcheck verify`` over the append-only ledger."""

from __future__ import annotations

import json
from pathlib import Path

from flows.store.ledger import Ledger, Mismatch, SignOff
from flows.store.workspace import Workspace
from registry.errors import ExitcheckError


class ProvisionalResultError(ExitcheckError):
    """An approval of results that are still provisional."""


def record_signoff(workspace: Path, *, county: str, reviewer: str, decision: str, comment: str,
                   db: str | None = None) -> SignOff:
    """Record a provincial decision on WS/reports/<county>.html, bound to its SHA-256."""
    ws = Workspace.at(workspace)
    report = ws.reports_dir() / f"{county}.html"
    if not report.exists():
        raise FileNotFoundError(
            f"No report for county {county} at {report}: run 'exitcheck assess' first. / "
            f"没有{county}县的报告，请先运行评估。")
    results = ws.results_json(county)
    if decision == "approve" and results.exists() and json.loads(
            results.read_text(encoding="utf-8")).get("provisional"):
        raise ProvisionalResultError(
            f"County {county}'s results are provisional (field data incomplete: households "
            f"pending, visits awaiting review, or unverified households): they cannot be "
            f"approved yet. 'reject' or 'return' are possible; rerun 'exitcheck assess' when "
            f"fieldwork is complete. / {county}县结果为临时结果（外业数据未完成），暂不能同意"
            f"退出，可选择不同意或退回。")
    with Ledger(db, workspace=ws.root) as ledger:
        return ledger.record(county, reviewer, decision, comment, report)


def verify_signoffs(workspace: Path, *, db: str | None = None) -> list[Mismatch]:
    """Re-hash every signed report; the mismatches (empty when nothing was tampered with)."""
    ws = Workspace.at(workspace)
    with Ledger(db, workspace=ws.root) as ledger:
        return ledger.verify(ws.root)
