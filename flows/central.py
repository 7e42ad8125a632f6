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

from flows.artifacts import (  # noqa: E402
    flow_failure_notice,
    link,
    publish_markdown,
    run_logger,
)
from flows.county.spotcheck import run_spot_check  # noqa: E402
from flows.params import (  # noqa: E402
    CountyCode,
    DataDir,
    FieldDir,
    InspectorDir,
    Lang,
    Pdf,
    Seed,
    SpotMode,
    WorkspaceDir,
    campaign_paths,
    described,
    run_name,
)
from flows.store.config import CampaignConfig  # noqa: E402
from flows.store.lock import LOCK_WAIT_SECONDS, workspace_lock  # noqa: E402
from flows.store.workspace import Workspace  # noqa: E402


@flow(name="spot-check", flow_run_name=run_name("spot-check"),
      on_failure=[flow_failure_notice], on_crashed=[flow_failure_notice])
@described
def spot_check(data_dir: DataDir, workspace: WorkspaceDir, county: CountyCode,
               mode: SpotMode = "reproduce", seed: Seed = None,
               field_dir: FieldDir = None, lang: Lang = "zh", pdf: Pdf = True,
               inspector_workspace: InspectorDir = None) -> dict[str, Any]:
    """Central spot-check of one county: reproduce the province's draw, or draw independently;
    its report in WS/reports/spotcheck-<county>-<run>.html|.pdf."""
    data, root = campaign_paths(data_dir, workspace)
    own = Workspace.at(inspector_workspace) if inspector_workspace else None
    with workspace_lock(own.root if own else root, "spot-check", wait=LOCK_WAIT_SECONDS):
        record = run_spot_check(data, Workspace.at(root), county, mode=mode, seed=seed,
                                field_dir=Path(field_dir) if field_dir else None, lang=lang,
                                pdf=pdf, own=own)
        run_logger().info(spot_check_line(record))
        publish_markdown(f"spot-check-{county}", f"spot-check {mode} of {county}",
                         spot_check_markdown(own or Workspace.at(root), record))
    return record


def spot_check_line(r: dict[str, Any]) -> str:
    """The spot-check's outcome in one log line."""
    words = f"spot-check {r['mode']} of county {r['county_code']} (seed {r['seed']}): {r['status']}"
    if r["mode"] == "reproduce":
        words += ", identical" if r.get("identical") else ", DIFFERENT"
    elif r.get("province_contradicted") is not None:
        words += (", the province is contradicted" if r["province_contradicted"]
                  else ", the province is not contradicted")
    return words


def spot_check_markdown(ws: Workspace, r: dict[str, Any]) -> str:
    """The spot-check's note: its outcome, its differences, where its files are."""
    lines = [f"## {spot_check_line(r)}", ""]
    lines += [f"- difference: {d}" for d in r.get("differences", [])[:20]]
    lines += [f"- note: {r[k]}" for k in ("note", "note_inputs") if r.get(k)]
    cfg = CampaignConfig()
    written = [r["path"], *r.get("reports", []), *([r["fieldwork"]] if r.get("fieldwork") else [])]
    for path in written:
        lines.append(f"- {link(ws, Path(path), cfg, Path(path).name)}")
    return "\n".join(lines)
