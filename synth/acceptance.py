"""Step 11: which households accept the result (群众认可度)."""

from __future__ import annotations

import numpy as np

from synth.draws import choose_persons


def plant_acceptance(
    *, recognition_rate: float, registered: np.ndarray, fail_any: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Per household, whether it accepts: ``1 - recognition_rate`` of the registered and of
    the non-registered households do not, households failing a check three times as often."""
    H = registered.size
    accepts = np.ones(H, dtype=bool)
    for dom in (registered, ~registered):
        n_no = round((1.0 - recognition_rate) * int(dom.sum()))
        no = choose_persons(
            dom, np.ones(H), n_no, np.where(fail_any, 3.0, 1.0), rng
        ) if n_no > 0 else np.zeros(H, bool)
        accepts &= ~no
    return accepts
