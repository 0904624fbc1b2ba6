"""The IIN: its check digit (both passes), its date of birth and century-and-sex digit."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custody import iin


def test_a_known_valid_iin_gives_its_birth_date_and_sex():
    # 900517 3 0000 9: 17 May 1990, a man; weights 1..11 give 9 + 20 + 5 + 42 + 21 = 97, mod 11 = 9.
    assert iin.check_digit("90051730000") == 9
    parsed = iin.parse("900517300009")
    assert parsed == iin.Iin(birth_date=dt.date(1990, 5, 17), sex="male")


def test_the_second_pass_of_weights_is_used_when_the_first_gives_ten():
    body = next(f"850101400{n:02d}" for n in range(100)
                if sum(w * int(c) for w, c in zip(range(1, 12), f"850101400{n:02d}", strict=True)) % 11 == 10)
    second = sum(w * int(c) for w, c in zip((3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2), body, strict=True)) % 11
    assert second != 10  # this body has a check digit from the second pass
    assert iin.check_digit(body) == second
    assert iin.parse(body + str(second)).sex == "female"


def test_a_mistyped_digit_is_refused_by_the_check_digit():
    valid = iin.make(dt.date(1990, 5, 17), "male")
    wrong = valid[:11] + str((int(valid[11]) + 1) % 10)
    with pytest.raises(iin.IinError, match="check digit"):
        iin.parse(wrong)


@pytest.mark.parametrize(("value", "reason"), [
    ("12345", "12 digits"), ("9005173000071", "12 digits"), ("90051730000a", "12 digits"), ("", "12 digits"),
    ("٩٠٠٥١٧٣٠٠٠٠٧", "12 digits"),  # Arabic-Indic digits are digits to Python, not to an IIN
])
def test_values_that_are_not_twelve_ascii_digits_are_refused(value, reason):
    with pytest.raises(iin.IinError, match=reason):
        iin.parse(value)


def test_century_digit_and_birth_date_must_be_real():
    for body in ("90051700000", "90051770000", "90023130000"):  # century 0, century 7, 31 February
        digit = iin.check_digit(body)
        if digit is None:
            continue
        with pytest.raises(iin.IinError):
            iin.parse(body + str(digit))


def test_the_century_digit_sets_the_century_and_sex():
    assert iin.parse(iin.make(dt.date(2010, 1, 1), "female")).birth_date == dt.date(2010, 1, 1)
    assert iin.parse(iin.make(dt.date(1899, 12, 31), "male")).birth_date.year == 1899
    assert iin.parse(iin.make(dt.date(1975, 6, 1), "female")).sex == "female"


def test_the_pseudonym_depends_on_the_key_and_never_contains_the_number():
    number = iin.make(dt.date(1990, 5, 17), "male")
    one, two = iin.pseudonym(number, b"k" * 32), iin.pseudonym(number, b"j" * 32)
    assert one != two
    assert len(one) == 64
    assert number not in one
    assert iin.pseudonym(number, b"k" * 32) == one


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20))
def test_parse_never_fails_other_than_with_iin_error(text):
    try:
        parsed = iin.parse(text)
    except iin.IinError as error:
        reason = str(error)
        parsed = None
    if parsed is None:
        assert reason  # refused, and says why
        return
    # Accepted only as twelve digits whose last is their check digit.
    digits = text.strip().replace(" ", "")
    assert len(digits) == 12
    assert digits.isdigit()
    assert iin.check_digit(digits[:11]) == int(digits[11])
    assert parsed.sex in ("male", "female")
    assert parsed.birth_date.strftime("%y%m%d") == digits[:6]
