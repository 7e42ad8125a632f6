"""``exitcheck serve``: Prefect deployments for a nightly assess and a one-county rerun."""

from __future__ import annotations

import os
from pathlib import Path

from flows.campaign import assess_campaign, rerun_county
from flows.store.config import load_config
from registry.errors import ExitcheckError


class ServeError(ExitcheckError):
    """Serving is not possible as configured."""


NO_SERVER = (
    "exitcheck serve registers schedules with a Prefect server, and schedules only fire while one "
    "runs. PREFECT_API_URL is not set. Start a server and point exitcheck at it:\n"
    "  prefect server start --host 127.0.0.1 --port 4200   (in another terminal)\n"
    "  export PREFECT_API_URL=http://127.0.0.1:4200/api\n"
    "then run exitcheck serve again. / 未设置 PREFECT_API_URL：请先启动 Prefect 服务器"
    "（prefect server start），再设置 PREFECT_API_URL 后重试。"
)


def deployments(data: Path, workspace: Path, *, config: Path | None, cron: str) -> list:
    """The two deployments: a nightly assess on ``cron`` and a rerun of one county by parameter."""
    params = {"data_dir": str(Path(data).resolve()), "workspace": str(Path(workspace).resolve()),
              "config": load_config(config).model_dump(mode="json")}
    nightly = assess_campaign.to_deployment(
        name="nightly-assess", cron=cron, parameters=params,
        description="Assess every sampled county as field data arrives (provisional until done).")
    rerun = rerun_county.to_deployment(
        name="rerun-county", parameters={**params, "force": True},
        description="Rerun one county: set the 'county' parameter.")
    return [nightly, rerun]


def serve_deployments(data: Path, workspace: Path, *, config: Path | None, cron: str) -> None:
    """Serve the deployments until interrupted; refuses clearly without a Prefect server."""
    if not os.environ.get("PREFECT_API_URL"):
        raise ServeError(NO_SERVER)
    from prefect import serve

    serve(*deployments(data, workspace, config=config, cron=cron))
