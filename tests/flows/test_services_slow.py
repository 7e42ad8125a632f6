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


def _post(api: str, path: str, body: dict | None = None) -> list | dict:
    return httpx.post(f"{api}{path}", json=body or {}, timeout=10).json()


@pytest.mark.slow
def test_the_scheduler_fires_the_served_nightly_run_and_a_rerun_by_parameter(campaign,
                                                                            tmp_path) -> None:
    """A real `prefect server start`: the served deployments, the server's scheduler creating
    a run of a one-minute cron (SQLAlchemy 2.1 broke it under Prefect 3.8), the run
    completing with its logs and artifacts, and `prefect deployment run -p county=CODE`."""
    c = campaign.copy(tmp_path)
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = _env(tmp_path, PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="5")
    server = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1",
                               "--port", str(port)], env=env, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    served = None
    client_env = {**env, "PREFECT_API_URL": api}
    try:
        _wait(lambda: httpx.get(f"{api}/health", timeout=5).status_code == 200, 180,
              "the Prefect server")
        served = subprocess.Popen(
            [str(BIN / "exitcheck"), "serve", "--data", str(c.data), "--workspace", str(c.ws),
             "--cron", "* * * * *"], env=client_env,
            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        want = {"sample", "nightly-assess", "rerun-county", "report", "spot-check-reproduce",
                "spot-check-independent"}
        _wait(lambda: want <= {d["name"] for d in _post(api, "/deployments/filter")}, 120,
              "the served deployments")
        nightly = next(d for d in _post(api, "/deployments/filter")
                       if d["name"] == "nightly-assess")
        (schedule,) = nightly["schedules"]
        assert schedule["schedule"]["cron"] == "* * * * *"
        assert schedule["schedule"]["timezone"] == "Asia/Shanghai"

        manifest = c.ws / "manifest.json"
        before = manifest.stat().st_mtime_ns

        def scheduled_runs() -> list[dict]:
            return [r for r in _post(api, "/flow_runs/filter")
                    if r["deployment_id"] == nightly["id"] and r["auto_scheduled"]]

        _wait(lambda: scheduled_runs(), 90, "the scheduler to create a run")

        def finished() -> dict | None:
            return next((r for r in scheduled_runs()
                         if r["state"]["type"] in {"COMPLETED", "FAILED", "CRASHED"}), None)

        _wait(lambda: finished() is not None, 240, "the scheduled run to finish")
        run = finished()
        assert run["state"]["type"] == "COMPLETED", run["state"]
        assert run["name"] == "assess · exitcheck campaign · all counties"
        assert manifest.stat().st_mtime_ns > before  # the run recorded itself on disk
        for code in c.counties:
            assert (c.ws / "results" / f"{code}.json").exists()
        flow_run = {"flow_run_id": {"any_": [run["id"]]}}
        _wait(lambda: any("counties]" in log["message"] for log in
                          _post(api, "/logs/filter", {"logs": flow_run})), 30, "the run's logs")
        keys = {a["key"] for a in _post(api, "/artifacts/filter", {"artifacts": flow_run})}
        assert {"assess-counties", f"county-{c.counties[0]}"} <= keys

        county = c.counties[0]
        started = subprocess.run(
            [str(BIN / "prefect"), "deployment", "run", "rerun-county/rerun-county",
             "-p", f"county={county}"], env=client_env, capture_output=True, text=True,
            timeout=60)
        assert started.returncode == 0, started.stdout + started.stderr
        rerun = next(d for d in _post(api, "/deployments/filter") if d["name"] == "rerun-county")

        def rerun_state() -> str | None:
            runs = [r for r in _post(api, "/flow_runs/filter")
                    if r["deployment_id"] == rerun["id"]]
            return runs[0]["state"]["type"] if runs else None

        _wait(lambda: rerun_state() in {"COMPLETED", "FAILED", "CRASHED"}, 240, "the rerun")
        assert rerun_state() == "COMPLETED"
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
