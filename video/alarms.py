"""What a tamper alarm says: kept as a code and its parameters, worded in the reader's language.

The same wording, in English, is what the API answers a recorder (its log is read by the
facility's technicians) and what ``TamperEvent.detail`` keeps for older readers; the oversight
pages word it in the reader's language (``TamperEvent.message``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_noop, ngettext_lazy

# code -> message; a message with a plural is chosen by the parameter "count".
MESSAGES: dict[str, str | Promise] = {
    "unknown_camera": gettext_noop("camera %(camera)s is not registered on recorder %(recorder)s"),
    "malformed": gettext_noop("message field %(field)s is malformed: %(error)s"),
    "bad_signature": gettext_noop("the signature does not verify with the recorder's registered key"),
    "not_signed": ngettext_lazy(
        "the %(count)s message is not signed by the recorder's key",
        "none of %(count)s messages is signed by the recorder's key", "count"),
    "batch_not_signed": ngettext_lazy(
        "the batch signature over %(count)s message does not verify with the recorder's registered key",
        "the batch signature over %(count)s messages does not verify with the recorder's registered key", "count"),
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
    "missing_from_inventory": ngettext_lazy(
        "%(count)s segment of camera %(camera)s gone from the recorder before the end of its retention (%(until)s)",
        "%(count)s segments of camera %(camera)s gone from the recorder before the end of their retention "
        "(%(until)s)", "count"),
    "early_deletion": ngettext_lazy(
        "the recorder deleted %(count)s segment of camera %(camera)s (%(reason)s) that must be kept until %(until)s",
        "the recorder deleted %(count)s segments of camera %(camera)s (%(reason)s) that must be kept until "
        "%(until)s", "count"),
}


def render(code: str, params: Mapping[str, Any]) -> str:
    """The alarm's wording in the active language."""
    from video.models import TamperKind

    values = dict(params)
    if code == "picture" and values.get("picture") in TamperKind.values:
        values["picture"] = str(TamperKind(values["picture"]).label)
    message = MESSAGES[code]
    if "count" in values:
        values["count"] = int(values["count"])
    try:
        return message % values if isinstance(message, Promise) else gettext(message) % values
    except (KeyError, TypeError, ValueError):
        # A translation that names a parameter the code does not give: the English never fails.
        with translation.override("en"):
            return message % values


def english(code: str, params: Mapping[str, Any]) -> str:
    """The alarm's wording in English (the API's answer to the recorder)."""
    with translation.override("en"):
        return render(code, params)
