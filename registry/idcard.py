"""Resident identity numbers (GB 11643-1999): check digit, validation and construction.

An 18-character number is 6 region digits, 8 birth-date digits (YYYYMMDD), a 3-digit sequence
and a check character. The check character is ISO 7064 MOD 11-2: the first 17 digits are
weighted by 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2, the sum is taken modulo 11 and
mapped through ``"10X98765432"``. Everything here is vectorised over arrays of numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
CHECK_MAP = "10X98765432"
_CHECK_CODES = np.array([ord(c) for c in CHECK_MAP], dtype=np.uint32)


def check_digit(first17: str) -> str:
    """The GB 11643 check character of a 17-digit string.

    Args:
        first17: the region, birth date and sequence digits (17 ASCII digits).

    Returns:
        One character among ``0-9`` and ``X``.
    """
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError(
            f"需要17位数字，得到 {first17!r} / expected 17 digits, got {first17!r}"
        )
    total = sum(int(d) * int(w) for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_MAP[total % 11]


def _codepoints(values: np.ndarray, width: int) -> np.ndarray:
    """An (n, width) array of Unicode code points of fixed-width strings (short ones padded 0)."""
    fixed = np.asarray(values, dtype=f"<U{width}")
    return fixed.view(np.uint32).reshape(len(fixed), width)


def _check_codes(digits17: np.ndarray) -> np.ndarray:
    """Check-character code points for an (n, 17) array of digit values."""
    return _CHECK_CODES[(digits17.astype(np.int64) @ WEIGHTS) % 11]


def valid_id_numbers(s: pd.Series) -> pd.Series:
    """True where the value is an 18-character GB 11643 number with a correct check character.

    The birth-date digits are checked only for being digits; a lower-case ``x`` is accepted.
    Missing values and wrong lengths are False.

    Args:
        s: ID numbers as strings (any dtype; non-strings are converted).

    Returns:
        A boolean Series aligned with ``s``.
    """
    text = s.astype("string").str.strip().str.upper()
    ok_len = (text.str.len() == 18).fillna(False).to_numpy(dtype=bool)
    out = np.zeros(len(s), dtype=bool)
    if ok_len.any():
        cand = text.to_numpy(dtype=object)[ok_len]
        cps = _codepoints(cand, 18)
        digits = cps[:, :17] - ord("0")
        digits_ok = (cps[:, :17] >= ord("0")).all(axis=1) & (cps[:, :17] <= ord("9")).all(axis=1)
        last = cps[:, 17]
        out[ok_len] = digits_ok & (last == _check_codes(np.where(digits_ok[:, None], digits, 0)))
    return pd.Series(out, index=s.index, dtype=bool)


def make_id_numbers(
    region6: np.ndarray, birth_yyyymmdd: np.ndarray, seq3: np.ndarray
) -> np.ndarray:
    """Build valid 18-character ID numbers, vectorised.

    Args:
        region6: 6-digit region codes (strings), e.g. county codes.
        birth_yyyymmdd: 8-digit birth dates (strings).
        seq3: sequence numbers 0–999 (integers; odd for men, even for women by convention).

    Returns:
        A NumPy array of str with the 17 digits followed by the check character.
    """
    region = np.asarray(region6, dtype="<U6")
    birth = np.asarray(birth_yyyymmdd, dtype="<U8")
    seq = np.asarray(seq3, dtype=np.int64)
    if not (region.shape == birth.shape == seq.shape):
        raise ValueError("region6, birth_yyyymmdd and seq3 must have the same shape / 长度不一致")
    if ((seq < 0) | (seq > 999)).any():
        raise ValueError("seq3 must lie in 0–999 / 顺序码须在0–999之间")
    first17 = np.char.add(np.char.add(region, birth), np.char.zfill(seq.astype("<U3"), 3))
    cps = _codepoints(first17.ravel(), 17)
    bad = (cps < ord("0")) | (cps > ord("9"))
    if bad.any():
        raise ValueError(
            "region6 must be 6 digits and birth_yyyymmdd 8 digits / 地区码须6位、出生日期须8位数字"
        )
    check = _check_codes(cps - ord("0")).view("<U1")
    return np.char.add(first17, check.reshape(first17.shape)).astype(str)
