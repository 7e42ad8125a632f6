"""Test-session setup: Prefect state in temp dirs (no leaks between sessions), no analytics."""

import os
import tempfile
from pathlib import Path

_home = Path(tempfile.mkdtemp(prefix="exitcheck-prefect-"))
os.environ["PREFECT_HOME"] = str(_home)
os.environ["PREFECT_LOCAL_STORAGE_PATH"] = str(_home / "storage")
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "180"
os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"
os.environ.pop("PREFECT_API_URL", None)
os.environ.setdefault("MPLBACKEND", "Agg")
