"""Shell of ``exitcheck signoff`` and ``exitcheck verify`` over the append-only ledger."""

from __future__ import annotations

from pathlib import Path

from flows.ledger import Ledger, Mismatch, SignOff
from flows.workspace import Workspace


def record_signoff(workspace: Path, *, county: str, reviewer: str, decision: str, comment: str,
                   db: str | None = None) -> SignOff:
    """Record a provincial decision on WS/reports/<county>.html, bound to its SHA-256."""
    ws = Workspace.at(workspace)
    report = ws.reports_dir() / f"{county}.html"
    if not report.exists():
        raise FileNotFoundError(
            f"No report for county {county} at {report}: run 'exitcheck assess' first. / "
            f"没有{county}县的报告，请先运行评估。")
    with Ledger(db, workspace=ws.root) as ledger:
        return ledger.record(county, reviewer, decision, comment, report)


def verify_signoffs(workspace: Path, *, db: str | None = None) -> list[Mismatch]:
    """Re-hash every signed report; the mismatches (empty when nothing was tampered with)."""
    ws = Workspace.at(workspace)
    with Ledger(db, workspace=ws.root) as ledger:
        return ledger.verify(ws.root)
