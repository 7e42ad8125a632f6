"""Render the county report, the province summary and the spot-check comparison (HTML and PDF).

Jinja2 templates in ``report_templates/`` render from the typed contexts of
``flows.render.context``; every visible string comes from ``report_templates/locale/messages.json``
through ``t()``. Charts are matplotlib SVG with the text drawn as paths (no font needed to view
them), inlined in the HTML. PDFs go through WeasyPrint. Every file is written atomically.

Chinese is the default: ``WS/reports/<county>.html|.pdf``, ``WS/reports/province.html|.pdf``;
English goes next to them as ``<county>.en.html|.en.pdf``, ``province.en.html|.en.pdf``.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
from markupsafe import Markup

import report_templates
from flows.render.context import (
    INDICATORS,
    LANGS,
    Chart,
    CountyRow,
    IndicatorRow,
    build_county_context,
    build_province_context,
    build_spotcheck_context,
    county_codes,
)
from flows.store.files import atomic_write_bytes, sha256_file
from flows.store.stamps import Clock, assessment_sha256, sidecar_path
from registry.errors import ExitcheckError
from registry.masking import scrub_text

TEMPLATES = Path(report_templates.__file__).parent
CATALOGUE_PATH = TEMPLATES / "locale" / "messages.json"
VERDICT_COLOURS = {"pass": "#1b7f3b", "fail": "#b3261e", "borderline": "#b26a00"}
CJK_FONTS = ["Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Serif CJK SC", "DejaVu Sans"]


class UnknownLanguageError(ExitcheckError):
    """The report language is not zh or en."""


class MissingMessageError(KeyError):
    """A template asked for a catalogue key (or a language) that does not exist."""


@dataclass(frozen=True)
class ReportPaths:
    """Where a report was written. ``kept_signed``: the signed report was left untouched."""

    html: Path
    pdf: Path | None
    kept_signed: bool = False


@dataclass(frozen=True)
class RenderSummary:
    """The outcome of ``render_all``: written reports and counties that failed (code → error)."""

    reports: list[ReportPaths] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------- catalogue / env


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """The message catalogue: ``{key: {"zh": ..., "en": ...}}``."""
    return json.loads(CATALOGUE_PATH.read_text(encoding="utf-8"))


def _check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise UnknownLanguageError(
            f"报告语言只能是 zh 或 en，而不是 “{lang}”。 / The report language must be zh or en, "
            f"not '{lang}'."
        )
    return lang


def translator(lang: str) -> Any:
    """``t(key, **fields)``: the catalogue text of ``key`` in ``lang``; a missing key raises."""
    _check_lang(lang)
    messages = catalogue()

    def t(key: str, **fields: Any) -> str:
        try:
            text = messages[key][lang]
        except KeyError:
            raise MissingMessageError(f"message catalogue has no '{key}' in '{lang}'") from None
        return text.format(**fields) if fields else text

    return t


def _pct(x: float | None, digits: int = 2) -> str:
    return "—" if x is None or not np.isfinite(x) else f"{x * 100:.{digits}f}%"


def _num(x: float | None, digits: int = 0) -> str:
    if x is None:
        return "—"
    try:
        if not np.isfinite(float(x)):
            return "—"
    except (TypeError, ValueError):
        return str(x)
    return f"{float(x):,.{digits}f}"


def _ci(lo: float | None, hi: float | None) -> str:
    return "—" if lo is None or hi is None else f"[{_pct(lo)}, {_pct(hi)}]"


def _dt(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _css(text: str) -> Markup:
    """A CSS string literal: safe inside <style> (no quote, backslash or '<' survives)."""
    escaped = "".join(
        f"\\{ord(ch):x} " if ch in '"\\<>&\n\r' else ch for ch in str(text)
    )
    return Markup(f'"{escaped}"')


def _finalize(value: Any) -> Any:
    # A safety net: a data value that looks like an ID or phone number is masked in any report.
    if value is None:
        return "—"
    if isinstance(value, str) and not isinstance(value, Markup):
        return scrub_text(value)
    return value


@cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment (autoescaping, strict undefined, masking finalizer)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        pct=_pct, num=_num, dt=_dt, css=_css,
        indicator_map=lambda rows: {r.key: r for r in rows},
    )
    env.globals.update(ci=_ci, indicator_keys=INDICATORS)
    return env


def render_template(name: str, lang: str, **context: Any) -> str:
    """Render one template in ``lang`` with ``t`` bound to the catalogue."""
    t = translator(lang)
    return environment().get_template(name).render(lang=lang, t=t, **context)


# --------------------------------------------------------------------------- files


def report_file(workspace: Path, stem: str, lang: str, ext: str) -> Path:
    """``WS/reports/<stem>.<ext>`` for Chinese, ``<stem>.en.<ext>`` for English."""
    suffix = f".{ext}" if _check_lang(lang) == "zh" else f".{lang}.{ext}"
    return Path(workspace) / "reports" / f"{stem}{suffix}"


def html_to_pdf(html: str, base: Path) -> bytes:
    """WeasyPrint: A4 PDF bytes of a self-contained HTML report."""
    import weasyprint

    # WeasyPrint warns about every SVG style property it ignores (matplotlib's stroke-* CSS);
    # the PDF is right regardless, and hundreds of such lines would bury the run's real output.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)

    return weasyprint.HTML(string=html, base_url=str(base)).write_pdf()


def _write_report(
    html: str, html_path: Path, pdf: bool, stamp: dict[str, str] | None = None
) -> ReportPaths:
    data = html.encode("utf-8")
    atomic_write_bytes(html_path, data)
    files = {html_path.name: sha256_file(html_path)}
    pdf_path = None
    if pdf:
        pdf_path = html_path.with_suffix(".pdf")
        atomic_write_bytes(pdf_path, html_to_pdf(html, html_path.parent))
        files[pdf_path.name] = sha256_file(pdf_path)
    if stamp is not None:
        side = json.dumps({**stamp, "files": files}, ensure_ascii=False, indent=1)
        atomic_write_bytes(sidecar_path(html_path), side.encode("utf-8"))
    return ReportPaths(html=html_path, pdf=pdf_path)


# --------------------------------------------------------------------------- charts


def indicator_chart(rows: Sequence[CountyRow], key: str, lang: str) -> str:
    """County estimates with 95 % CI whiskers against the threshold, as inline SVG (text as paths).

    Returns "" when no county has the indicator.
    """
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    t = translator(lang)
    items: list[tuple[CountyRow, IndicatorRow]] = []
    for r in rows:
        ind = next((i for i in r.indicators if i.key == key and i.value is not None), None)
        if ind is not None:
            items.append((r, ind))
    if not items:
        return ""
    n = len(items)
    y = np.arange(n)[::-1].astype(float)
    v = np.array([i.value for _, i in items], dtype=float) * 100
    lo = np.array([np.nan if i.ci_low is None else i.ci_low for _, i in items], float) * 100
    hi = np.array([np.nan if i.ci_high is None else i.ci_high for _, i in items], float) * 100
    lo, hi = np.where(np.isnan(lo), v, lo), np.where(np.isnan(hi), v, hi)
    colours = [VERDICT_COLOURS.get(i.verdict, "#5f6670") for _, i in items]
    thresholds = np.array(
        [np.nan if i.threshold is None else i.threshold * 100 for _, i in items], float
    )
    rc = {
        "svg.fonttype": "path",
        "svg.hashsalt": "exitcheck",
        "font.family": CJK_FONTS,
        "font.size": 9,
        "axes.unicode_minus": False,
    }
    with matplotlib.rc_context(rc):
        fig = Figure(figsize=(6.8, 0.9 + 0.3 * n))
        ax = fig.add_subplot()
        for colour in sorted(set(colours)):  # errorbar takes one colour per call
            m = np.array([c == colour for c in colours])
            ax.errorbar(
                v[m], y[m], xerr=np.vstack([v[m] - lo[m], hi[m] - v[m]]), fmt="none",
                ecolor=colour, elinewidth=1.4, capsize=3,
            )
        ax.scatter(v, y, c=colours, s=22, zorder=3)
        finite = thresholds[np.isfinite(thresholds)]
        if finite.size and np.allclose(finite, finite[0]):
            ax.axvline(finite[0], color="#b3261e", ls="--", lw=1.2, label=t("chart.threshold"))
        elif finite.size:
            for yi, th in zip(y, thresholds, strict=True):  # one segment per county (west 3 %)
                if np.isfinite(th):
                    ax.plot([th, th], [yi - 0.4, yi + 0.4], color="#b3261e", ls="--", lw=1.2)
            ax.plot([], [], color="#b3261e", ls="--", lw=1.2, label=t("chart.threshold"))
        ax.set_yticks(y, labels=[r.county_name for r, _ in items])
        ax.set_ylim(-0.7, n - 0.3)
        ax.xaxis.set_major_formatter(PercentFormatter(decimals=None))
        ax.grid(axis="x", alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12 if n < 4 else -0.06),
                  frameon=False, fontsize=8, ncols=1)
        fig.tight_layout()
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight")
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    return _namespace_ids(svg, key)


def _namespace_ids(svg: str, prefix: str) -> str:
    """Prefix every id of one chart so that several charts can share a page (HTML ids and PDF
    anchors must be unique; matplotlib reuses glyph and clip-path ids across figures)."""
    ids = set(re.findall(r'\bid="([^"]+)"', svg))
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    return re.sub(r'(href="#|url\(#)([^")]+)',
                  lambda m: f"{m.group(1)}{prefix}-{m.group(2)}" if m.group(2) in ids
                  else m.group(0), svg)


# --------------------------------------------------------------------------- reports


def _kept_signed(ledger: Any, workspace: Path, county: str, targets: Iterable[Path]) -> bool:
    """True when the latest sign-off is on one of ``targets`` as it is now, same assessment."""
    if ledger is None:
        return False
    s = ledger.latest(county)
    if s is None or s.assessment_sha256 != assessment_sha256(workspace, county):
        return False
    signed = Path(s.report_path)
    signed = signed if signed.is_absolute() else workspace / signed
    return any(
        signed.resolve() == p.resolve() and p.exists() and sha256_file(p) == s.report_sha256
        for p in targets
    )


def render_county(
    workspace: Path,
    county_code: str,
    *,
    lang: str = "zh",
    pdf: bool = True,
    ledger: Any = None,
    clock: Clock | None = None,
) -> ReportPaths:
    """Render ``WS/reports/<county>.html`` (and ``.pdf``); ``.en.`` before the suffix for English.

    A report that the province has signed, for the assessment still current, is left as it is
    (re-rendering would change the signed bytes); ``kept_signed`` is then True.
    """
    ws = Path(workspace)
    html_path = report_file(ws, county_code, lang, "html")
    targets = [html_path, html_path.with_suffix(".pdf")]
    if _kept_signed(ledger, ws, county_code, targets):
        pdf_path = targets[1] if targets[1].exists() else None
        return ReportPaths(html=html_path, pdf=pdf_path, kept_signed=True)
    ctx = build_county_context(ws, county_code, lang=lang, ledger=ledger, clock=clock)
    html = render_template(
        "county.html", lang, c=ctx, generated_at=ctx.generated_at,
        running_header=f"{ctx.campaign} · {ctx.county_name} ({ctx.county_code})",
    )
    stamp = {
        "county_code": county_code, "lang": lang, "results_sha256": ctx.results_sha256,
        "assessment_sha256": ctx.assessment_sha256, "generated_at": ctx.generated_at.isoformat(),
    }
    return _write_report(html, html_path, pdf, stamp)


def render_province(
    workspace: Path,
    *,
    lang: str = "zh",
    pdf: bool = True,
    ledger: Any = None,
    clock: Clock | None = None,
) -> ReportPaths:
    """Render ``WS/reports/province.html`` (and ``.pdf``) over every county with results."""
    ws = Path(workspace)
    ctx = build_province_context(ws, lang=lang, ledger=ledger, clock=clock)
    charts = tuple(
        Chart(k, svg) for k in INDICATORS if (svg := indicator_chart(ctx.counties, k, lang))
    )
    ctx = replace(ctx, charts=charts)
    header = " · ".join(x for x in (ctx.campaign, *ctx.province_names) if x)
    html = render_template(
        "province.html", lang, p=ctx, generated_at=ctx.generated_at, running_header=header
    )
    return _write_report(html, report_file(ws, "province", lang, "html"), pdf)


def render_spotcheck(
    path: Path, *, lang: str = "zh", pdf: bool = True, clock: Clock | None = None
) -> ReportPaths:
    """Render ``WS/spotcheck/<county>-<run>.json`` as ``WS/reports/spotcheck-<county>-<run>.html``.

    The ``.pdf`` goes next to it; English adds ``.en`` before the suffix.
    """
    path = Path(path)
    ctx = build_spotcheck_context(path, lang=lang, clock=clock)
    ws = path.parent.parent
    html = render_template(
        "spotcheck.html", lang, s=ctx, generated_at=ctx.generated_at,
        running_header=f"{ctx.campaign} · {ctx.county_name} ({ctx.county_code})",
    )
    return _write_report(html, report_file(ws, f"spotcheck-{path.stem}", lang, "html"), pdf)


def render_all(
    workspace: Path,
    *,
    lang: str = "zh",
    pdf: bool = True,
    ledger: Any = None,
    clock: Clock | None = None,
) -> RenderSummary:
    """Every county report, then the province summary; one county failing never stops the rest."""
    summary = RenderSummary()
    for code in county_codes(Path(workspace)):
        try:
            summary.reports.append(
                render_county(workspace, code, lang=lang, pdf=pdf, ledger=ledger, clock=clock)
            )
        except (ValueError, OSError) as e:
            summary.failed[code] = str(e)
    summary.reports.append(
        render_province(workspace, lang=lang, pdf=pdf, ledger=ledger, clock=clock)
    )
    return summary
