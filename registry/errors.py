"""The one base of every error a user can fix (bad data, bad config, a refused command).

Anything else that escapes is a bug: the CLI reports it as an internal error, never as the
user's mistake.
"""

from __future__ import annotations


class ExitcheckError(ValueError):
    """Something the user can fix; the message says what, in Chinese and English."""
