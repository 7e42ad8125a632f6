"""A progress bar over counties: done, left, and the time remaining."""

from __future__ import annotations

import sys
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from flows.county.outcome import CountyOutcome


class CountyProgress:
    """Shows ``done/total`` counties, how many are left and the ETA on stderr."""

    def __init__(self, total: int, step: str, *, enabled: bool = True) -> None:
        self.total, self.step, self.done, self.enabled = total, step, 0, enabled
        self._progress: Progress | None = None
        if enabled:
            self._progress = Progress(
                TextColumn(f"[bold]{step}[/bold]"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("counties · {task.fields[left]} left"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=Console(file=sys.stderr),
            )
            self._task = self._progress.add_task(step, total=total, left=total)

    def __enter__(self) -> CountyProgress:
        if self._progress:
            self._progress.start()
        return self

    def advance(self, outcome: CountyOutcome) -> None:
        self.done += 1
        if self._progress:
            mark = {"done": "✓", "cached": "=", "failed": "✗"}[outcome.status]
            self._progress.console.print(
                f"  {mark} {outcome.county_code} {outcome.status}"
                + (f" — {outcome.message.splitlines()[0]}" if outcome.status == "failed" else "")
            )
            self._progress.update(self._task, advance=1, left=self.total - self.done)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._progress:
            self._progress.stop()
