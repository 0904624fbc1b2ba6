"""When a complaint must be acknowledged.

Torture or ill-treatment and urgent danger (priority urgent): within COMPLAINT_URGENT_ACK_HOURS
(default 24) hours of receipt. Others: within COMPLAINT_STANDARD_ACK_WORKING_DAYS working days
(default 15, see the setting's comment for the legal basis), counted Monday to Friday in the
server's time zone; public holidays are not known to the server and are counted as working days,
which only makes the deadline earlier, never later.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from complaints.models import Priority


def urgent_hours() -> int:
    return int(getattr(settings, "COMPLAINT_URGENT_ACK_HOURS", 24))


def standard_working_days() -> int:
    return int(getattr(settings, "COMPLAINT_STANDARD_ACK_WORKING_DAYS", 15))


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """``start`` moved on by ``days`` working days (Monday to Friday) in the current time zone."""
    local = timezone.localtime(start)
    moved = 0
    while moved < days:
        local = local + dt.timedelta(days=1)
        if local.weekday() < 5:
            moved += 1
    return local


def acknowledge_by(*, priority: str, received_at: dt.datetime) -> dt.datetime:
    if priority == Priority.URGENT:
        return received_at + dt.timedelta(hours=urgent_hours())
    return add_working_days(received_at, standard_working_days())
