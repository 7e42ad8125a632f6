"""Masking of personal data for anything that leaves the enumerator field lists.

Names keep their first character (张三 → 张*), ID numbers keep the first 6 and the last 4
characters (110101********1234), phones keep the first 3 and the last 4 digits (138****1234).
All functions are vectorised over a ``pandas.Series``; missing values stay missing.
``scrub_text`` is a safety net for free text: it masks anything that looks like an ID number or a
mobile phone number.
"""

from __future__ import annotations

import re

import pandas as pd

ID_STARS = "********"
PHONE_STARS = "****"

# An 18-character resident ID (GB 11643) or an 11-digit mainland mobile number, not part of a
# longer code (household and village codes are digit strings too, hashes are hex).
ID_PATTERN = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
# A mobile number as people write it: 13812345678, 138 1234 5678, 138-1234-5678, +86 138….
PHONE_PATTERN = re.compile(
    r"(?<![0-9A-Za-z+])(?:\+?86[-\s]?)?(1\d{2})[-\s]?\d{4}[-\s]?(\d{4})(?![0-9A-Za-z])")


def _text(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    missing = values.isna()
    return values.astype("string").str.strip(), missing


def mask_name(names: pd.Series) -> pd.Series:
    """张三 → 张*, 欧阳娜娜 → 欧*: the first character and one star, whatever the length."""
    text, missing = _text(names)
    out = text.str.slice(0, 1) + "*"
    out = out.where(text.str.len() > 0, "")
    return out.mask(missing, pd.NA).astype("string")


def mask_id(ids: pd.Series) -> pd.Series:
    """First 6 + ``********`` + last 4; an ID shorter than 10 characters is fully starred."""
    text, missing = _text(ids)
    long_enough = text.str.len() >= 10
    out = text.str.slice(0, 6) + ID_STARS + text.str.slice(-4)
    out = out.where(long_enough, ID_STARS)
    return out.mask(missing, pd.NA).astype("string")


def mask_phone(phones: pd.Series) -> pd.Series:
    """138****1234: first 3 and last 4 digits; a number with fewer than 7 digits is starred."""
    text, missing = _text(phones)
    digits = text.str.replace(r"\D", "", regex=True)
    long_enough = digits.str.len() >= 7
    out = digits.str.slice(0, 3) + PHONE_STARS + digits.str.slice(-4)
    out = out.where(long_enough, PHONE_STARS)
    return out.mask(missing, pd.NA).astype("string")


def scrub_text(text: str) -> str:
    """Mask every ID-number-like and mobile-number-like run of digits in free text."""
    text = ID_PATTERN.sub(lambda m: m.group(1) + ID_STARS + m.group(2)[-4:], text)
    return PHONE_PATTERN.sub(lambda m: m.group(1) + PHONE_STARS + m.group(2), text)


def find_unmasked(text: str) -> list[str]:
    """The unmasked ID numbers and mobile numbers found in ``text`` (empty when clean)."""
    return [m.group(0) for pattern in (ID_PATTERN, PHONE_PATTERN)
            for m in pattern.finditer(text)]
