"""Unified social credit codes: the GB 32100-2015 check character."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from market.identity.credit_code import ALPHABET, CreditCodeError, check_character, validate

# Codes printed on real business licences (public registrations).
REAL_CODES = ["91350100M000100Y43", "91110000802100433B", "91440300708461136T"]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_validate(code):
    assert validate(code) == code


def test_lower_case_and_spaces_are_normalised():
    assert validate(" 91350100m000100y43 ") == "91350100M000100Y43"


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91350100M000100Y44", "check character"),
        ("91350100M000100Y4", "18 characters"),
        ("91350100M000100Y433", "18 characters"),
        ("91350100M0001I0Y43", "other than I, O"),
        ("Z1350100M000100Y43", "other than I, O"),
        ("B1350100M000100Y43", "registration authority"),
        ("913501A0M000100Y43", "administrative division"),
    ],
)
def test_bad_codes_say_why(code, reason):
    with pytest.raises(CreditCodeError, match=reason):
        validate(code)


body = st.tuples(
    st.sampled_from("123456789ANY"),
    st.sampled_from(ALPHABET),
    st.text("0123456789", min_size=6, max_size=6),
    st.text(ALPHABET, min_size=9, max_size=9),
).map("".join)


@given(body)
def test_computed_check_character_validates(first17):
    assert validate(first17 + check_character(first17))


@given(body, st.sampled_from(ALPHABET))
def test_any_other_check_character_is_refused(first17, wrong):
    if wrong == check_character(first17):
        return
    with pytest.raises(CreditCodeError, match="check character"):
        validate(first17 + wrong)
