"""What a tamper alarm says: kept as a code and its parameters, worded in the reader's language.

The same wording, in English, is what the API answers a recorder (its log is read by the
facility's technicians) and what ``TamperEvent.detail`` keeps for older readers; the oversight
pages word it in the reader's language (``TamperEvent.message``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import translation
from django.utils.translation import gettext, gettext_noop, ngettext

# code -> message, or (singular, plural) counted by the parameter "count".
MESSAGES: dict[str, str | tuple[str, str]] = {
    "unknown_camera": gettext_noop("camera %(camera)s is not registered on recorder %(recorder)s"),
    "malformed": gettext_noop("message field %(field)s is malformed: %(error)s"),
    "bad_signature": gettext_noop("the signature does not verify with the recorder's registered key"),
    "not_signed": (gettext_noop("the %(count)s message is not signed by the recorder's key"),
                   gettext_noop("none of %(count)s messages is signed by the recorder's key")),
    "batch_not_signed": (
        gettext_noop("the batch signature over %(count)s message does not verify with the recorder's registered key"),
        gettext_noop("the batch signature over %(count)s messages does not verify with the recorder's registered key")),
    "conflict": gettext_noop("segment %(seq)s of camera %(camera)s was already accepted with another manifest"),
    "out_of_order": gettext_noop("segment %(seq)s comes after segment %(last)s of camera %(camera)s"),
    "clock_offset": gettext_noop("the recorder clock is %(offset)s ms off its reference %(reference)s; "
                                 "at most %(limit)s s is accepted"),
    "clock_future": gettext_noop("the segment ends at %(end)s, after the server's time %(now)s"),
    "clock_before_previous": gettext_noop("segment %(seq)s starts at %(start)s, before segment %(previous)s ended "
                                          "(%(previous_end)s)"),
    "chain_break": gettext_noop("segment %(seq)s names %(prev)s… as its previous segment; segment %(previous)s of "
                                "camera %(camera)s has SHA-256 %(expected)s…"),
    "sequence_gap": gettext_noop("segments %(first)s to %(last)s of camera %(camera)s were never reported"),
    "picture": gettext_noop("segment %(seq)s of camera %(camera)s: %(picture)s"),
    "missing_from_inventory": (
        gettext_noop("%(count)s segment of camera %(camera)s gone from the recorder before the end of its "
                     "retention (%(until)s)"),
        gettext_noop("%(count)s segments of camera %(camera)s gone from the recorder before the end of their "
                     "retention (%(until)s)")),
    "early_deletion": (
        gettext_noop("the recorder deleted %(count)s segment of camera %(camera)s (%(reason)s) that must be kept "
                     "until %(until)s"),
        gettext_noop("the recorder deleted %(count)s segments of camera %(camera)s (%(reason)s) that must be kept "
                     "until %(until)s")),
}


def render(code: str, params: Mapping[str, Any]) -> str:
    """The alarm's wording in the active language."""
    from video.models import TamperKind

    values = dict(params)
    if code == "picture" and values.get("picture") in TamperKind.values:
        values["picture"] = str(TamperKind(values["picture"]).label)
    message = MESSAGES[code]
    if isinstance(message, tuple):
        text = ngettext(message[0], message[1], int(values.get("count", 0)))
    else:
        text = gettext(message)
    try:
        return text % values
    except (KeyError, TypeError, ValueError):
        # A translation that names a parameter the code does not give: the English never fails.
        english = message[0 if int(values.get("count", 0)) == 1 else 1] if isinstance(message, tuple) else message
        return english % values


def english(code: str, params: Mapping[str, Any]) -> str:
    """The alarm's wording in English (the API's answer to the recorder)."""
    with translation.override("en"):
        return render(code, params)
