"""The workspace lock: a second writer waits or refuses clearly; a killed holder frees it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.store.lock import WorkspaceBusyError, workspace_lock

HOLD = """
import sys, time
from flows.store.lock import workspace_lock
with workspace_lock(sys.argv[1], "assess"):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _holder(ws: Path, seconds: float) -> subprocess.Popen:
    p = subprocess.Popen([sys.executable, "-c", HOLD, str(ws), str(seconds)],
                         stdout=subprocess.PIPE, text=True)
    assert p.stdout is not None and p.stdout.readline().strip() == "held"
    return p


def test_a_second_writer_is_refused_with_the_holder_named(tmp_path: Path) -> None:
    p = _holder(tmp_path, 30)
    try:
        with pytest.raises(WorkspaceBusyError, match=rf"process {p.pid} \(assess\)"), \
                workspace_lock(tmp_path, "sample"):
            pass
    finally:
        p.kill()
        p.wait()


def test_a_waiting_writer_gets_the_lock_when_the_holder_ends(tmp_path: Path, capfd) -> None:
    p = _holder(tmp_path, 1.0)
    t0 = time.monotonic()
    with workspace_lock(tmp_path, "sample", wait=20, poll=0.1):
        assert time.monotonic() - t0 > 0.3
    assert "in use by" in capfd.readouterr().err
    p.wait()


def test_a_killed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    p = _holder(tmp_path, 60)
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    with workspace_lock(tmp_path, "assess"):  # no wait needed: the kernel released it
        pass


def test_the_same_process_can_lock_again_after_release(tmp_path: Path) -> None:
    with workspace_lock(tmp_path, "a"):
        pass
    with workspace_lock(tmp_path, "b"):
        assert (tmp_path / ".lock").read_text().count('"command": "b"') == 1
