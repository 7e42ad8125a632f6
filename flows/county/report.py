"""Render a county's report, or the province summary, with the ledger open for the sign-off block.
"""

from __future__ import annotations

from pathlib import Path

from flows.render.reports import render_county, render_province
from flows.store.ledger import Ledger
from flows.store.workspace import Workspace


def render_county_report(ws: Workspace, county: str, *, pdf: bool, lang: str) -> list[Path]:
    """Render WS/reports/<county>.html (and .pdf)."""

    with Ledger(workspace=ws.root) as ledger:
        paths = render_county(ws.root, county, lang=lang, pdf=pdf, ledger=ledger)
    return [p for p in (getattr(paths, "html", None), getattr(paths, "pdf", None)) if p]

def render_province_report(ws: Workspace, *, pdf: bool, lang: str) -> list[Path]:
    """Render WS/reports/province.html (and .pdf) over every assessed county."""

    if not ws.assessed_counties():
        return []
    with Ledger(workspace=ws.root) as ledger:
        paths = render_province(ws.root, lang=lang, pdf=pdf, ledger=ledger)
    return [p for p in (getattr(paths, "html", None), getattr(paths, "pdf", None)) if p]
