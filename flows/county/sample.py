"""Sample one county: validate its registry, draw the two-stage sample, write the lists.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from flows.county.inputs import SAMPLE_TABLES, county_input_files, registry_tables
from flows.county.outcome import CountyOutcome
from flows.store.config import CampaignConfig
from flows.store.fieldwork import write_fieldwork
from flows.store.files import write_parquet
from flows.store.manifest import cache_key, code_version
from flows.store.state import cached_state, inputs_digest, record_state
from flows.store.workspace import Workspace
from registry.contract import TableName
from sampling.design import draw_county_sample
from sampling.streams import county_rng


def sample_county(data_dir: Path, ws: Workspace, county: str, cfg: CampaignConfig, *,
                  force: bool = False, fieldwork: bool = True) -> CountyOutcome:
    """Validate the registry of ``county`` and draw its sample and enumerator lists.

    ``fieldwork=False`` skips the enumerator list (a reproduction check needs only the sample).
    """

    t0 = time.perf_counter()
    inputs = county_input_files(data_dir, county, SAMPLE_TABLES)
    inputs_key, input_hashes = inputs_digest(data_dir, inputs)
    config_part = json.dumps({"seed": cfg.seed, "year": cfg.year,
                              "sampling": cfg.sampling.model_dump(mode="json"),
                              "max_quarantine_share": cfg.max_quarantine_share}, sort_keys=True)
    key = cache_key(inputs_key, config_part, code_version())
    if not force and (state := cached_state(ws, county, "sample", key)):
        return CountyOutcome(county, "sample", "cached", inputs_sha256=inputs_key,
                             outputs=state["outputs"], households=state.get("households", 0))
    timings: dict[str, float] = {}
    clean = registry_tables(data_dir, ws, county, cfg, input_hashes).clean
    timings["load_validate"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    sample = draw_county_sample(clean[TableName.VILLAGES], clean[TableName.HOUSEHOLDS],
                                cfg.sampling, county_rng(cfg.seed, county),
                                seed=cfg.seed, county_code=county)
    timings["draw"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    write_parquet(sample, ws.sample(county))
    if fieldwork:

        write_fieldwork(ws.fieldwork(county), sample, clean[TableName.HOUSEHOLDS],
                        clean[TableName.VILLAGES])
    timings["write"] = time.perf_counter() - t2
    written = [ws.sample(county), *([ws.fieldwork(county)] if fieldwork else [])]
    outputs = record_state(ws, county, "sample", key, written,
                            {"inputs": input_hashes, "households": len(sample),
                             "config": json.loads(cfg.model_dump_json())})
    return CountyOutcome(county, "sample", "done", seconds=time.perf_counter() - t0,
                         inputs_sha256=inputs_key, outputs=outputs, timings=timings,
                         households=int((sample["role"] == "main").sum()))
