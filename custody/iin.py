"""Kazakhstan's individual identification number (IIN) and the pseudonym kept instead of it.

An IIN has 12 digits: the date of birth (YYMMDD), a digit for the century and sex (1/2: 1800s,
3/4: 1900s, 5/6: 2000s; odd for men, even for women), four serial digits and a check digit.
The check digit is the weighted sum of the first 11 digits modulo 11 with weights 1..11; when that
gives 10, the weights 3..11, 1, 2 are used; when that gives 10 too, no such IIN is issued.

The raw IIN is never stored or logged: ``pseudonym`` turns it into HMAC-SHA256 under the custody
person key (custody.conf), so the same person has the same pseudonym in every register.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from django.utils.translation import gettext as _

_FIRST = tuple(range(1, 12))
_SECOND = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
_CENTURY = {"1": (1800, "male"), "2": (1800, "female"), "3": (1900, "male"), "4": (1900, "female"),
            "5": (2000, "male"), "6": (2000, "female")}


class IinError(ValueError):
    """Why a value is not a valid IIN, in the user's language; never holds the value itself."""


@dataclass(frozen=True)
class Iin:
    """What a valid IIN says: the date of birth and sex. The number itself is not kept here."""

    birth_date: dt.date
    sex: str  # custody.models.Sex values: "male" or "female"


def check_digit(digits: str) -> int | None:
    """The check digit of the first 11 digits, or None when no IIN can have them."""
    numbers = [int(ch) for ch in digits[:11]]
    first = sum(w * n for w, n in zip(_FIRST, numbers, strict=True)) % 11
    if first != 10:
        return first
    second = sum(w * n for w, n in zip(_SECOND, numbers, strict=True)) % 11
    return None if second == 10 else second


def parse(value: object) -> Iin:
    """The date of birth and sex a valid IIN encodes; raises IinError saying what is wrong."""
    text = "" if value is None else str(value).strip().replace(" ", "")
    if len(text) != 12 or not text.isascii() or not text.isdigit():
        raise IinError(_("An IIN has exactly 12 digits."))
    expected = check_digit(text)
    if expected is None or expected != int(text[11]):
        raise IinError(_("The IIN's check digit is wrong (a digit mistyped?)."))
    century = _CENTURY.get(text[6])
    if century is None:
        raise IinError(_("The IIN's seventh digit (century and sex) must be 1 to 6."))
    base, sex = century
    try:
        birth = dt.date(base + int(text[0:2]), int(text[2:4]), int(text[4:6]))
    except ValueError:
        raise IinError(_("The IIN's first six digits are not a date of birth.")) from None
    return Iin(birth_date=birth, sex=sex)


def pseudonym(value: object, key: bytes) -> str:
    """HMAC-SHA256 of the IIN's 12 digits under ``key``, in hex (validate with ``parse`` first)."""
    text = "" if value is None else str(value).strip().replace(" ", "")
    return hmac.new(key, text.encode("ascii"), hashlib.sha256).hexdigest()


def make(birth_date: dt.date, sex: str, serial: int = 1) -> str:
    """A valid IIN for a date of birth and sex (tests and demo data); skips serials with no check digit."""
    century = {1800: "1", 1900: "3", 2000: "5"}[birth_date.year // 100 * 100]
    if sex == "female":
        century = str(int(century) + 1)
    while True:
        body = f"{birth_date:%y%m%d}{century}{serial % 10000:04d}"
        digit = check_digit(body)
        if digit is not None:
            return body + str(digit)
        serial += 1
