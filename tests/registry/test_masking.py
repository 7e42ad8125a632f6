"""Masking of names, ID numbers and phones; the free-text scrubber and the leak scanner."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.masking import find_unmasked, mask_id, mask_name, mask_phone, scrub_text


def test_names_keep_the_first_character() -> None:
    got = mask_name(pd.Series(["张三", "欧阳娜娜", "李", None, ""]))
    assert got.tolist()[:3] == ["张*", "欧*", "李*"]
    assert pd.isna(got.iloc[3]) and got.iloc[4] == ""


def test_ids_keep_first_6_and_last_4() -> None:
    got = mask_id(pd.Series(["110101199003074514", "11010119900307451X", "123", None]))
    assert got.tolist()[:3] == ["110101********4514", "110101********451X", "********"]
    assert pd.isna(got.iloc[3])


def test_phones_keep_first_3_and_last_4() -> None:
    got = mask_phone(pd.Series(["13812345678", "138-1234-5678", "12345", None]))
    assert got.tolist()[:3] == ["138****5678", "138****5678", "****"]
    assert pd.isna(got.iloc[3])


def test_masking_is_idempotent() -> None:
    s = pd.Series(["110101199003074514"])
    assert mask_id(mask_id(s)).tolist() == mask_id(s).tolist()
    assert mask_name(mask_name(pd.Series(["张三"]))).tolist() == ["张*"]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.from_regex(r"\A\d{17}[\dX]\Z"), min_size=1, max_size=20))
def test_masked_ids_never_contain_an_id(ids: list[str]) -> None:
    masked = mask_id(pd.Series(ids))
    assert all(find_unmasked(m) == [] for m in masked)
    assert (masked.str.len() == 18).all()
    assert (masked.str.slice(0, 6) == pd.Series(ids).str.slice(0, 6)).all()


def test_scrub_and_find_in_free_text() -> None:
    text = "户主身份证110101199003074514，电话13812345678，户编号 5223231000010012。"
    assert find_unmasked(text) == ["110101199003074514", "13812345678"]
    clean = scrub_text(text)
    assert "110101********4514" in clean and "138****5678" in clean
    assert find_unmasked(clean) == []
    # longer codes and hashes are not mistaken for IDs or phones
    assert find_unmasked("130631101001000123456 " + "0123456789" * 6) == []


@pytest.mark.parametrize("raw, masked", [
    ("电话 138 1234 5678", "电话 138****5678"),
    ("tel +86 138-1234-5678.", "tel 138****5678."),
    ("户编号 5203241012010003", "户编号 5203241012010003"),  # a 16-digit code is not an ID
])
def test_scrub_text_catches_numbers_as_people_write_them(raw: str, masked: str) -> None:
    assert scrub_text(raw) == masked
    assert find_unmasked(scrub_text(raw)) == []
