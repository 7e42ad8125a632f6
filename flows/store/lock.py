"""The workspace lock: one writing command at a time per workspace.

A command that writes to a workspace holds an exclusive ``flock`` on ``WS/.lock`` for as long
as it runs. The kernel releases it when the process ends, however it ends (``kill -9``
included), so a stale lock cannot outlive its holder. The file records who holds it (process,
command, start time) so that the second command can say so. A second command waits up to
``wait`` seconds, then refuses clearly; nothing is written meanwhile.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from registry.errors import ExitcheckError

LOCK_NAME = ".lock"
#: How long a flow waits for a workspace that another command is writing to, then refuses.
LOCK_WAIT_SECONDS = 600.0


class WorkspaceBusyError(ExitcheckError):
    """Another command is writing to the same workspace."""


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return "another exitcheck command / 另一个 exitcheck 命令"
    return (f"process {info.get('pid', '?')} ({info.get('command', '?')}), since "
            f"{info.get('since', '?')} UTC")


@contextlib.contextmanager
def workspace_lock(workspace: Path | str, command: str, *, wait: float = 0.0,
                   poll: float = 0.5) -> Iterator[Path]:
    """Hold the workspace's write lock for the ``with`` block.

    Args:
        workspace: the campaign workspace (created if missing).
        command: what holds the lock, as a second command will be told.
        wait: seconds to wait for a busy workspace before refusing (0: refuse at once).
        poll: seconds between two attempts while waiting.

    Raises:
        WorkspaceBusyError: the workspace stayed busy for ``wait`` seconds.
    """
    root = Path(workspace)
    root.mkdir(parents=True, exist_ok=True)
    path = root / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + max(wait, 0.0)
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WorkspaceBusyError(
                        f"The workspace {root} is in use by {_holder(path)}. Wait until it "
                        f"finishes, then run the command again. / 工作区 {root} 正被另一个"
                        f"命令使用（{_holder(path)}），请待其结束后再运行。") from None
                if not told:
                    print(f"waiting for the workspace {root}: in use by {_holder(path)} / "
                          "工作区正被占用，等待中…", file=sys.stderr, flush=True)
                    told = True
                time.sleep(poll)
        info = {"pid": os.getpid(), "command": command,
                "since": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
