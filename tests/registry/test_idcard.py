"""GB 11643-1999 check digits."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.idcard import check_digit, make_id_numbers, valid_id_numbers


def test_published_example() -> None:
    # The worked example of GB 11643-1999 (appendix): 11010519491231002X.
    assert check_digit("11010519491231002") == "X"
    assert valid_id_numbers(pd.Series(["11010519491231002X"])).tolist() == [True]


def test_check_digit_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        check_digit("1234")
    with pytest.raises(ValueError):
        check_digit("1101051949123100A")


def test_valid_handles_missing_wrong_length_and_lowercase() -> None:
    s = pd.Series(["11010519491231002x", None, "1101051949123100", "11010519491231002Y", 42])
    assert valid_id_numbers(s).tolist() == [True, False, False, False, False]


def test_make_matches_scalar_check_digit() -> None:
    ids = make_id_numbers(np.array(["520324", "130631"]), np.array(["19900101", "20051231"]),
                          np.array([7, 998]))
    assert [i[:17] for i in ids] == ["52032419900101007", "13063120051231998"]
    assert [i[17] for i in ids] == [check_digit(i[:17]) for i in ids]


def test_make_rejects_bad_parts() -> None:
    with pytest.raises(ValueError):
        make_id_numbers(np.array(["5203"]), np.array(["19900101"]), np.array([1]))
    with pytest.raises(ValueError):
        make_id_numbers(np.array(["520324"]), np.array(["19900101"]), np.array([1000]))


@given(st.text("0123456789", min_size=17, max_size=17), st.integers(0, 16), st.integers(1, 9))
def test_any_single_digit_change_is_caught(first17: str, where: int, shift: int) -> None:
    good = first17 + check_digit(first17)
    digit = (int(good[where]) + shift) % 10
    bad = good[:where] + str(digit) + good[where + 1:]
    assert valid_id_numbers(pd.Series([good, bad])).tolist() == [True, False]
