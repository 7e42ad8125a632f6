"""The central spot-check's Prefect flow: one county, reproduced or drawn independently.

Its own module, apart from the campaign flows: a spot-check command then defines (and Prefect
builds the parameter schema of) only this flow.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flows.runtime import prefect_defaults

prefect_defaults()

from prefect import flow  # noqa: E402

from flows.county.spotcheck import run_spot_check  # noqa: E402
from flows.params import (  # noqa: E402
    CountyCode,
    DataDir,
    FieldDir,
    Lang,
    Pdf,
    Seed,
    SpotMode,
    WorkspaceDir,
    described,
)
from flows.store.workspace import Workspace  # noqa: E402


@flow(name="spot-check")
@described
def spot_check(data_dir: DataDir, workspace: WorkspaceDir, county: CountyCode,
               mode: SpotMode = "reproduce", seed: Seed = None,
               field_dir: FieldDir = None, lang: Lang = "zh", pdf: Pdf = True) -> dict[str, Any]:
    """Central spot-check of one county: reproduce the province's draw, or draw independently;
    its report in WS/reports/spotcheck-<county>-<run>.html|.pdf."""
    return run_spot_check(Path(data_dir), Workspace.at(workspace), county, mode=mode,
                          seed=seed, field_dir=Path(field_dir) if field_dir else None,
                          lang=lang, pdf=pdf)
