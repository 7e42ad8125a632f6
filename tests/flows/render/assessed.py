"""A workspace written by the real work units: tiny synthetic counties, sampled, visited and
assessed without Prefect (so what a report reads is what the assess step really writes)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flows.store.config import CampaignConfig

SEED = 20191
#: The config of the golden campaign (the seed also drives the synthetic data and visits).
CONFIG = CampaignConfig(campaign="golden-2019", year=2019, seed=SEED)


@dataclass(frozen=True)
class Assessed:
    """The data folder and workspace of an assessed synthetic campaign."""

    data: Path
    ws: Path
    counties: tuple[str, ...]


def assessed_workspace(root: Path, *, counties: int = 2, scale: float = 0.02) -> Assessed:
    """Write ``counties`` synthetic counties under ``root`` and run sample → field → assess."""
    from flows.county.assess import assess_county
    from flows.county.sample import sample_county
    from flows.county.synth import synth_campaign, synth_field
    from flows.store.workspace import Workspace

    data, truth, ws = root / "data", root / "truth", Workspace.at(root / "ws")
    summary = synth_campaign(data, province="52", year=CONFIG.year, counties=counties,
                             scale=scale, seed=SEED, truth_dir=truth)
    for code in summary.counties:
        sample_county(data, ws, code, CONFIG, fieldwork=False)
    synth_field(data, ws.root, truth_dir=truth, seed=SEED)
    for code in summary.counties:
        assess_county(data, ws, code, CONFIG, pdf=False, report=False)
    return Assessed(data, ws.root, tuple(summary.counties))
