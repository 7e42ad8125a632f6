"""Samples and results stay byte-identical on the demo campaign (issue 13's refactor).

The digests in ``golden/digests-*.json`` were recorded with the code before the refactor
(``exitcheck demo --no-pdf``, and ``--counties 2 --scale 0.1`` for the small one). Signals
(which now take the county's own random stream) and reports are not compared.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from tests.flows.output_digests import workspace_digests

GOLDEN = Path(__file__).parent / "golden"


def _run_demo(ws: Path, counties: int, scale: float) -> dict[str, str]:
    from flows.cli.demo import run_demo

    assert run_demo(ws, counties=counties, scale=scale, pdf=False,
                    console=Console(file=io.StringIO())) in (0, 1)
    return workspace_digests(ws)


def _compare(got: dict[str, str], golden: str) -> None:
    want = json.loads((GOLDEN / golden).read_text(encoding="utf-8"))
    assert sorted(got) == sorted(want), "a different set of output files"
    changed = sorted(k for k in want if got[k] != want[k])
    assert not changed, f"outputs changed: {changed}"


def test_small_campaign_outputs_are_unchanged(tmp_path: Path, prefect_harness) -> None:
    _compare(_run_demo(tmp_path / "ws", 2, 0.1), "digests-small.json")


@pytest.mark.slow
def test_demo_campaign_outputs_are_unchanged(tmp_path: Path, prefect_harness) -> None:
    _compare(_run_demo(tmp_path / "ws", 6, 0.5), "digests-demo.json")


def test_a_changed_value_changes_the_digest(tmp_path: Path) -> None:
    """The digests can fail: one changed cell of a Parquet file, one changed JSON value."""
    import pandas as pd

    (tmp_path / "sample").mkdir()
    (tmp_path / "results").mkdir()
    pd.DataFrame({"a": [1.0, 2.0]}).to_parquet(tmp_path / "sample" / "1.parquet")
    (tmp_path / "results" / "1.json").write_text('{"v": 1, "versions": {"x": "1"}}')
    before = workspace_digests(tmp_path)
    (tmp_path / "results" / "1.json").write_text('{"v": 1, "versions": {"x": "2"}}')
    assert workspace_digests(tmp_path) == before  # software versions are not compared
    pd.DataFrame({"a": [1.0, 2.0000001]}).to_parquet(tmp_path / "sample" / "1.parquet")
    after = workspace_digests(tmp_path)
    assert after["sample/1.parquet"] != before["sample/1.parquet"]
