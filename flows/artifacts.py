"""What a run leaves in the Prefect UI: log lines, a verdict table, one note per county with
links to its reports, and a failure notice that says what failed and what to do.

Links point where the team can open them: under the campaign's ``portal_url`` when one is
configured, else the path relative to the workspace (never a ``file://`` URI of the server's
disk). An artifact is a convenience for the UI: failing to write one never fails a run.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from flows.county.outcome import CampaignSummary, CountyOutcome
from flows.render.reports import report_file
from flows.store.config import CampaignConfig
from flows.store.result_files import read_county_results
from flows.store.results import CountyResults
from flows.store.workspace import Workspace

#: The indicators of the table, in the report's order.
INDICATORS = ("wrong_exit_rate", "missed_rate", "recognition_rate", "incidence")


def run_logger() -> logging.Logger | logging.LoggerAdapter:
    """Prefect's run logger (sent to the API, shown in the UI); a plain logger outside a run."""
    from prefect.exceptions import MissingContextError
    from prefect.logging import get_run_logger

    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("exitcheck")


def outcome_line(o: CountyOutcome) -> str:
    """One county's outcome in a log line: status, verdict, fieldwork, or the failure."""
    if o.status == "failed":
        return f"county {o.county_code} {o.step} FAILED: {o.message.splitlines()[0]}"
    words = [f"county {o.county_code} {o.step} {o.status}"]
    if o.verdict:
        words.append(f"verdict {o.verdict}" + (" (provisional)" if o.provisional else ""))
    if o.completion:
        c = o.completion
        words.append(f"{c.get('completed', 0)} of {c.get('drawn', 0)} households completed, "
                     f"{c.get('pending', 0)} pending")
    elif o.households:
        words.append(f"{o.households} households drawn")
    return ", ".join(words)


def log_outcomes(outcomes: Iterable[CountyOutcome], done: int, total: int) -> None:
    """Progress and per-county outcomes at INFO, failures at ERROR."""
    log = run_logger()
    for o in outcomes:
        (log.error if o.status == "failed" else log.info)(
            f"{outcome_line(o)} [{done} of {total} counties]")


def link(ws: Workspace, path: Path, cfg: CampaignConfig, text: str) -> str:
    """A markdown link to a workspace file under the portal URL, else its relative path."""
    full = Path(path).resolve()
    if not full.is_relative_to(ws.root):
        return f"{text}: `{full}`"
    rel = full.relative_to(ws.root).as_posix()
    if cfg.portal_url:
        return f"[{text}]({cfg.portal_url.rstrip('/')}/{rel})"
    return f"{text}: `{rel}`"


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.2%}"


def _results(ws: Workspace, code: str) -> CountyResults | None:
    with contextlib.suppress(Exception):  # a failed or never-assessed county has none
        return read_county_results(ws.root, code, signals=False)
    return None


def verdict_rows(ws: Workspace, outcomes: Sequence[CountyOutcome]) -> list[dict[str, Any]]:
    """The table artifact's rows: verdict, indicators and fieldwork completion per county."""
    rows = []
    for o in outcomes:
        res = _results(ws, o.county_code) if o.step == "assess" else None
        row: dict[str, Any] = {"county": o.county_code, "status": o.status,
                               "verdict": o.verdict or "—",
                               "provisional": {None: "—", True: "yes", False: "no"}[o.provisional]}
        for key in INDICATORS:
            ind = res.indicator(key) if res else None
            row[key] = _pct(ind.value if ind else None)
        if o.step == "assess":
            for key in ("drawn", "completed", "pending"):
                row[key] = o.completion.get(key, "—") if o.completion else "—"
        else:
            row["households drawn"] = o.households or "—"
        row["note"] = o.message.splitlines()[0] if o.message else ""
        rows.append(row)
    return rows


def county_markdown(ws: Workspace, o: CountyOutcome, cfg: CampaignConfig, lang: str) -> str:
    """One county's note: verdict, indicators with intervals, fieldwork and report links."""
    res = _results(ws, o.county_code)
    lines = [f"## County {o.county_code}: {o.verdict or o.status}"
             + (" (provisional: field data incomplete)" if o.provisional else "")]
    if res is not None:
        lines += ["", "| indicator | estimate | 95 % CI | threshold | verdict |",
                  "|---|---|---|---|---|"]
        for key in INDICATORS:
            ind = res.indicator(key)
            if ind is not None:
                lines.append(f"| {key} | {_pct(ind.value)} | {_pct(ind.ci_low)} – "
                             f"{_pct(ind.ci_high)} | {_pct(ind.threshold)} | {ind.verdict} |")
    if o.completion:
        c = o.completion
        lines += ["", f"Fieldwork: {c.get('drawn', 0)} households drawn, "
                      f"{c.get('visited', 0)} visited, {c.get('approved', 0)} approved, "
                      f"{c.get('completed', 0)} completed, {c.get('pending', 0)} pending."]
    reports = [(report_file(ws.root, o.county_code, lang, ext), f"county report ({ext.upper()})")
               for ext in ("html", "pdf")]
    reports.append((report_file(ws.root, "province", lang, "html"), "province summary"))
    found = [link(ws, p, cfg, text) for p, text in reports if p.exists()]
    if found:
        lines += ["", "Reports: " + " · ".join(found)]
    return "\n".join(lines)


WHAT_TO_DO = (
    "What to do: read the reason above and fix the input it names (bad rows are listed in "
    "`quarantine/<table>.csv` of the workspace; an unsampled county needs `exitcheck sample "
    "--county {code}`). Then rerun the county: `prefect deployment run "
    "'rerun-county/rerun-county' -p county={code}`, or `exitcheck assess --county {code}`. The "
    "other counties' results are written. An internal error is a bug: send this run's logs to "
    "the maintainers. / 处理方法：按上述原因修正输入后，重新运行该县。")


def failure_markdown(o: CountyOutcome) -> str:
    """The failure notice of one county: what failed and what to do."""
    return (f"## County {o.county_code}: {o.step} failed\n\n**Reason:** {o.message}\n\n"
            + WHAT_TO_DO.format(code=o.county_code))


def _create(kind: str, key: str, description: str, **data: Any) -> None:
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    make = create_table_artifact if kind == "table" else create_markdown_artifact
    try:
        make(key=key, description=description, **data)
    except Exception as exc:  # the UI's convenience never fails a run
        run_logger().warning(f"could not write the {key} artifact: {exc}")


def publish_artifacts(ws: Workspace, summary: CampaignSummary, cfg: CampaignConfig,
                      lang: str = "zh") -> None:
    """The run's verdict table, a note per county, and a failure notice per failed county."""
    step = summary.step
    _create("table", f"{step}-counties", f"exitcheck {step}: {cfg.campaign}",
            table=verdict_rows(ws, summary.outcomes))
    for o in summary.outcomes:
        if o.status == "failed":
            _create("markdown", f"failure-{o.county_code}",
                    f"{step} of county {o.county_code} failed", markdown=failure_markdown(o))
        elif step == "assess":
            _create("markdown", f"county-{o.county_code}",
                    f"county {o.county_code}: {o.verdict}",
                    markdown=county_markdown(ws, o, cfg, lang))


def reports_markdown(ws: Workspace, paths: Iterable[Path], failed: dict[str, str],
                     cfg: CampaignConfig) -> str:
    """The report run's note: every report written, and those that could not be."""
    lines = ["## Reports", ""]
    lines += [f"- {link(ws, p, cfg, Path(p).name)}" for p in paths]
    for code, error in failed.items():
        lines.append(f"- **county {code} not rendered:** {error}")
    return "\n".join(lines)


def publish_markdown(key: str, description: str, markdown: str) -> None:
    """A markdown artifact of the current run (never fails it)."""
    _create("markdown", key, description, markdown=markdown)


def flow_failure_notice(flow: Any, flow_run: Any, state: Any) -> None:
    """A Prefect ``on_failure`` / ``on_crashed`` hook: a failure artifact on the run itself."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import ArtifactCreate

    markdown = (
        f"## Flow run {flow_run.name} ({flow.name}) did not finish: {state.type.value}\n\n"
        f"**Reason:** {state.message or 'see the logs of this run'}\n\n"
        "What to do: open the Logs tab of this run for the error. A bad parameter (a path, a "
        "county code) or a missing Prefect Variable (`exitcheck_data_dir`, "
        "`exitcheck_workspace`) is named there: correct it in the deployment's parameters or "
        "under Variables, then run the deployment again (Run ▸ Quick run). Finished counties' "
        "results are kept; a rerun only recomputes what changed. / 流程未完成：请查看日志，修正"
        "参数或变量后重新运行。")
    with contextlib.suppress(Exception), get_client(sync_client=True) as client:
        client.create_artifact(ArtifactCreate(
            key="flow-failure", type="markdown", data=markdown, flow_run_id=flow_run.id,
            description=f"{flow.name} failed"))
