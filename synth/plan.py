"""What to plant in a synthetic county, and the default plan of a synthetic campaign."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from registry.errors import ExitcheckError

PATTERNS = (
    "same_year",
    "quick_exit",
    "quota",
    "bunching",
    "transfer_dependent",
    "paper_income",
    "support_withdrawn",
)

# Shares of the exited households touched by a planted pattern (DESIGN.md, "Integrity signals").
PATTERN_SHARES = {
    "same_year": 0.15,
    "quick_exit": 0.30,
    "bunching": 0.20,
    "transfer_dependent": 0.08,
    "support_withdrawn": 0.15,
}
# With paper_income planted, this share of the wrong exits fail on income and are paper exits.
PAPER_SHARE_OF_WRONG_EXITS = 0.8


class SynthError(ExitcheckError):
    """The synthetic generator was asked for something it cannot make."""


@dataclass(frozen=True)
class PlantSpec:
    """What to plant in one synthetic county.

    Rates are person-weighted shares: ``wrong_exit_rate`` of the people in exited households
    do not meet the standard, ``missed_rate`` of the people in non-registered households do
    not meet it; ``recognition_rate`` of the households accept the result. ``patterns`` names
    the integrity patterns of :data:`PATTERNS` to plant.
    """

    wrong_exit_rate: float = 0.008
    missed_rate: float = 0.006
    recognition_rate: float = 0.95
    patterns: frozenset[str] = field(default_factory=frozenset)
    # Scales PATTERN_SHARES: 1.0 plants each pattern strongly enough that its county-level
    # signal must fire; smaller values plant it in a minority of exits, as an anomaly that the
    # revisit ranking should bring to the top.
    pattern_scale: float = 1.0

    def __post_init__(self) -> None:
        for name in ("wrong_exit_rate", "missed_rate", "recognition_rate", "pattern_scale"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise SynthError(f"{name} must lie in [0, 1], got {value} / {name} 须在0到1之间")
        pats = frozenset(self.patterns)
        unknown = sorted(pats - set(PATTERNS))
        if unknown:
            raise SynthError(
                f"unknown integrity pattern(s) {unknown}; known: {list(PATTERNS)} / "
                f"未知的问题模式：{unknown}"
            )
        object.__setattr__(self, "patterns", pats)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (patterns sorted)."""
        return {
            "wrong_exit_rate": self.wrong_exit_rate,
            "missed_rate": self.missed_rate,
            "recognition_rate": self.recognition_rate,
            "patterns": sorted(self.patterns),
            "pattern_scale": self.pattern_scale,
        }


def campaign_plan(counties: pd.DataFrame, seed: int) -> dict[str, PlantSpec]:
    """The default plan of a synthetic campaign, deterministic in ``seed``.

    In frame order: the first county is clean; the second has 6 % wrong exits (mostly paper
    exits); the third a 4 % missed rate; the fourth 85 % recognition. The other integrity
    patterns are spread over the remaining counties (or, with fewer than five, over the second
    to fourth), so that with four or more counties each pattern is planted somewhere and the
    first county stays fully clean.
    """
    codes = [str(c) for c in counties["county_code"]]
    plan: dict[str, dict[str, Any]] = {c: {"patterns": set()} for c in codes}
    if len(codes) >= 2:
        plan[codes[1]].update(wrong_exit_rate=0.06)
        plan[codes[1]]["patterns"].add("paper_income")
    if len(codes) >= 3:
        plan[codes[2]].update(missed_rate=0.04)
    if len(codes) >= 4:
        plan[codes[3]].update(recognition_rate=0.85)
    hosts = codes[4:] or codes[1:4]
    if hosts:
        rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(52,)))
        others = [p for p in PATTERNS if p != "paper_income"]
        order = rng.permutation(len(others))
        start = int(rng.integers(0, len(hosts)))
        for i, j in enumerate(order):
            plan[hosts[(start + i) % len(hosts)]]["patterns"].add(others[j])
    return {
        c: PlantSpec(**{k: v for k, v in d.items() if k != "patterns"},
                     patterns=frozenset(d["patterns"]))
        for c, d in plan.items()
    }
