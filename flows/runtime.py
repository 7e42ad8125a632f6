"""Prefect environment defaults and the task runner (threads or a Dask cluster)."""

from __future__ import annotations

import os
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
    """Where county tasks run: a local thread pool (default) or a Dask cluster."""

    THREADS = "threads"
    DASK = "dask"


def task_runner(runner: Runner | str = Runner.THREADS, *, workers: int | None = None,
                dask_address: str | None = None) -> Any:
    """Build the Prefect task runner for ``runner``.

    ``dask`` uses prefect-dask's DaskTaskRunner: an existing cluster when ``dask_address`` is
    given (tcp://HOST:PORT), else a LocalCluster of ``workers`` single-threaded processes.
    """
    runner = Runner(runner)
    if runner is Runner.THREADS:
        from prefect.task_runners import ThreadPoolTaskRunner

        return ThreadPoolTaskRunner(max_workers=workers or min(4, os.cpu_count() or 1))
    from prefect_dask import DaskTaskRunner

    if dask_address:
        return DaskTaskRunner(address=dask_address)
    return DaskTaskRunner(
        cluster_class="distributed.LocalCluster",
        cluster_kwargs={"n_workers": workers or 2, "threads_per_worker": 1,
                        "processes": True, "dashboard_address": None},
    )
