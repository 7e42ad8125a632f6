"""Flow-test fixtures: one Prefect test harness and one small synthetic campaign per session."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

SEED = 20191


@dataclass(frozen=True)
class Campaign:
    data: Path
    truth: Path
    ws: Path
    counties: tuple[str, ...]

    def copy(self, dest: Path) -> Campaign:
        """A private copy that a test may change."""
        for part in ("data", "truth", "ws"):
            shutil.copytree(getattr(self, part), dest / part)
        return Campaign(dest / "data", dest / "truth", dest / "ws", self.counties)


@pytest.fixture(scope="session")
def prefect_harness():
    """One Prefect test server for the session (a fresh one costs ~20-30 s of migrations)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture(scope="session")
def campaign(tmp_path_factory: pytest.TempPathFactory, prefect_harness) -> Campaign:
    """Three small synthetic counties, sampled, visited and assessed (no PDF)."""
    from flows.campaign import assess_campaign, sample_campaign
    from flows.county.synth import synth_campaign, synth_field

    root = tmp_path_factory.mktemp("campaign")
    data, truth, ws = root / "data", root / "truth", root / "ws"
    synth_campaign(data, province="52", year=2019, counties=3, scale=0.05, seed=SEED,
                   truth_dir=truth)
    sampled = sample_campaign(str(data), str(ws))
    assert sampled.ok, [o.message for o in sampled.failed]
    synth_field(data, ws, truth_dir=truth, seed=SEED)
    assessed = assess_campaign(str(data), str(ws), pdf=False)
    assert assessed.ok, [o.message for o in assessed.failed]
    return Campaign(data, truth, ws, tuple(o.county_code for o in assessed.outcomes))
