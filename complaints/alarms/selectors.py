"""Who sees suppression alarms: oversight monitors and analysts, within their facility mandate.

Never facility officers or operators (the alarms are about them), nor administrators of people
(who read no oversight data). Fails closed: no organisation, no mandate, no alarms.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accounts.models import Role
from accounts.permissions import facility_scope
from complaints.models import TerminalAlarm
from facilities.models import Facility


def may_see_alarms(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_oversight
                and user.role in (Role.MONITOR, Role.ANALYST))


def alarms_for(user: Any) -> QuerySet[TerminalAlarm]:
    if not may_see_alarms(user):
        return TerminalAlarm.objects.none()
    scope = facility_scope(user)
    if scope is None:
        return TerminalAlarm.objects.none()
    return (TerminalAlarm.objects.filter(facility__in=Facility.objects.filter(scope))
            .select_related("facility", "terminal").order_by("resolved_at", "-raised_at"))
