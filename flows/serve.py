"""``exitcheck serve`` and ``exitcheck deploy``: the team's jobs as Prefect deployments.

Six deployments: sample, the nightly assess (on a cron in the campaign's time zone), the
one-county rerun, report, and the two spot-checks (reproduce, independent). ``serve`` runs
them in this process until interrupted; ``deploy --pool NAME`` registers them with a work
pool instead, and ``prefect worker start --pool NAME`` runs them.

Paths are the deployments' parameters, or with ``variables=True`` Prefect Variables
(``exitcheck_data_dir``, ``exitcheck_workspace``, ``exitcheck_ledger_url``) that the team can
change in the UI without redeploying: the parameters are then left empty and each flow reads
the Variables when it starts.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flows.campaign import assess_campaign, report_campaign, rerun_county, sample_campaign
from flows.central import spot_check
from flows.params import DATA_VARIABLE, LEDGER_VARIABLE, WORKSPACE_VARIABLE
from flows.store.config import CampaignConfig, load_config
from registry.errors import ExitcheckError


class ServeError(ExitcheckError):
    """Serving is not possible as configured."""


NO_SERVER = (
    "exitcheck {command} registers schedules with a Prefect server, and schedules only fire "
    "while one runs. PREFECT_API_URL is not set. Start a server and point exitcheck at it:\n"
    "  prefect server start --host 127.0.0.1 --port 4200   (in another terminal)\n"
    "  export PREFECT_API_URL=http://127.0.0.1:4200/api\n"
    "then run exitcheck {command} again. / 未设置 PREFECT_API_URL：请先启动 Prefect 服务器"
    "（prefect server start），再设置 PREFECT_API_URL 后重试。"
)

#: The deployments' names, in the order the UI lists them.
NAMES = ("sample", "nightly-assess", "rerun-county", "report", "spot-check-reproduce",
         "spot-check-independent")


def _check_server(command: str) -> None:
    if not os.environ.get("PREFECT_API_URL"):
        raise ServeError(NO_SERVER.format(command=command))


def set_variables(data: Path, workspace: Path, ledger: str | None) -> None:
    """Store the campaign's paths (and ledger URL) as Prefect Variables."""
    from prefect.variables import Variable

    Variable.set(DATA_VARIABLE, str(Path(data).resolve()), overwrite=True)
    Variable.set(WORKSPACE_VARIABLE, str(Path(workspace).resolve()), overwrite=True)
    if ledger:
        Variable.set(LEDGER_VARIABLE, ledger, overwrite=True)


def deployments(data: Path, workspace: Path, *, config: Path | None, cron: str,
                variables: bool = False, module_entrypoints: bool = False) -> list[Any]:
    """The team's deployments: the nightly assess on ``cron`` in the config's time zone, the
    others run by hand (Run in the UI, or ``prefect deployment run NAME -p county=CODE``).

    ``module_entrypoints`` names each flow by its module (``flows.campaign.assess_campaign``),
    so a worker in any folder can load it from the installed package.
    """
    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import Cron

    cfg: CampaignConfig = load_config(config)
    # Empty (null) paths: each flow reads the Variables as it starts.
    paths: dict[str, str | None] = (
        {"data_dir": None, "workspace": None} if variables
        else {"data_dir": str(Path(data).resolve()), "workspace": str(Path(workspace).resolve())})
    common = {**paths, "config": cfg.model_dump(mode="json")}
    extra: dict[str, Any] = {
        # `-p county=520324` arrives as a JSON number; the flow takes it as the code (and
        # checks its six digits as it starts), so the server does not refuse it as "not a
        # string". The run form still shows each parameter's type and description.
        "enforce_parameter_schema": False,
        "tags": ["exitcheck", cfg.campaign],
    }
    if module_entrypoints:
        extra["entrypoint_type"] = EntrypointType.MODULE_PATH
    zone = cfg.timezone
    return [
        sample_campaign.to_deployment(
            name="sample", parameters=common, **extra,
            description="Draw every county's sample and enumerator lists (WS/fieldwork)."),
        assess_campaign.to_deployment(
            name="nightly-assess", parameters=common, schedules=[Cron(cron, timezone=zone)],
            **extra, description=f"Assess every sampled county as field data arrives, at "
                                 f"{cron} ({zone}); provisional until fieldwork is done."),
        rerun_county.to_deployment(
            name="rerun-county", parameters={**common, "force": True}, **extra,
            description="Rerun one county: set the 'county' parameter."),
        report_campaign.to_deployment(
            name="report", parameters={k: v for k, v in paths.items() if k == "workspace"},
            **extra, description="Re-render the county and province reports."),
        spot_check.to_deployment(
            name="spot-check-reproduce", parameters={**paths, "mode": "reproduce"}, **extra,
            description="Central check: redraw one county's sample and recompute; set "
                        "'county'."),
        spot_check.to_deployment(
            name="spot-check-independent", parameters={**paths, "mode": "independent"},
            **extra, description="Central check: a fresh draw of one county with a new seed; "
                                 "set 'county' (and 'field_dir' once visited)."),
    ]


def serve_deployments(data: Path, workspace: Path, *, config: Path | None, cron: str,
                      variables: bool = False, ledger: str | None = None) -> None:
    """Serve the deployments until interrupted; refuses clearly without a Prefect server."""
    _check_server("serve")
    from prefect import serve

    if variables:
        set_variables(data, workspace, ledger)
    serve(*deployments(data, workspace, config=config, cron=cron, variables=variables))


def deploy_to_pool(data: Path, workspace: Path, *, pool: str, config: Path | None, cron: str,
                   variables: bool = False, ledger: str | None = None) -> list[str]:
    """Register the deployments with the work pool ``pool`` (created as a process pool when
    missing); ``prefect worker start --pool POOL`` then runs them. Returns their names."""
    _check_server("deploy")
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound
    from prefect.workers.process import ProcessWorker

    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(pool)
        except ObjectNotFound:
            client.create_work_pool(WorkPoolCreate(
                name=pool, type="process",
                base_job_template=ProcessWorker.get_default_base_job_template()))
    if variables:
        set_variables(data, workspace, ledger)
    names = []
    for d in deployments(data, workspace, config=config, cron=cron, variables=variables,
                         module_entrypoints=True):
        d.apply(work_pool_name=pool)
        names.append(f"{d.flow_name}/{d.name}")
    return names
