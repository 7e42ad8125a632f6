"""Record a campaign step in WS/manifest.json.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flows.county.outcome import CampaignSummary, CountyOutcome
from flows.store import tables
from flows.store.config import CampaignConfig
from flows.store.files import sha256_file
from flows.store.manifest import code_version, update_manifest, versions
from flows.store.workspace import Workspace
from registry.contract import TableName


def record_run(data_dir: Path, ws: Workspace, cfg: CampaignConfig, step: str,
               outcomes: list[CountyOutcome]) -> CampaignSummary:
    """Write WS/manifest.json: inputs' SHA-256, config, seed, versions, timings per county."""
    counties: dict[str, Any] = {}
    inputs: dict[str, str] = {}
    for o in outcomes:
        entry: dict[str, Any] = {f"{step}_status": o.status, f"{step}_seconds": round(o.seconds, 3)}
        if o.message:
            entry[f"{step}_message"] = o.message
        if o.status != "failed":
            entry[f"{step}_inputs_sha256"] = o.inputs_sha256
            entry[f"{step}_outputs"] = o.outputs
            entry[f"{step}_timings"] = {k: round(v, 3) for k, v in o.timings.items()}
        if o.verdict:
            entry["verdict"], entry["provisional"] = o.verdict, o.provisional
        counties[o.county_code] = entry
        state = ws.state(o.county_code, step)
        if state.exists():
            inputs.update(json.loads(state.read_text(encoding="utf-8")).get("inputs", {}))
    counties_file = tables.table_files(data_dir, TableName.COUNTIES)
    for f in counties_file:
        inputs[str(f.relative_to(data_dir))] = sha256_file(f)
    update_manifest(ws.manifest, {
        "campaign": cfg.campaign, "seed": cfg.seed, "year": cfg.year,
        "data_dir": str(data_dir.resolve()), "config": cfg.model_dump(mode="json"),
        "config_sha256": cfg.digest(), "code_version": code_version(), "versions": versions(),
        "counties": counties,
        "inputs": inputs,
    })
    return CampaignSummary(step, tuple(outcomes), str(ws.root))
