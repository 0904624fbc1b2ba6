"""Per-address limits of the public follow-up form, shared by every server process.

A counter is one database row per (what, address hash, hour window): an increment is a single
``UPDATE ... SET count = count + 1`` (atomic on SQLite and PostgreSQL, whatever the number of
processes), made if the row is missing by an insert that loses gracefully to a concurrent one.
Fixed windows of ``WINDOW_SECONDS``: the count starts again at each full hour. Expired rows are
deleted by the periodic job ``forget_expired``.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from complaints.models import AddressCounter

WINDOW_SECONDS = 3600


def _window(now: datetime) -> tuple[int, datetime]:
    index = int(now.timestamp()) // WINDOW_SECONDS
    return index, datetime.fromtimestamp((index + 1) * WINDOW_SECONDS, tz=UTC)


def counter_key(what: str, address: str, now: datetime | None = None) -> str:
    index, _ends = _window(now or timezone.now())
    return f"{what}:{hashlib.sha256(address.encode()).hexdigest()[:32]}:{index}"


def hit(what: str, address: str, *, now: datetime | None = None) -> int:
    """Count one more for ``what`` from ``address`` in the current window; returns the count so far."""
    now = now or timezone.now()
    key = counter_key(what, address, now)
    with transaction.atomic():
        if not AddressCounter.objects.filter(key=key).update(count=F("count") + 1):
            try:
                with transaction.atomic():
                    AddressCounter.objects.create(key=key, count=1, expires_at=_window(now)[1])
                return 1
            except IntegrityError:  # another process made the row first
                AddressCounter.objects.filter(key=key).update(count=F("count") + 1)
        # Our update holds the row (PostgreSQL) or the database (SQLite) until the commit.
        return AddressCounter.objects.filter(key=key).values_list("count", flat=True).get()


def count(what: str, address: str, *, now: datetime | None = None) -> int:
    """How many were counted for ``what`` from ``address`` in the current window."""
    key = counter_key(what, address, now or timezone.now())
    return AddressCounter.objects.filter(key=key).values_list("count", flat=True).first() or 0


def forget_expired(*, now: datetime | None = None) -> int:
    """Delete the counters of past windows; returns how many."""
    deleted, _ = AddressCounter.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
