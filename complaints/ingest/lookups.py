"""Receipt lookups: the salt of a locator, the proof of the lookup token, the sealed thread.

The server never sees the receipt code: the terminal asks for the locator's salt, derives the
lookup token with Argon2id and proves it; the server compares SHA-256(token) with the stored
digest in constant time. An unknown locator gets a salt as well (an HMAC of the locator under
the server's secret), so the salt step does not tell which locators exist.

Guessing is limited per terminal and per locator (failed proofs in a sliding window, counted
in ``LookupAttempt``); beyond the limit the answer is ``rate_limited`` whatever the token.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings

from complaints.models import Complaint, LookupAttempt, Terminal
from custodywatch_protocol import terminal as protocol

WINDOW = timedelta(hours=1)


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def failures_per_terminal() -> int:
    return _limit("COMPLAINT_LOOKUP_FAILURES_PER_TERMINAL", 20)


def failures_per_locator() -> int:
    return _limit("COMPLAINT_LOOKUP_FAILURES_PER_LOCATOR", 5)


def salts_per_terminal() -> int:
    return _limit("COMPLAINT_LOOKUP_SALTS_PER_TERMINAL", 120)


def decoy_salt(locator: str) -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), b"complaint-lookup-salt:" + locator.encode(), "sha256").digest()[:16]


def rate_limited(*, terminal: Terminal | None, locator: str, now: datetime) -> bool:
    since = now - WINDOW
    failed = LookupAttempt.objects.filter(succeeded=False, at__gte=since)
    if failed.filter(locator=locator).count() >= failures_per_locator():
        return True
    return terminal is not None and failed.filter(terminal=terminal).count() >= failures_per_terminal()


def salt_for(*, terminal: Terminal, locator: str, now: datetime) -> dict:
    """The ``lookup`` answer to a salt step."""
    recent = LookupAttempt.objects.filter(terminal=terminal, at__gte=now - WINDOW).count()
    if recent >= salts_per_terminal() or rate_limited(terminal=terminal, locator=locator, now=now):
        return {"step": "salt", "status": "rate_limited", "salt": None}
    LookupAttempt.objects.create(terminal=terminal, locator=locator, succeeded=True, at=now)
    found = Complaint.objects.filter(locator=locator).values_list("lookup_salt", flat=True).first()
    return {"step": "salt", "status": "ok", "salt": (bytes(found) if found else decoy_salt(locator)).hex()}


def prove(*, terminal: Terminal | None, locator: str, token: bytes, now: datetime) -> tuple[str, Complaint | None]:
    """("ok", complaint), ("wrong_receipt", None) or ("rate_limited", None); each try is counted."""
    if rate_limited(terminal=terminal, locator=locator, now=now):
        return "rate_limited", None
    complaint = Complaint.objects.filter(locator=locator).first()
    digest = hashlib.sha256(token).hexdigest() if len(token) == 32 else ""
    expected = complaint.lookup_digest if complaint is not None and complaint.lookup_digest else "0" * 64
    good = complaint is not None and hmac.compare_digest(digest, expected)
    LookupAttempt.objects.create(terminal=terminal, locator=locator, succeeded=good, at=now)
    return ("ok", complaint) if good else ("wrong_receipt", None)


@dataclass(frozen=True)
class ThreadItem:
    kind: str  # "reply": sealed to the complaint's reply recipient
    sealed: bytes


def thread_items(complaint: Complaint) -> list[ThreadItem]:
    """The sealed items the receipt holder can read, oldest first.

    Extension point: officers' replies are ``handling.Statement`` rows of kind ``reply`` (sealed to
    the reply recipient); without that model there are none, and the answer carries only the
    complaint's status.
    """
    try:
        statement = apps.get_model("complaints", "Statement")
    except LookupError:
        return []
    rows = statement.objects.filter(complaint=complaint, kind="reply").order_by("created_at", "pk")
    return [ThreadItem("reply", bytes(row.sealed)) for row in rows.only("sealed")]


def thread_page(*, complaint: Complaint, item: int, offset: int) -> dict:
    """The ``lookup`` answer to a thread step: the state, and one page of one sealed item."""
    items = thread_items(complaint)
    answer = {
        "step": "thread", "status": "ok", "complaint_status": complaint.status,
        "recipients": sorted(complaint.recipients.values_list("code", flat=True)), "count": len(items),
        "item": None, "kind": None, "total": None, "sha256": None, "offset": None, "data": None,
    }
    if 0 <= item < len(items):
        sealed = items[item].sealed
        offset = min(offset, len(sealed))
        answer.update(item=item, kind=items[item].kind, total=len(sealed), sha256=hashlib.sha256(sealed).hexdigest(),
                      offset=offset, data=protocol.b64(sealed[offset:offset + protocol.LOOKUP_PAGE]))
    return answer


def refusal(status: str, step: str) -> dict:
    return {"step": step, "status": status, "complaint_status": None, "recipients": None, "count": None,
            "item": None, "kind": None, "total": None, "sha256": None, "offset": None, "data": None}
