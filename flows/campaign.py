"""Prefect flows: sample a campaign, assess it (one task per county), rerun one county,
re-render the reports.
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

from flows.artifacts import (  # noqa: E402
    flow_failure_notice,
    log_outcomes,
    publish_artifacts,
    publish_markdown,
    reports_markdown,
    run_logger,
)
from flows.county.assess import assess_county  # noqa: E402
from flows.county.inputs import resolve_counties  # noqa: E402
from flows.county.outcome import CampaignSummary, CountyOutcome  # noqa: E402
from flows.county.record import record_run  # noqa: E402
from flows.county.report import render_province_report  # noqa: E402
from flows.county.sample import sample_county  # noqa: E402
from flows.params import (  # noqa: E402
    LEDGER_VARIABLE,
    WORKSPACE_VARIABLE,
    Config,
    Counties,
    CountyCode,
    DataDir,
    Force,
    Lang,
    LedgerUrl,
    Pdf,
    Progress,
    WorkspaceDir,
    campaign_paths,
    config_or_default,
    county_set,
    described,
    from_variable,
    run_name,
)
from flows.progress import CountyProgress  # noqa: E402
from flows.render.reports import RenderSummary, render_all  # noqa: E402
from flows.store.config import CampaignConfig  # noqa: E402
from flows.store.ledger import Ledger  # noqa: E402
from flows.store.lock import LOCK_WAIT_SECONDS, workspace_lock  # noqa: E402
from flows.store.quarantine import merge_quarantine  # noqa: E402
from flows.store.result_files import read_json_object  # noqa: E402
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
    """Wait for every county, turning a crashed task into a failed outcome (never lost), and
    log each outcome to the run's logs as it arrives."""
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
            log_outcomes([result], len(outcomes), len(codes))
    return [outcomes[c] for c in codes]


def _run_counties(submit: Callable[[str], PrefectFuture], codes: Sequence[str], step: str,
                  progress: bool) -> list[CountyOutcome]:
    run_logger().info(f"{step}: {len(codes)} counties ({county_set(codes)})")
    with shared_api_url():
        return _collect([submit(c) for c in codes], codes, step, progress)


FAILURE_HOOKS: dict = {"on_failure": [flow_failure_notice], "on_crashed": [flow_failure_notice]}


@flow(name="sample-campaign", flow_run_name=run_name("sample"), **FAILURE_HOOKS)
@described
def sample_campaign(data_dir: DataDir, workspace: WorkspaceDir,
                    config: Config = None, counties: Counties = None, force: Force = False,
                    progress: Progress = False) -> CampaignSummary:
    """Validate and sample every county: WS/sample, WS/fieldwork, WS/manifest.json."""
    cfg, (data, root) = config_or_default(config), campaign_paths(data_dir, workspace)
    with workspace_lock(root, "sample", wait=LOCK_WAIT_SECONDS):
        ws = Workspace.at(root)
        clean_stale_temp(ws)
        codes = resolve_counties(data, counties)
        outcomes = _run_counties(
            lambda c: sample_county_task.submit(data, ws.root, c, cfg, force),
            codes, "sample", progress)
        merge_quarantine(ws)
        summary = record_run(data, ws, cfg, "sample", outcomes)
        run_logger().info(f"field lists (enumerator lists): {ws.root / 'fieldwork'}")
        publish_artifacts(ws, summary, cfg)
    return summary


@flow(name="assess-campaign", flow_run_name=run_name("assess"), **FAILURE_HOOKS)
@described
def assess_campaign(data_dir: DataDir, workspace: WorkspaceDir,
                    config: Config = None, counties: Counties = None, force: Force = False,
                    pdf: Pdf = True, lang: Lang = "zh",
                    progress: Progress = False) -> CampaignSummary:
    """Assess every sampled county, then render the province summary and record the run."""
    cfg, (data, root) = config_or_default(config), campaign_paths(data_dir, workspace)
    with workspace_lock(root, "assess", wait=LOCK_WAIT_SECONDS):
        ws = Workspace.at(root)
        clean_stale_temp(ws)
        codes = resolve_counties(data, counties, sampled_in=ws)
        outcomes = _run_counties(
            lambda c: assess_county_task.submit(data, ws.root, c, cfg, force, pdf, lang),
            codes, "assess", progress)
        merge_quarantine(ws)
        summary = record_run(data, ws, cfg, "assess", outcomes)
        render_province_report(ws, pdf=pdf, lang=lang)
        publish_artifacts(ws, summary, cfg, lang)
    return summary


@flow(name="rerun-county", flow_run_name=run_name("rerun"), **FAILURE_HOOKS)
@described
def rerun_county(data_dir: DataDir, workspace: WorkspaceDir, county: CountyCode,
                 config: Config = None, force: Force = False, pdf: Pdf = True,
                 lang: Lang = "zh") -> CampaignSummary:
    """Rerun one county (the deployment a central inspector triggers by parameter)."""
    cfg, (data, root) = config_or_default(config), campaign_paths(data_dir, workspace)
    with workspace_lock(root, "rerun", wait=LOCK_WAIT_SECONDS):
        ws = Workspace.at(root)
        future = assess_county_task.submit(data, ws.root, county, cfg, force, pdf, lang)
        outcomes = _collect([future], [county], "assess", progress=False)
        summary = record_run(data, ws, cfg, "assess", outcomes)
        render_province_report(ws, pdf=pdf, lang=lang)
        publish_artifacts(ws, summary, cfg, lang)
    return summary


@flow(name="report-campaign", flow_run_name=run_name("report"), **FAILURE_HOOKS)
@described
def report_campaign(workspace: WorkspaceDir, lang: Lang = "zh", pdf: Pdf = True,
                    db: LedgerUrl = None) -> RenderSummary:
    """Re-render every county report and the province summary from the stored results."""
    root = Path(str(from_variable(workspace, WORKSPACE_VARIABLE)))
    ledger_url = from_variable(db, LEDGER_VARIABLE, required=False)
    with workspace_lock(root, "report", wait=LOCK_WAIT_SECONDS):
        with Ledger(ledger_url, workspace=root) as ledger:
            summary = render_all(root, lang=lang, pdf=pdf, ledger=ledger)
        paths = [p for r in summary.reports for p in (r.html, r.pdf) if p]
        run_logger().info(f"{len(paths)} report files written to {root / 'reports'}")
        for code, error in summary.failed.items():
            run_logger().error(f"county {code} report not rendered: {error}")
        publish_markdown("reports", "exitcheck reports",
                         reports_markdown(Workspace.at(root), paths, summary.failed,
                                          _manifest_config(root)))
    return summary


def _manifest_config(root: Path) -> CampaignConfig:
    """The campaign config the workspace was last run with (for its portal URL)."""
    with contextlib.suppress(Exception):
        return CampaignConfig.model_validate(read_json_object(root / "manifest.json")["config"])
    return CampaignConfig()
