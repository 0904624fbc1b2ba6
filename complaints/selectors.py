"""Reads of complaints, scoped once: by capability, by recipient organisation and by mandate.

A complaint is in ``complaints_for(user)`` only if the user may handle complaints, their
organisation is one of the complaint's recipients (it was sealed to that organisation's key)
and its facility lies within their mandate. Everything else fails closed: no organisation, a
facility officer, an administrator, a superuser outside a recipient organisation get nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.permissions import Capability, can, facility_scope
from complaints.models import Complaint, ComplaintStatus
from facilities.models import Facility

OPEN_STATUSES = frozenset({
    ComplaintStatus.RECEIVED, ComplaintStatus.ACKNOWLEDGED, ComplaintStatus.UNDER_REVIEW,
    ComplaintStatus.VISIT_REQUESTED, ComplaintStatus.REFERRED_TO_PROSECUTOR,
})


def complaints_for(user: Any) -> QuerySet[Complaint]:
    """The complaints sealed to the user's organisation in facilities within their mandate."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Complaint.objects.none()
    if not can(user, Capability.HANDLE_COMPLAINTS) or user.organisation_id is None:
        return Complaint.objects.none()
    scope = facility_scope(user)
    if scope is None:
        return Complaint.objects.none()
    return (Complaint.objects
            .filter(recipients=user.organisation_id, facility__in=Facility.objects.filter(scope))
            .select_related("facility", "facility__region", "assigned_to", "handling"))


def complaint_for(user: Any, pk: Any) -> Complaint:
    """One complaint the user may handle; raises Complaint.DoesNotExist otherwise (a 404 in views)."""
    return complaints_for(user).get(pk=pk)


def overdue_q(now: dt.datetime | None = None) -> Q:
    """Not acknowledged by its deadline."""
    now = now or timezone.now()
    return Q(status=ComplaintStatus.RECEIVED, acknowledge_by__lt=now)


@dataclass(frozen=True)
class InboxFilter:
    status: str = ""
    priority: str = ""
    facility: str = ""  # facility code
    region: str = ""  # region code
    overdue: bool = False
    mine: bool = False
    open: bool = False


def filter_inbox(queryset: QuerySet[Complaint], f: InboxFilter, *, user: Any) -> QuerySet[Complaint]:
    if f.status:
        queryset = queryset.filter(status=f.status)
    if f.open:
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    if f.priority:
        queryset = queryset.filter(priority=f.priority)
    if f.facility:
        queryset = queryset.filter(facility__code=f.facility)
    if f.region:
        queryset = queryset.filter(facility__region__code=f.region)
    if f.overdue:
        queryset = queryset.filter(overdue_q())
    if f.mine:
        queryset = queryset.filter(assigned_to=user)
    return queryset


def handlers_of(complaint: Complaint) -> QuerySet:
    """The people who may be assigned the complaint: handlers in its recipient organisations, in mandate."""
    from accounts.models import User

    candidates = User.objects.filter(is_active=True, organisation__in=complaint.recipients.all()).select_related(
        "organisation")
    return candidates.order_by("username")


def planner_signals(facilities: Any, *, since: dt.datetime) -> dict[int, dict[str, int]]:
    """Per facility (pk), for the visit planner: complaints received since ``since`` and the open
    suppression alarms (silent facility, silent terminal, gaps, forks...). Counts only, never content;
    the caller has already scoped ``facilities`` to the reader's mandate."""
    from django.db.models import Count

    from complaints.models import AlarmKind, TerminalAlarm

    out: dict[int, dict[str, int]] = {}
    for pk, n in (Complaint.objects.filter(facility__in=facilities, received_at__gte=since)
                  .values("facility").annotate(n=Count("id")).values_list("facility", "n")):
        out.setdefault(pk, {"complaints": 0, "silent": 0, "alarms": 0})["complaints"] = n
    silent = {AlarmKind.FACILITY_SILENT, AlarmKind.TERMINAL_SILENT}
    for pk, kind, n in (TerminalAlarm.objects.filter(facility__in=facilities, resolved_at__isnull=True)
                        .values("facility", "kind").annotate(n=Count("id")).values_list("facility", "kind", "n")):
        row = out.setdefault(pk, {"complaints": 0, "silent": 0, "alarms": 0})
        row["silent" if kind in silent else "alarms"] += n
    return out
