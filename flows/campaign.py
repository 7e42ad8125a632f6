"""Prefect flows: sample a campaign, assess it (one task per county), rerun one county.
(The central spot-check's flow is in ``flows.central``.)

Each flow reads like a table of contents; the work lives in ``flows.county`` (plain functions,
testable without Prefect) and in the pure core. Tasks pass paths and small outcome records,
never DataFrames.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from flows.runtime import prefect_defaults, shared_api_url

prefect_defaults()

from prefect import flow, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.futures import PrefectFuture, as_completed  # noqa: E402

from flows import county as work  # noqa: E402
from flows.config import CampaignConfig, load_config  # noqa: E402
from flows.outcome import CampaignSummary, CountyOutcome  # noqa: E402
from flows.progress import CountyProgress  # noqa: E402
from flows.workspace import Workspace  # noqa: E402


def _io_error(task, task_run, state) -> bool:
    """Retry only transient file-system errors, never bad data."""
    try:
        state.result()
    except OSError:
        return True
    except Exception:
        return False
    return False


# Reruns are cached by flows.county on content hashes (inputs, config, code version), which
# Prefect's own task cache does not know about; its cache key would only cost time.
@task(name="sample-county", retries=2, retry_delay_seconds=1, retry_condition_fn=_io_error,
      cache_policy=NO_CACHE, persist_result=False)
def sample_county_task(data_dir: str, workspace: str, county: str, config_json: str,
                       force: bool = False) -> CountyOutcome:
    """Validate one county's registry and draw its two-stage sample."""
    return work.sample_county(Path(data_dir), Workspace.at(workspace), county,
                              CampaignConfig.model_validate_json(config_json), force=force)


@task(name="assess-county", retries=2, retry_delay_seconds=1, retry_condition_fn=_io_error,
      cache_policy=NO_CACHE, persist_result=False)
def assess_county_task(data_dir: str, workspace: str, county: str, config_json: str,
                       force: bool = False, pdf: bool = True, lang: str = "zh") -> CountyOutcome:
    """Score, estimate, compute signals and render the report of one county."""
    return work.assess_county(Path(data_dir), Workspace.at(workspace), county,
                              CampaignConfig.model_validate_json(config_json),
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


@flow(name="sample-campaign")
def sample_campaign(data_dir: str, workspace: str, config_path: str | None = None,
                    counties: list[str] | None = None, force: bool = False,
                    progress: bool = False) -> CampaignSummary:
    """Validate and sample every county: WS/sample, WS/fieldwork, WS/manifest.json."""
    cfg = load_config(config_path)
    work.clean_stale_temp(Workspace.at(workspace))
    codes = work.resolve_counties(Path(data_dir), counties)
    outcomes = _run_counties(
        lambda c: sample_county_task.submit(data_dir, workspace, c, cfg.model_dump_json(), force),
        codes, "sample", progress)
    work.merge_quarantine(Workspace.at(workspace))
    return work.record_run(Path(data_dir), Workspace.at(workspace), cfg, "sample", outcomes)


@flow(name="assess-campaign")
def assess_campaign(data_dir: str, workspace: str, config_path: str | None = None,
                    counties: list[str] | None = None, force: bool = False, pdf: bool = True,
                    lang: str = "zh", progress: bool = False) -> CampaignSummary:
    """Assess every sampled county, then render the province summary and record the run."""
    cfg = load_config(config_path)
    ws = Workspace.at(workspace)
    work.clean_stale_temp(ws)
    codes = work.resolve_counties(Path(data_dir), counties, sampled_in=ws)
    outcomes = _run_counties(
        lambda c: assess_county_task.submit(data_dir, workspace, c, cfg.model_dump_json(),
                                            force, pdf, lang),
        codes, "assess", progress)
    work.merge_quarantine(ws)
    summary = work.record_run(Path(data_dir), ws, cfg, "assess", outcomes)
    work.render_province_report(ws, pdf=pdf, lang=lang)
    work.publish_artifacts(ws, summary)
    return summary


@flow(name="assess-county")
def assess_county(data_dir: str, workspace: str, county: str, config_path: str | None = None,
                  force: bool = False, pdf: bool = True, lang: str = "zh") -> CampaignSummary:
    """Rerun one county (the deployment a central inspector triggers by parameter)."""
    cfg = load_config(config_path)
    ws = Workspace.at(workspace)
    future = assess_county_task.submit(data_dir, workspace, county, cfg.model_dump_json(),
                                       force, pdf, lang)
    outcomes = _collect([future], [county], "assess", progress=False)
    summary = work.record_run(Path(data_dir), ws, cfg, "assess", outcomes)
    work.render_province_report(ws, pdf=pdf, lang=lang)
    return summary
