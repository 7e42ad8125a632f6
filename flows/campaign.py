"""Prefect flows: sample a campaign, assess it (one task per county), rerun one county.
(The central spot-check's flow is in ``flows.central``.)

Each flow reads like a table of contents; the work lives in ``flows.county`` (plain functions,
testable without Prefect) and in the pure core. Tasks pass paths and small outcome records,
never DataFrames.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from pathlib import Path

from flows.runtime import prefect_defaults, shared_api_url

prefect_defaults()

from prefect import flow, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.futures import PrefectFuture, as_completed  # noqa: E402

from flows.county.assess import assess_county  # noqa: E402
from flows.county.inputs import resolve_counties  # noqa: E402
from flows.county.outcome import CampaignSummary, CountyOutcome  # noqa: E402
from flows.county.record import record_run  # noqa: E402
from flows.county.report import render_province_report  # noqa: E402
from flows.county.sample import sample_county  # noqa: E402
from flows.params import (  # noqa: E402
    Config,
    Counties,
    CountyCode,
    DataDir,
    Force,
    Lang,
    Pdf,
    Progress,
    WorkspaceDir,
    config_or_default,
    described,
)
from flows.progress import CountyProgress  # noqa: E402
from flows.store.config import CampaignConfig  # noqa: E402
from flows.store.quarantine import merge_quarantine  # noqa: E402
from flows.store.state import clean_stale_temp  # noqa: E402
from flows.store.workspace import Workspace  # noqa: E402


def _io_error(task, task_run, state) -> bool:
    """Retry only transient file-system errors, never bad data."""
    try:
        state.result()
    except OSError:
        return True
    except Exception:
        return False
    return False


# Reruns are cached by flows.store.state on content hashes (inputs, config, code version),
# which Prefect's own task cache does not know about; its cache key would only cost time.
@task(name="sample county", task_run_name="sample {county}", retries=2, retry_delay_seconds=1,
      retry_condition_fn=_io_error, cache_policy=NO_CACHE, persist_result=False)
def sample_county_task(data_dir: Path, workspace: Path, county: str, config: CampaignConfig,
                       force: bool = False) -> CountyOutcome:
    """Validate one county's registry and draw its two-stage sample."""
    return sample_county(Path(data_dir), Workspace.at(workspace), county, config, force=force)


@task(name="assess county", task_run_name="assess {county}", retries=2, retry_delay_seconds=1,
      retry_condition_fn=_io_error, cache_policy=NO_CACHE, persist_result=False)
def assess_county_task(data_dir: Path, workspace: Path, county: str, config: CampaignConfig,
                       force: bool = False, pdf: bool = True, lang: str = "zh") -> CountyOutcome:
    """Score, estimate, compute signals and render the report of one county."""
    return assess_county(Path(data_dir), Workspace.at(workspace), county, config,
                         force=force, pdf=pdf, lang=lang)


def _collect(futures: Sequence[PrefectFuture], codes: Sequence[str], step: str,
             progress: bool) -> list[CountyOutcome]:
    """Wait for every county, turning a crashed task into a failed outcome (never lost)."""
    by_id = {f.task_run_id: c for f, c in zip(futures, codes, strict=True)}
    outcomes: dict[str, CountyOutcome] = {}
    with CountyProgress(len(codes), step, enabled=progress) as bar:
        for fut in as_completed(list(futures)):
            code = by_id[fut.task_run_id]
            try:
                result = fut.result(raise_on_failure=False)
            except Exception as exc:  # a worker process died (out of memory, killed, ...)
                result = exc
            if not isinstance(result, CountyOutcome):
                result = CountyOutcome.failed(code, step, result)
            outcomes[code] = result
            bar.advance(result)
    return [outcomes[c] for c in codes]


def _run_counties(submit: Callable[[str], PrefectFuture], codes: Sequence[str], step: str,
                  progress: bool) -> list[CountyOutcome]:
    with shared_api_url():
        return _collect([submit(c) for c in codes], codes, step, progress)


def publish_artifacts(ws: Workspace, summary: CampaignSummary) -> None:
    """A Prefect markdown artifact: the county verdicts, with links to the reports."""
    from prefect.artifacts import create_markdown_artifact

    lines = ["| county | status | verdict | provisional | report |", "|---|---|---|---|---|"]
    for o in summary.outcomes:
        report = ws.reports_dir() / f"{o.county_code}.html"
        link = f"[html]({report.as_uri()})" if report.exists() else "—"
        lines.append(f"| {o.county_code} | {o.status} | {o.verdict or '—'} | "
                     f"{'yes' if o.provisional else 'no'} | {link} |")
    province = ws.reports_dir() / "province.html"
    if province.exists():
        lines.append(f"\nProvince summary: [{province.name}]({province.as_uri()})")
    # An artifact is a convenience for the Prefect UI, never a reason to fail a run.
    with contextlib.suppress(Exception):
        create_markdown_artifact(markdown="\n".join(lines), key="county-verdicts",
                                 description="exitcheck county verdicts")


@flow(name="sample-campaign")
@described
def sample_campaign(data_dir: DataDir, workspace: WorkspaceDir, config: Config = None,
                    counties: Counties = None, force: Force = False,
                    progress: Progress = False) -> CampaignSummary:
    """Validate and sample every county: WS/sample, WS/fieldwork, WS/manifest.json."""
    cfg, ws = config_or_default(config), Workspace.at(workspace)
    clean_stale_temp(ws)
    codes = resolve_counties(Path(data_dir), counties)
    outcomes = _run_counties(
        lambda c: sample_county_task.submit(data_dir, workspace, c, cfg, force),
        codes, "sample", progress)
    merge_quarantine(ws)
    return record_run(Path(data_dir), ws, cfg, "sample", outcomes)


@flow(name="assess-campaign")
@described
def assess_campaign(data_dir: DataDir, workspace: WorkspaceDir, config: Config = None,
                    counties: Counties = None, force: Force = False, pdf: Pdf = True,
                    lang: Lang = "zh", progress: Progress = False) -> CampaignSummary:
    """Assess every sampled county, then render the province summary and record the run."""
    cfg, ws = config_or_default(config), Workspace.at(workspace)
    clean_stale_temp(ws)
    codes = resolve_counties(Path(data_dir), counties, sampled_in=ws)
    outcomes = _run_counties(
        lambda c: assess_county_task.submit(data_dir, workspace, c, cfg, force, pdf, lang),
        codes, "assess", progress)
    merge_quarantine(ws)
    summary = record_run(Path(data_dir), ws, cfg, "assess", outcomes)
    render_province_report(ws, pdf=pdf, lang=lang)
    publish_artifacts(ws, summary)
    return summary


@flow(name="rerun-county")
@described
def rerun_county(data_dir: DataDir, workspace: WorkspaceDir, county: CountyCode,
                 config: Config = None, force: Force = False, pdf: Pdf = True,
                 lang: Lang = "zh") -> CampaignSummary:
    """Rerun one county (the deployment a central inspector triggers by parameter)."""
    cfg, ws = config_or_default(config), Workspace.at(workspace)
    future = assess_county_task.submit(data_dir, workspace, county, cfg, force, pdf, lang)
    outcomes = _collect([future], [county], "assess", progress=False)
    summary = record_run(Path(data_dir), ws, cfg, "assess", outcomes)
    render_province_report(ws, pdf=pdf, lang=lang)
    return summary
