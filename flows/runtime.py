"""Prefect environment defaults, the task runner (processes, threads or a Dask cluster) and
an early start of Prefect's temporary API server."""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator
from enum import StrEnum
from typing import Any, NoReturn

# Set before Prefect is imported anywhere: no analytics or telemetry (there may be no
# internet), and a patient ephemeral server (its first start runs database migrations, ~20-30 s
# on a small machine).
#
# Logging: Prefect's loggers run at INFO, so that exitcheck's progress, warnings and county
# outcomes (``get_run_logger``) reach the API log handler and show in the UI; only the console
# handler is raised to CRITICAL, so a clerk's terminal shows exitcheck's own words (the closing
# table, the manifest) and never Prefect's tracebacks. Set
# PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL=INFO to see the same logs on the console.
_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",  # Prefect's client-side telemetry: there is no internet to send it to
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    "PREFECT_LOGGING_LEVEL": "INFO",
    "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "CRITICAL",
    "PREFECT_LOGGING_SERVER_LEVEL": "WARNING",
}


def prefect_defaults() -> None:
    """Apply exitcheck's Prefect defaults without overriding what the user set."""
    for key, value in _DEFAULTS.items():
        os.environ.setdefault(key, value)


class Runner(StrEnum):
    """Where county tasks run: local processes (default), a thread pool, or a Dask cluster."""

    PROCESSES = "processes"
    THREADS = "threads"
    DASK = "dask"


def default_workers() -> int:
    """One worker per CPU core (the county work is CPU-bound pandas/numpy)."""
    return max(1, os.cpu_count() or 1)


def task_runner(runner: Runner | str = Runner.PROCESSES, *, workers: int | None = None,
                dask_address: str | None = None) -> Any:
    """Build the Prefect task runner for ``runner``.

    ``processes`` (the default) uses Prefect's ProcessPoolTaskRunner with ``workers`` processes
    (one per core): the county work is pandas/numpy that a thread pool's GIL mostly
    serialises. ``threads`` uses a thread pool (light, for small campaigns and tests).
    ``dask`` uses prefect-dask's DaskTaskRunner: an existing cluster when ``dask_address`` is
    given (tcp://HOST:PORT), else a LocalCluster of ``workers`` single-threaded processes.
    """
    runner = Runner(runner)
    if runner is Runner.PROCESSES:
        from prefect.task_runners import ProcessPoolTaskRunner

        return ProcessPoolTaskRunner(max_workers=workers or default_workers())
    if runner is Runner.THREADS:
        from prefect.task_runners import ThreadPoolTaskRunner

        return ThreadPoolTaskRunner(max_workers=workers or min(4, default_workers()))
    from prefect_dask import DaskTaskRunner

    if dask_address:
        return DaskTaskRunner(address=dask_address)
    return DaskTaskRunner(
        cluster_class="distributed.LocalCluster",
        cluster_kwargs={"n_workers": workers or 2, "threads_per_worker": 1,
                        "processes": True, "dashboard_address": None},
    )


@contextlib.contextmanager
def shared_api_url() -> Iterator[None]:
    """Let worker processes report to this process's Prefect API while a flow runs.

    In ephemeral mode (no ``PREFECT_API_URL``) the API is a temporary server that this process
    started; a worker process spawned by the process runner would otherwise start a temporary
    server of its own (seconds each, and its runs would not be seen). The runner copies this
    process's environment into its workers at the first submission, so the URL is put into
    the environment for the flow's duration and restored afterwards.
    """
    if os.environ.get("PREFECT_API_URL"):
        yield
        return
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        url = str(client.api_url)
    os.environ["PREFECT_API_URL"] = url
    try:
        yield
    finally:
        if os.environ.get("PREFECT_API_URL") == url:
            del os.environ["PREFECT_API_URL"]


# ------------------------------------------------------------------ the temporary API server
_SERVER_ENV = {  # what Prefect's own SubprocessASGIServer sets for its temporary server
    "PREFECT_UI_ENABLED": "0",
    "PREFECT__SERVER_EPHEMERAL": "1",
    "PREFECT__SERVER_FINAL": "1",
}


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:
    """In the server's process (Linux): stop when the command's process dies, even by
    ``kill -9``, so that no temporary server outlives its command."""
    import ctypes
    import signal

    with contextlib.suppress(Exception):
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


class EarlyServer:
    """Prefect's temporary API server, started when a command starts rather than at its flow.

    Without ``PREFECT_API_URL`` Prefect starts a temporary server at the first flow call: it
    imports the server code in this process (seconds), starts the same server in a
    subprocess and waits for it. Started here, at the top of a command, the subprocess boots
    while this process imports pandas, Prefect and exitcheck, and this process never imports
    the server code. It is the same server Prefect would start (the same uvicorn command and
    settings); a configured server (``PREFECT_API_URL`` in the environment or the Prefect
    profile) is always used instead, and any failure falls back to Prefect's own start-up.
    """

    def __init__(self) -> None:
        self.proc: Any = None
        self.url: str | None = None
        self._settings: contextlib.ExitStack = contextlib.ExitStack()
        self._ready = False
        self._env_set = False
        if os.environ.get("PREFECT_API_URL"):
            return
        # Whether a server is configured (the active Prefect profile, a test harness) is known
        # only to Prefect's settings, and importing Prefect takes seconds: a fresh command
        # starts the server now and checks in ready(), once its own imports are done.
        if "prefect.settings" in sys.modules and not self._wanted():
            return
        self._spawn()

    @staticmethod
    def _wanted() -> bool:
        from prefect.settings import get_current_settings

        settings = get_current_settings()
        return not settings.api.url and bool(settings.server.ephemeral.enabled)

    def _spawn(self) -> None:
        import importlib.util
        import subprocess

        spec = importlib.util.find_spec("prefect")
        if spec is None or not spec.submodule_search_locations:
            return
        app_dir = os.path.dirname(next(iter(spec.submodule_search_locations)))
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}/api"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--app-dir", app_dir, "--factory",
             "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port",
             str(port), "--log-level", "error", "--lifespan", "on"],
            env={**os.environ, **_SERVER_ENV}, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None)

    def _kill(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except Exception:
                self.proc.kill()
                self.proc.wait()
        self.proc, self.url = None, None

    def ready(self) -> None:
        """Wait until the server answers, and point this process's Prefect client at it.

        Also turns off flow-run heartbeats for the command's flows: a command's run lasts
        while its terminal shows it, and Prefect waits up to a second for its heartbeat thread
        at the end of every flow run. Deployments (``exitcheck serve``) keep them.
        """
        from prefect.context import refresh_global_settings_context
        from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

        if self._ready:
            return
        self._ready = True
        if self.proc is not None and not self._wanted():
            self._kill()  # a configured server (or none wanted): Prefect's choice stands
        if self.proc is not None:
            if self._wait_healthy():
                # In the environment, for the workers this process starts, and in Prefect's
                # process-wide settings, for its own threads (the process runner forwards the
                # workers' events from a thread that does not see a settings context).
                os.environ["PREFECT_API_URL"] = str(self.url)
                self._env_set = True
                refresh_global_settings_context()
            else:
                self._kill()  # it could not start: Prefect starts its own
        self._settings.enter_context(
            temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}))

    def _wait_healthy(self) -> bool:
        from urllib import request

        timeout = float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", 180))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                with request.urlopen(f"{self.url}/health", timeout=2) as r:
                    if r.status == 200:
                        return True
            except OSError:
                time.sleep(0.1)
        return False

    def stop(self) -> None:
        """Restore the settings and stop the server (if this object started one)."""
        if self.proc is not None and "prefect.events.worker" in sys.modules:
            _drain_prefect_workers()  # else they retry a stopped server for a minute at exit
        self._settings.close()
        if self._env_set and os.environ.get("PREFECT_API_URL") == self.url:
            from prefect.context import refresh_global_settings_context

            del os.environ["PREFECT_API_URL"]
            refresh_global_settings_context()
        self._env_set = False
        self._kill()


def _drain_prefect_workers() -> None:
    """Send Prefect's queued logs and events before its server stops (as its test harness)."""
    import inspect

    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker
    from prefect.utilities.asyncutils import run_coro_as_sync

    async def drain() -> None:
        with contextlib.suppress(RuntimeError):  # a worker that never started
            result = APILogWorker.instance().drain()
            if inspect.isawaitable(result):
                await result
        result = EventsWorker.drain_all()
        if inspect.isawaitable(result):
            await result

    with contextlib.suppress(Exception):  # shutting down: never fail a finished command here
        run_coro_as_sync(drain())


@contextlib.contextmanager
def early_server() -> Iterator[EarlyServer]:
    """``with early_server() as server: <imports>; server.ready(); <flow>`` (see EarlyServer)."""
    server = EarlyServer()
    try:
        yield server
    finally:
        server.stop()


# ------------------------------------------------------------------------- the end of a command
def exit_status(code: object) -> int:
    """The exit status ``sys.exit(code)`` would give (``None`` is 0, text is 1)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    return 1


def quick_exit(code: object = 0) -> NoReturn:
    """End the command's process as a normal exit does, minus the interpreter's teardown.

    The steps of a normal exit that matter are kept, in CPython's order: the other
    (non-daemon) threads are joined, through ``threading._shutdown`` as the interpreter does;
    the ``atexit`` handlers run (``logging.shutdown``, Prefect's log and event workers
    sending what they hold); stdout and stderr are flushed. What is skipped is freeing every
    module and object one by one: about 1,900 modules and 190,000 objects after a
    spot-check, 0.57–0.75 s of it (``python -m bench.exit_cost``). No output is at risk:
    every file exitcheck writes is closed and renamed before its command returns
    (flows/store/files.py). Where the private hooks are missing (another Python), it falls back to
    ``sys.exit``.
    """
    shutdown = getattr(threading, "_shutdown", None)
    run_exitfuncs = getattr(atexit, "_run_exitfuncs", None)
    if shutdown is None or run_exitfuncs is None:
        sys.exit(code)
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)  # as sys.exit("message") does
    shutdown()
    run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe: nothing more can be said
            stream.flush()
    os._exit(exit_status(code))
