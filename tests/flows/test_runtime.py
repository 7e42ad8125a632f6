"""Prefect's temporary server started early by a command, and the task runners."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from flows.runtime import EarlyServer, Runner, exit_status, task_runner

# A fresh interpreter, as a command is: Prefect is not imported when the server is started.
SCRIPT = textwrap.dedent("""
    import json, os, sys
    from flows.runtime import early_server, prefect_defaults

    prefect_defaults()
    with early_server() as server:
        spawned = server.proc is not None
        from prefect import flow

        @flow
        def hello() -> str:
            from prefect.settings import get_current_settings
            return str(get_current_settings().api.url)

        server.ready()
        url = hello()
        server_url = server.url  # None once stopped
        pid = server.proc.pid if server.proc else None
    alive = pid is not None and os.path.exists(f"/proc/{pid}") and \\
        open(f"/proc/{pid}/stat").read().split()[2] != "Z"
    print(json.dumps({"spawned": spawned, "url": url, "server_url": server_url,
                      "env_after": os.environ.get("PREFECT_API_URL"), "alive_after": alive}))
""")


def _run(env: dict[str, str]) -> dict:
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_command_starts_the_temporary_server_early_and_stops_it(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "home")
    out = _run(env)
    assert out["spawned"] is True
    assert out["url"].startswith("http://127.0.0.1:") and out["url"].endswith("/api")
    assert out["url"] == out["server_url"]  # the flow ran against the server started early
    assert out["alive_after"] is False  # stopped with the command
    assert out["env_after"] is None


def _gone(pid: int) -> bool:
    """The process has exited (a zombie not yet reaped by its new parent counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split()[2] == "Z"
    except FileNotFoundError:
        return True


@pytest.mark.skipif(sys.platform != "linux", reason="PR_SET_PDEATHSIG is Linux's")
def test_the_server_does_not_outlive_a_killed_command(tmp_path) -> None:
    import signal
    import time

    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "home")
    script = ("import time; from flows.runtime import EarlyServer; s = EarlyServer(); "
              "print(s.proc.pid, flush=True); time.sleep(600)")
    command = subprocess.Popen([sys.executable, "-c", script], env=env,
                               stdout=subprocess.PIPE, text=True)
    server = int(command.stdout.readline())
    command.send_signal(signal.SIGKILL)
    command.wait(10)
    deadline = time.monotonic() + 20
    while not _gone(server) and time.monotonic() < deadline:
        time.sleep(0.1)
    gone = _gone(server)
    assert gone, "the temporary server outlived its killed command"


def test_a_configured_server_is_used_instead(monkeypatch) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    server = EarlyServer()
    assert server.proc is None and server.url is None
    server.stop()


def test_inside_a_harness_no_server_is_started(prefect_harness) -> None:
    """Prefect already imported and its settings name a server: nothing is spawned."""
    server = EarlyServer()
    try:
        assert server.proc is None
        server.ready()  # only turns off heartbeats
        from prefect.settings import get_current_settings

        assert get_current_settings().flows.heartbeat_frequency is None
    finally:
        server.stop()
    from prefect.settings import get_current_settings

    assert get_current_settings().flows.heartbeat_frequency is not None  # restored


@pytest.mark.parametrize("runner", list(Runner))
def test_every_runner_builds(runner: Runner) -> None:
    built = task_runner(runner, workers=2)
    assert type(built).__name__ == {"processes": "ProcessPoolTaskRunner",
                                    "threads": "ThreadPoolTaskRunner",
                                    "dask": "DaskTaskRunner"}[runner.value]


# ------------------------------------------------------------------------------ quick_exit
QUICK = textwrap.dedent("""
    import atexit, sys, threading, time
    from flows.runtime import quick_exit

    stem, code = sys.argv[1], sys.argv[2]

    def late() -> None:  # a non-daemon thread still working when the command returns
        time.sleep(0.5)
        open(stem + ".thread", "w").write("joined")

    threading.Thread(target=late).start()
    atexit.register(lambda: open(stem + ".atexit", "w").write("ran"))
    sys.stdout.write("x" * 1_000_000 + "\\n")  # more than a pipe holds
    sys.stdout.write("end\\n")  # still in the buffer
    words = {"none": None, "text": "stopped: see above"}
    quick_exit(words[code] if code in words else int(code))
""")


@pytest.mark.parametrize(("code", "status"), [("none", 0), ("0", 0), ("3", 3), ("text", 1)])
def test_quick_exit_keeps_what_a_normal_exit_does(tmp_path, code: str, status: int) -> None:
    stem = str(tmp_path / "run")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # buffered stdout
    done = subprocess.run([sys.executable, "-c", QUICK, stem, code], capture_output=True,
                          text=True, timeout=60, env=env)
    assert done.returncode == status
    assert done.stdout.endswith("x\nend\n") and len(done.stdout) == 1_000_005  # all flushed
    assert Path(stem + ".thread").read_text() == "joined"  # other threads were joined first
    assert Path(stem + ".atexit").read_text() == "ran"  # the atexit handlers ran
    assert ("stopped: see above" in done.stderr) is (code == "text")


@pytest.mark.parametrize(("code", "status"), [(None, 0), (0, 0), (2, 2), (True, 1),
                                              (256, 0), (-1, 255), ("message", 1)])
def test_exit_status_is_what_sys_exit_gives(code: object, status: int) -> None:
    done = subprocess.run([sys.executable, "-c", f"import sys; sys.exit({code!r})"],
                          capture_output=True, timeout=30)
    assert done.returncode == status == exit_status(code)


def test_the_console_command_keeps_its_exit_statuses(tmp_path) -> None:
    """The installed entry point (flows.cli.app:main, which ends through quick_exit) keeps the
    documented statuses: 0 success, 2 unusable input, 2 a usage error."""
    main = "from flows.cli.app import main; main()"
    ok = subprocess.run([sys.executable, "-c", main, "version"], capture_output=True,
                        text=True, timeout=60)
    assert ok.returncode == 0 and ok.stdout.strip()
    bad = subprocess.run([sys.executable, "-c", main, "spotcheck", "--data", str(tmp_path),
                          "--workspace", str(tmp_path / "ws"), "--county", "520203",
                          "--reproduce"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "manifest" in bad.stderr
    usage = subprocess.run([sys.executable, "-c", main, "no-such-command"],
                           capture_output=True, text=True, timeout=60)
    assert usage.returncode == 2 and "No such command" in usage.stderr


def test_prefect_logs_go_to_the_api_at_info_and_not_to_the_console(tmp_path) -> None:
    """exitcheck's defaults: Prefect's loggers at INFO (the API handler ships them to the UI),
    the console handler at CRITICAL (a clerk's terminal stays quiet)."""
    script = textwrap.dedent("""
        import json, logging
        from flows.runtime import prefect_defaults
        prefect_defaults()
        from prefect import flow  # noqa: F401  (sets up Prefect's logging)
        from prefect.logging.handlers import APILogHandler, PrefectConsoleHandler
        root = logging.getLogger()
        console = [h.level for h in root.handlers if isinstance(h, PrefectConsoleHandler)]
        api = [h.level for h in logging.getLogger("prefect.flow_runs").handlers
               if isinstance(h, APILogHandler)]
        print(json.dumps({"console": console, "api": api,
                          "runs": logging.getLogger("prefect.flow_runs").getEffectiveLevel()}))
    """)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_LOGGING")}
    env["PREFECT_HOME"] = str(tmp_path / "home")
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["console"] == [50]  # CRITICAL
    assert got["api"] == [0]  # everything the loggers pass
    assert got["runs"] == 20  # INFO
