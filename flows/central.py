"""The central spot-check's Prefect flow: one county, reproduced or drawn independently.

Its own module, apart from the campaign flows: a spot-check command then defines (and Prefect
builds the parameter schema of) only this flow.
"""

from __future__ import annotations

from pathlib import Path

from flows.runtime import prefect_defaults

prefect_defaults()

from prefect import flow  # noqa: E402

from flows import county as work  # noqa: E402
from flows.workspace import Workspace  # noqa: E402


@flow(name="spot-check")
def spot_check(data_dir: str, workspace: str, county: str, mode: str = "reproduce",
               seed: int | None = None, field_dir: str | None = None) -> dict:
    """Central spot-check of one county: reproduce the province's draw, or draw independently."""
    return work.spot_check(Path(data_dir), Workspace.at(workspace), county, mode=mode,
                           seed=seed, field_dir=Path(field_dir) if field_dir else None)
