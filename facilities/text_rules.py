"""What the registry accepts as text, numbers and dates: each rule defined here once.

The services apply these rules to every change, so the forms, the API, the import and the
commands give the same answer; the edges only put the message beside the field or cell. The API
schema states the same rules (`json_schema`), generated from the same character sets, so a client
that follows the OpenAPI document is never refused for the form of its text.

Text is written in the registry's alphabet: the Latin and Cyrillic scripts (Kazakh, Russian,
English and the Kazakh Latin alphabet), digits, common punctuation and symbols (№, ₸, m², «»).
That leaves out control characters, invisible ones (zero-width spaces and joiners, bidi
overrides, soft hyphens, variation selectors), look-alike scripts and markup. Text is stored in
Unicode NFC with a no-break space as a plain space and surrounding spaces removed; a spreadsheet
formula sign (= + - @) may not start it. An institution or unit code is letters of one script,
digits and . / - _ № or spaces, starting with a letter or a digit.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

# No place of detention holds a million people; larger numbers are typing errors or attacks.
MAX_PEOPLE = 1_000_000
MAX_AREA_M2 = Decimal("9999999.9")  # Unit.living_space_m2: max_digits=8, decimal_places=1
# Dates before this are typing errors (a count "in 0202"), whatever the facility's records say.
EARLIEST_DATE = dt.date(1900, 1, 1)

FORMULA_SIGNS = frozenset("=+-@")
MARKUP = frozenset("<>")
SPACE = " "
NO_BREAK_SPACE = "\u00a0"
CODE_PUNCTUATION = frozenset("./-_№ ")

# Blocks of the registry's alphabet, inclusive. Every character in them is assigned and visible;
# a test checks that, and that the set is closed under NFC.
_ALPHABET_BLOCKS = (
    (0x0020, 0x007E),  # Basic Latin, printable
    (0x00A0, 0x00AC), (0x00AE, 0x00FF),  # Latin-1 Supplement, without the soft hyphen
    (0x0100, 0x024F),  # Latin Extended-A and -B
    (0x0400, 0x0482), (0x048A, 0x052F),  # Cyrillic and its supplement, without combining marks
    (0x2010, 0x2027),  # dashes, quotation marks, bullet, ellipsis
    (0x2030, 0x205E),  # per mille, primes, single guillemets, ...
    (0x20A0, 0x20C0),  # currency signs, tenge among them
    (0x2100, 0x214F),  # letterlike symbols: №, ℃, ™
    (0x2150, 0x218B),  # number forms: fractions, Roman numerals
    (0x2212, 0x2212),  # minus sign
)


def _closed_alphabet() -> frozenset[str]:
    chars = {chr(c) for lo, hi in _ALPHABET_BLOCKS for c in range(lo, hi + 1)}
    chars = {c for c in chars if not unicodedata.category(c).startswith(("C", "M", "Zl", "Zp"))}
    # Drop what NFC turns into something outside the set or into more than one character, so
    # that text of these characters stays within them, and no longer, once normalised.
    while True:
        keep = {c for c in chars if len(n := unicodedata.normalize("NFC", c)) == 1 and n in chars}
        if keep == chars:
            return frozenset(chars)
        chars = keep


ALPHABET = _closed_alphabet()
_TEXT_CHARS = ALPHABET - MARKUP
_TEXT_START = _TEXT_CHARS - FORMULA_SIGNS - {SPACE, NO_BREAK_SPACE}
_LATIN_LETTERS = frozenset(c for c in ALPHABET if c.isalpha() and "LATIN" in unicodedata.name(c, ""))
_CYRILLIC_LETTERS = frozenset(c for c in ALPHABET if c.isalpha() and "CYRILLIC" in unicodedata.name(c, ""))
_DIGITS = frozenset("0123456789")


class RuleError(ValueError):
    """A value breaks a rule; the message says which, in the active language."""


def _describe(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" {name}" if name else "")


def _normalised(value: Any) -> str:
    if not isinstance(value, str):
        raise RuleError(_("Enter text."))
    value = unicodedata.normalize("NFC", value).replace(NO_BREAK_SPACE, SPACE)
    for ch in value:
        if ch not in ALPHABET:
            if unicodedata.category(ch).startswith("C") or ch in ("\u2028", "\u2029"):
                raise RuleError(_("Control or invisible characters are not allowed (%(char)s).")
                                % {"char": _describe(ch)})
            raise RuleError(_("This character is not allowed here: %(char)s. Use Latin or Cyrillic letters, "
                              "digits and common punctuation.") % {"char": _describe(ch)})
    return value.strip(SPACE)


def _length(value: str, max_length: int | None) -> str:
    if max_length is not None and len(value) > max_length:
        raise RuleError(_("At most %(max)s characters (this has %(count)s).")
                        % {"max": max_length, "count": len(value)})
    return value


def text(value: Any, *, max_length: int | None = None, required: bool = True) -> str:
    """Free text (a name, an address) as it is stored; raises RuleError saying what is wrong."""
    value = _normalised(value)
    if any(ch in MARKUP for ch in value):
        raise RuleError(_("Angle brackets (< >) are not allowed."))
    if value[:1] in FORMULA_SIGNS:
        raise RuleError(_("Cannot start with =, +, - or @ (a spreadsheet would read it as a formula)."))
    if required and not value:
        raise RuleError(_("This field cannot be empty."))
    return _length(value, max_length)


def code(value: Any, *, max_length: int | None = None) -> str:
    """An institution or unit code as it is stored; raises RuleError saying what is wrong."""
    value = _normalised(value)
    if not value:
        raise RuleError(_("This field cannot be empty."))
    letters = {ch for ch in value if ch.isalpha()}
    allowed_first = value[0] in _DIGITS or value[0] in letters
    if (
        not allowed_first
        or any(ch not in _DIGITS and ch not in CODE_PUNCTUATION and ch not in letters for ch in value)
        or not (letters <= _LATIN_LETTERS or letters <= _CYRILLIC_LETTERS)
    ):
        raise RuleError(_("Use letters of one alphabet (Latin or Cyrillic), digits, spaces and . / - _ № only, "
                          "starting with a letter or digit."))
    return _length(value, max_length)


# Cyrillic letters drawn like Latin ones (Unicode's confusables, for the letters codes use).
_LOOKALIKES = str.maketrans("АВЕЁЗКМНОРСТУХІЈЅҮҺԚԜ", "ABEE3KMHOPCTYXIJSYHQW")


def code_skeleton(value: str) -> str:
    """What a code looks like: two codes with the same skeleton are told apart by no reader
    (AK-159/6 in Latin or Cyrillic letters, or in small letters)."""
    return unicodedata.normalize("NFC", value).upper().translate(_LOOKALIKES)


def people(value: Any) -> int:
    """A number of people or places."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise RuleError(_("Enter a whole number."))
    if value < 0:
        raise RuleError(_("Must be at least %(min)s.") % {"min": 0})
    if value > MAX_PEOPLE:
        raise RuleError(_("Must be at most %(max)s.") % {"max": MAX_PEOPLE})
    return value


def area(value: Any) -> Decimal:
    """A living space in m², with at most one decimal place."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise RuleError(_("Enter a number."))
    try:
        value = Decimal(value)
    except ArithmeticError:  # decimal.InvalidOperation
        raise RuleError(_("Enter a number.")) from None
    if not value.is_finite():
        raise RuleError(_("Enter a finite number."))
    if value < 0:
        raise RuleError(_("Must be at least %(min)s.") % {"min": 0})
    if value > MAX_AREA_M2:
        raise RuleError(_("Must be at most %(max)s.") % {"max": MAX_AREA_M2})
    if value != value.quantize(Decimal("0.1")):
        raise RuleError(_("At most %(places)s digit after the decimal point.") % {"places": 1})
    return value.quantize(Decimal("0.1"))


def search(value: Any, *, max_length: int = 100) -> str:
    """Words to search the registry for: the registry's characters only, so nothing odd reaches a query."""
    return _length(_normalised(value), max_length)


def count_date(value: dt.date, *, opened_on: dt.date | None, today: dt.date) -> dt.date:
    """The date of a population count: not in the future, not before the facility was in use."""
    if value > today:
        raise RuleError(_("The date cannot be in the future."))
    if value < EARLIEST_DATE:
        raise RuleError(_("The date is too far in the past."))
    if opened_on is not None and value < opened_on:
        raise RuleError(_("The facility has been in use only since %(date)s; a count cannot be older.")
                        % {"date": opened_on.isoformat()})
    return value


# --- the same rules as JSON Schema, for the API document ------------------------------------------


def _char_class(chars: Iterable[str]) -> str:
    points = sorted(ord(c) for c in chars)
    ranges: list[tuple[int, int]] = []
    for point in points:
        if ranges and point == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], point)
        else:
            ranges.append((point, point))

    def escaped(point: int) -> str:
        return f"\\u{point:04X}"

    return "[" + "".join(escaped(lo) if lo == hi else f"{escaped(lo)}-{escaped(hi)}" for lo, hi in ranges) + "]"


_SPACES = _char_class({SPACE, NO_BREAK_SPACE})


def text_pattern(*, required: bool = True) -> str:
    body = f"{_char_class(_TEXT_START)}{_char_class(_TEXT_CHARS)}*"
    return f"^{_SPACES}*{body}$" if required else f"^{_SPACES}*(?:{body})?$"


def code_pattern() -> str:
    branches = []
    for letters in (_LATIN_LETTERS, _CYRILLIC_LETTERS):
        start = _char_class(letters | _DIGITS)
        rest = _char_class(letters | _DIGITS | CODE_PUNCTUATION)
        branches.append(f"{start}{rest}*")
    return f"^{_SPACES}*(?:{'|'.join(branches)})$"


def json_schema(kind: str, *, max_length: int, required: bool = True) -> dict[str, Any]:
    """The JSON Schema keywords that state a text rule: `kind` is "text" or "code"."""
    pattern = code_pattern() if kind == "code" else text_pattern(required=required)
    schema: dict[str, Any] = {"type": "string", "maxLength": max_length, "pattern": pattern}
    if required:
        schema["minLength"] = 1
    return schema
