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

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language

from accounts.permissions import Capability, can, facility_scope
from complaints.models import Complaint, ComplaintRecipient, ComplaintStatus
from facilities.models import Facility
from lib.localized import localized_field_names

OPEN_STATUSES = frozenset({
    ComplaintStatus.RECEIVED, ComplaintStatus.ACKNOWLEDGED, ComplaintStatus.UNDER_REVIEW,
    ComplaintStatus.VISIT_REQUESTED, ComplaintStatus.REFERRED_TO_PROSECUTOR,
})


def _reach(user: Any) -> tuple[int, QuerySet[Facility]] | None:
    """The organisation whose complaints the user handles and the facilities of their mandate;
    None (nothing at all) unless all of it holds."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if not can(user, Capability.HANDLE_COMPLAINTS) or user.organisation_id is None:
        return None
    scope = facility_scope(user)
    if scope is None:
        return None
    return user.organisation_id, Facility.objects.filter(scope)


def name_column() -> str:
    """The ``name_*`` column in the active language, as ``LocalizedNameMixin.name`` picks it (for
    lists of hundreds of names read as plain values; an empty one falls back to ``name_en``)."""
    language = (get_language() or "en")[:2]
    return f"name_{language}" if f"name_{language}" in localized_field_names("name") else "name_en"


def complaints_for(user: Any) -> QuerySet[Complaint]:
    """The complaints sealed to the user's organisation in facilities within their mandate."""
    reach = _reach(user)
    if reach is None:
        return Complaint.objects.none()
    organisation, facilities = reach
    return (Complaint.objects
            .filter(recipients=organisation, facility__in=facilities)
            .select_related("facility", "facility__region", "assigned_to", "handling"))


def inbox_for(user: Any) -> QuerySet[ComplaintRecipient]:
    """The user's inbox rows: one per complaint of ``complaints_for(user)``, with the columns
    ``filter_inbox`` filters by, ordered newest first along the inbox's indexes."""
    reach = _reach(user)
    if reach is None:
        return ComplaintRecipient.objects.none()
    organisation, facilities = reach
    rows = ComplaintRecipient.objects.filter(organisation_id=organisation)
    if facilities.query.where:  # a mandate narrower than every facility (a national one needs no test)
        rows = rows.filter(facility__in=facilities)
    return rows.order_by("-received_at", "-pk")


def inbox_list(user: Any, f: InboxFilter) -> QuerySet[ComplaintRecipient]:
    """The inbox list ``f`` asks for: what the inbox pages through and every figure linking to it counts."""
    return filter_inbox(inbox_for(user), f, user=user)


def countable(rows: QuerySet[ComplaintRecipient]) -> QuerySet:
    """Inbox rows selecting only their organisation, a column every inbox index starts with, so
    that counting them reads the filter's index alone (an index-only scan on PostgreSQL)."""
    return rows.order_by().values("organisation_id")


def inbox_page(user: Any) -> QuerySet[Complaint]:
    """``complaints_for(user)`` with what an inbox row shows and ``is_overdue`` (``overdue_q``),
    without the ciphertext: the page's complaints, read by the ids the inbox rows gave."""
    return (complaints_for(user).select_related(None).select_related("facility__region", "assigned_to")
            .only(*INBOX_ROW_FIELDS)
            .annotate(is_overdue=ExpressionWrapper(overdue_q(), output_field=BooleanField())))


# What an inbox row shows (``complaints.views.rows``), and nothing else read for it.
INBOX_ROW_FIELDS = (
    "id", "received_at", "priority", "status", "acknowledge_by", "channel", "facility__code",
    *(f"facility__region__name_{language}" for language in ("kk", "ru", "en")),
    "assigned_to__username", "assigned_to__first_name", "assigned_to__last_name",
)


def in_order(queryset: QuerySet[Complaint], ids: list[Any]) -> list[Complaint]:
    """The complaints of ``queryset`` with these ids, in the order given (one query)."""
    found = {c.pk: c for c in queryset.filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]


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


def filter_inbox(queryset: QuerySet, f: InboxFilter, *, user: Any) -> QuerySet:
    """``queryset`` (complaints, or the inbox rows that copy their columns) narrowed by ``f``."""
    return queryset.filter(inbox_condition(f, user=user))


def inbox_condition(f: InboxFilter, *, user: Any) -> Q:
    """The condition ``f`` sets on complaints or inbox rows (one definition for the list and for
    every figure that counts it)."""
    condition = Q()
    if f.status:
        condition &= Q(status=f.status)
    if f.open:
        condition &= Q(status__in=OPEN_STATUSES)
    if f.priority:
        condition &= Q(priority=f.priority)
    # By the facilities' ids, so the inbox's index on (organisation, facility, received_at) serves.
    if f.facility:
        condition &= Q(facility__in=Facility.objects.filter(code=f.facility))
    if f.region:
        condition &= Q(facility__in=Facility.objects.filter(region__code=f.region))
    if f.overdue:
        condition &= overdue_q()
    if f.mine:
        condition &= Q(assigned_to=user)
    return condition


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
