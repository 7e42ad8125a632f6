"""The error raised by the sampling core for bad input or an impossible design."""

from __future__ import annotations

from registry.errors import ExitcheckError


class SamplingError(ExitcheckError):
    """Bad sampling input: the message says what is wrong, in Chinese and English."""
