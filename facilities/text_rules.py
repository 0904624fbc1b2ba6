"""Rules for text people type into the registry, shared by the forms, the API and the import.

Text may not carry control or invisible characters (bidi overrides, zero-width spaces), markup,
or a leading spreadsheet-formula sign; the models validate again when the services save.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from django.utils.translation import gettext as _

# No place of detention holds a million people; larger numbers are typing errors or attacks.
MAX_PEOPLE = 1_000_000
MAX_AREA_M2 = Decimal("9999999.9")  # Unit.living_space_m2: max_digits=8, decimal_places=1
_FORMULA_START = ("=", "+", "-", "@")
_CODE = re.compile(r"[^\W_][\w./ №-]*", re.UNICODE)


def visible_text(value: str) -> str:
    # Categories C*: control, format (bidi overrides, zero-width), surrogates, private use, unassigned.
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        raise ValueError(_("Control or invisible characters are not allowed."))
    return unicodedata.normalize("NFC", value).strip()


def plain_text(value: str) -> str:
    value = visible_text(value)
    if "<" in value or ">" in value:
        raise ValueError(_("Angle brackets (< >) are not allowed."))
    if value.startswith(_FORMULA_START):
        raise ValueError(_("Cannot start with =, +, - or @ (a spreadsheet would read it as a formula)."))
    return value


def required_text(value: str) -> str:
    value = plain_text(value)
    if not value:
        raise ValueError(_("This field cannot be empty."))
    return value


def institution_code(value: str) -> str:
    value = visible_text(value)
    if not _CODE.fullmatch(value):
        raise ValueError(_("Use letters, digits, spaces and . / - _ № only, starting with a letter or digit."))
    return value
