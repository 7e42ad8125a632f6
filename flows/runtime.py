"""Prefect environment defaults and the task runner (threads or a Dask cluster)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from enum import StrEnum
from typing import Any

# Set before Prefect is imported anywhere: no analytics (there may be no internet), a patient
# ephemeral server (its first start runs database migrations, ~20-30 s on a small machine), and
# Prefect's own console logging off: a county's failure is reported by exitcheck in plain words
# (the closing table, the manifest), and Prefect would otherwise print its traceback to the
# clerk. Set PREFECT_LOGGING_LEVEL=INFO to see Prefect's logs when debugging.
_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    "PREFECT_LOGGING_LEVEL": "CRITICAL",
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
