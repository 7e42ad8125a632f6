"""Slow tests with real processes: a Prefect server with served deployments, and a run that
is killed halfway and rerun."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pandas as pd
import pytest

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"),
               PREFECT_SERVER_ANALYTICS_ENABLED="false", **extra)
    return env


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except (httpx.HTTPError, OSError):
            pass
        time.sleep(1)
    raise TimeoutError(f"timed out waiting for {what}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.mark.slow
def test_serve_runs_a_one_county_rerun_triggered_through_the_api(campaign, tmp_path) -> None:
    c = campaign.copy(tmp_path)
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = _env(tmp_path)
    server = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1",
                               "--port", str(port)], env=env, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    served = None
    try:
        _wait(lambda: httpx.get(f"{api}/health", timeout=5).status_code == 200, 180,
              "the Prefect server")
        served = subprocess.Popen(
            [str(BIN / "exitcheck"), "serve", "--data", str(c.data), "--workspace", str(c.ws),
             "--cron", "0 2 * * *"], env={**env, "PREFECT_API_URL": api},
            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def deployment() -> dict | None:
            found = httpx.post(f"{api}/deployments/filter", json={}, timeout=10).json()
            return next((d for d in found if d["name"] == "rerun-county"), None)

        _wait(lambda: deployment() is not None, 120, "the served deployments")
        names = {d["name"] for d in httpx.post(f"{api}/deployments/filter", json={}).json()}
        assert {"nightly-assess", "rerun-county"} <= names
        nightly = next(d for d in httpx.post(f"{api}/deployments/filter", json={}).json()
                       if d["name"] == "nightly-assess")
        assert any(s["schedule"].get("cron") == "0 2 * * *" for s in nightly["schedules"])

        county = c.counties[0]
        before = (c.ws / "results" / f"{county}.json").stat().st_mtime_ns
        run = httpx.post(f"{api}/deployments/{deployment()['id']}/create_flow_run",
                         json={"parameters": {"county": county}}, timeout=10).json()

        def state() -> str:
            return httpx.get(f"{api}/flow_runs/{run['id']}", timeout=10).json()["state"]["type"]

        _wait(lambda: state() in {"COMPLETED", "FAILED", "CRASHED"}, 240, "the flow run")
        assert state() == "COMPLETED"
        assert (c.ws / "results" / f"{county}.json").stat().st_mtime_ns > before
    finally:
        if served is not None:
            _stop(served)
        _stop(server)


@pytest.mark.slow
def test_a_killed_run_leaves_no_partial_file_and_a_rerun_completes(campaign, tmp_path) -> None:
    c = campaign.copy(tmp_path)
    env = _env(tmp_path, PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="180")
    cmd = [str(BIN / "exitcheck"), "assess", "--data", str(c.data), "--workspace", str(c.ws),
           "--force"]
    proc = subprocess.Popen(cmd, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    first = c.counties[0]
    start = (c.ws / "results" / f"{first}.json").stat().st_mtime_ns
    # Kill it as soon as the first county has started writing, i.e. mid-run.
    _wait(lambda: any(p.stat().st_mtime_ns > start for p in (c.ws / "results").iterdir()),
          240, "the run to start writing")
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    for p in (c.ws / "results").glob("*.json"):
        json.loads(p.read_text("utf-8"))  # every visible file is complete
    for p in (c.ws / "results").glob("*.parquet"):
        pd.read_parquet(p)
    rerun = subprocess.run([*cmd[:-1], "--no-pdf"], env=env, capture_output=True, text=True,
                           timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert not list(c.ws.rglob(".*.tmp")), "temp files left behind after the rerun"
