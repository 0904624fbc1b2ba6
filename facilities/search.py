# The tables and examples map Cyrillic letters to Latin ones on purpose.
# ruff: noqa: RUF001, RUF002
"""Finding and ordering facilities by institution code, whatever keyboard the code was typed on.

Codes are Latin ("LA-155/1", "AK-159/6"), but a monitor on a Kazakh or Russian keyboard types
"ЛА-155" (transliterated) or "АК-159" (Cyrillic letters that look like the Latin ones). Both are
folded into one search key: upper case, look-alike Cyrillic letters replaced by their Latin twins,
other Cyrillic letters transliterated, spaces, dots and dashes of every kind dropped. A query matches when the
stored key contains either reading of the query (look-alike or transliterated), so "СИ" finds
"SI-01" and "АС" finds "AC-1".

Codes sort naturally: the sort key pads every run of digits, so AK-159/6 comes before AK-159/11.
Both keys are stored on the facility by the services that save it (`keys_for`).
"""

from __future__ import annotations

import re
import unicodedata

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

# Cyrillic capitals that look like a Latin capital.
LOOK_ALIKE = str.maketrans({
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C",
    "Т": "T", "Х": "X", "У": "Y", "І": "I", "Ј": "J", "Ѕ": "S", "Ү": "Y",
})
# Transliteration of Russian and Kazakh capitals (Kazakhstan's 2021 Latin alphabet, simplified to ASCII).
TRANSLITERATION = str.maketrans({
    "А": "A", "Ә": "A", "Б": "B", "В": "V", "Г": "G", "Ғ": "G", "Д": "D", "Е": "E", "Ё": "E",
    "Ж": "ZH", "З": "Z", "И": "I", "Й": "I", "І": "I", "К": "K", "Қ": "Q", "Л": "L", "М": "M",
    "Н": "N", "Ң": "N", "О": "O", "Ө": "O", "П": "P", "Р": "R", "С": "S", "Т": "T", "У": "U",
    "Ұ": "U", "Ү": "U", "Ф": "F", "Х": "KH", "Һ": "H", "Ц": "TS", "Ч": "CH", "Ш": "SH",
    "Щ": "SHCH", "Ъ": "", "Ы": "Y", "Ь": "", "Э": "E", "Ю": "YU", "Я": "YA",
})
DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−﹣－"})
SEPARATORS = re.compile(r"[\s_.-]+")
DIGITS = re.compile(r"\d+")
SORT_DIGITS = 8
SEARCH_KEY_LENGTH = 160
SORT_KEY_LENGTH = 255


def _prepare(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").upper().translate(DASHES)
    return SEPARATORS.sub("", text)


def search_key(code: str) -> str:
    """The stored search key of a code: look-alike letters as Latin, other Cyrillic transliterated."""
    folded = _prepare(code).translate(LOOK_ALIKE).translate(TRANSLITERATION)
    return unicodedata.normalize("NFKC", folded)[:SEARCH_KEY_LENGTH]


def query_keys(query: str) -> set[str]:
    """The readings of a typed query to look for in search keys (empty if it has no letters or digits)."""
    prepared = _prepare(query)
    readings = {unicodedata.normalize("NFKC", reading) for reading in (
        prepared.translate(LOOK_ALIKE).translate(TRANSLITERATION), prepared.translate(TRANSLITERATION))}
    return {r for r in readings if any(c.isalnum() for c in r)}


def sort_key(code: str) -> str:
    """A key that orders codes naturally: every run of digits padded, so 6 sorts before 11."""
    return DIGITS.sub(lambda m: m.group().zfill(SORT_DIGITS), search_key(code))[:SORT_KEY_LENGTH]


def keys_for(code: str) -> dict[str, str]:
    """The derived fields a facility with this code stores."""
    return {"search_key": search_key(code), "sort_key": sort_key(code)}


def code_matches(query: str) -> Q:
    """A filter for facilities whose code contains the query in any of its readings."""
    condition = Q(code__icontains=query.strip())
    for key in query_keys(query):
        condition |= Q(search_key__contains=key)
    return condition


def search_examples() -> tuple[str, str]:
    """The search box's examples: an institution code of the demo country and a word found in
    facility names in the reader's language (a test checks both find something)."""
    return ("AK-159/6", pgettext("a word in facility names, offered as a search example", "detention"))


def search_placeholder() -> str:
    code, word = search_examples()
    return _("e.g. %(code)s or %(word)s") % {"code": code, "word": word}
