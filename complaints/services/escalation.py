"""Deadlines and escalation: overdue complaints and suppression alarms reach the next level.

An alert (in the app) and an e-mail (Django's mail backend) name the kind of problem, the
facility's code and a link, and never anything the complaint says, its category or who filed it.

Levels of a complaint not acknowledged by its deadline: 1 at the deadline (the administrators of
each recipient organisation, and the officer it is assigned to); 2 and 3 after a further
COMPLAINT_ESCALATION_REPEAT_HOURS each (then also every handler of those organisations). A level
is reached once: a re-run adds no alert and sends no mail twice (``Alert``'s unique constraint).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.permissions import Capability, can
from complaints.models import Alert, AlertKind, Complaint, ComplaintRecipient, ComplaintStatus, EventKind, Handling
from complaints.services import deadlines
from complaints.services.events import record_event

logger = logging.getLogger("complaints")
MAX_LEVEL = 3


def repeat_hours() -> int:
    return int(getattr(settings, "COMPLAINT_ESCALATION_REPEAT_HOURS", 24))


def _site() -> str:
    return str(getattr(settings, "SITE_URL", "") or "").rstrip("/")


def fill_deadlines(*, now: dt.datetime | None = None) -> int:
    """Give every complaint still awaiting acknowledgement a deadline if it has none; returns how many."""
    filled = 0
    missing = Complaint.objects.filter(status=ComplaintStatus.RECEIVED, acknowledge_by__isnull=True)
    for pk, priority, received_at in missing.values_list("pk", "priority", "received_at").iterator(chunk_size=500):
        deadline = deadlines.acknowledge_by(priority=priority, received_at=received_at)
        with transaction.atomic():
            if Complaint.objects.filter(pk=pk, acknowledge_by__isnull=True).update(acknowledge_by=deadline):
                ComplaintRecipient.objects.filter(complaint_id=pk).update(acknowledge_by=deadline)
                filled += 1
    return filled


def target_level(complaint: Complaint, now: dt.datetime) -> int:
    if complaint.acknowledge_by is None or now <= complaint.acknowledge_by:
        return 0
    late = (now - complaint.acknowledge_by) / dt.timedelta(hours=repeat_hours())
    return min(MAX_LEVEL, 1 + int(late))


def people_to_alert(complaint: Complaint, level: int) -> list[User]:
    organisations = list(complaint.recipients.all())
    people = {u.pk: u for u in User.objects.filter(
        is_active=True, organisation__in=organisations, role=Role.ADMINISTRATOR)}
    if complaint.assigned_to_id and complaint.assigned_to.is_active:
        people[complaint.assigned_to_id] = complaint.assigned_to
    if level >= 2:
        for person in User.objects.filter(is_active=True, organisation__in=organisations).select_related(
                "organisation"):
            if can(person, Capability.HANDLE_COMPLAINTS):
                people[person.pk] = person
    return sorted(people.values(), key=lambda u: u.pk)


def _mail(people: list[User], subject: str, body: str) -> None:
    addresses = sorted({p.email for p in people if p.email})
    if not addresses:
        return
    try:
        send_mail(subject, body, None, addresses, fail_silently=False)
    except Exception:  # the in-app alert is written either way; the job logs the failed mail
        logger.exception("Could not send the alert e-mail to %d recipients", len(addresses))


def _escalate(complaint: Complaint, level: int, now: dt.datetime, by: Any = None) -> list[User]:
    with transaction.atomic():
        handling, _created = Handling.objects.select_for_update().get_or_create(complaint=complaint)
        if handling.escalation_level >= level:
            return []
        people = people_to_alert(complaint, level)
        fresh = []
        for person in people:
            _alert, created = Alert.objects.get_or_create(
                recipient=person, complaint=complaint, level=level,
                defaults={"kind": AlertKind.OVERDUE, "facility": complaint.facility, "created_at": now})
            if created:
                fresh.append(person)
        handling.escalation_level, handling.escalated_at = level, now
        handling.save(update_fields=["escalation_level", "escalated_at"])
        record_event(kind=EventKind.ESCALATED, complaint=complaint, actor=by,
                     organisation=by.organisation if by is not None else None,
                     detail={"level": level, "alerted": [p.pk for p in people], "by_hand": by is not None})
    return fresh


def escalate_overdue(*, now: dt.datetime | None = None) -> dict[str, Any]:
    """Escalate every complaint past its acknowledgement deadline to the level it has reached."""
    now = now or timezone.now()
    filled = fill_deadlines(now=now)
    overdue = (Complaint.objects.filter(status=ComplaintStatus.RECEIVED, acknowledge_by__lt=now)
               .select_related("facility", "assigned_to", "handling"))
    escalated = 0
    for complaint in overdue.iterator(chunk_size=200):
        level = target_level(complaint, now)
        if level <= _level(complaint):
            continue
        _mail_overdue(complaint, level, _escalate(complaint, level, now))
        escalated += 1
    return {"deadlines_filled": filled, "escalated": escalated}


def _level(complaint: Complaint) -> int:
    handling = Handling.objects.filter(complaint=complaint).values_list("escalation_level", flat=True).first()
    return handling or 0


def _mail_overdue(complaint: Complaint, level: int, fresh: list[User], *, by_hand: bool = False) -> None:
    if not fresh:
        return
    with translation.override(settings.LANGUAGE_CODE):
        link = _site() + reverse("complaints:detail", args=[complaint.pk])
        if by_hand:
            subject = _("CustodyWatch: a complaint was escalated to you")
            body = _("An officer escalated a complaint about facility %(facility)s to you (escalation level "
                     "%(level)d). Open it in CustodyWatch: %(link)s")
        else:
            subject = _("CustodyWatch: a complaint is overdue for acknowledgement")
            body = _("A complaint about facility %(facility)s has not been acknowledged by its deadline "
                     "(escalation level %(level)d). Open it in CustodyWatch: %(link)s")
        _mail(fresh, subject, body % {"facility": complaint.facility.code, "level": level, "link": link})


def escalate(*, complaint: Complaint, by: Any) -> int:
    """An officer sends the complaint up one level now (alerts and e-mails as for an overdue one);
    returns the new level. Refused at the top level."""
    from django.core.exceptions import ValidationError

    from complaints.selectors import complaint_for

    complaint = complaint_for(by, complaint.pk)
    level = _level(complaint) + 1
    if level > MAX_LEVEL:
        raise ValidationError({"level": _("This complaint is already at the highest escalation level.")})
    _mail_overdue(complaint, level, _escalate(complaint, level, timezone.now(), by=by), by_hand=True)
    return level


def alert_alarm(alarm: Any) -> int:
    """Alert the oversight body about a terminal's suppression alarm (never the facility).

    Every handler of the NPM gets an in-app alert and an e-mail naming the facility and the kind of
    alarm, with a link to the statistics page; returns how many were alerted the first time.
    """
    from accounts.models import OrganisationKind

    now = timezone.now()
    people = [p for p in User.objects.filter(is_active=True, organisation__kind=OrganisationKind.NPM)
              .select_related("organisation") if can(p, Capability.HANDLE_COMPLAINTS) or p.role == Role.ADMINISTRATOR]
    fresh = []
    with transaction.atomic():
        for person in people:
            _alert, created = Alert.objects.get_or_create(
                recipient=person, alarm=alarm,
                defaults={"kind": AlertKind.SUPPRESSION, "facility_id": alarm.facility_id, "created_at": now})
            if created:
                fresh.append(person)
    if fresh:
        with translation.override(settings.LANGUAGE_CODE):
            _mail(fresh, _("CustodyWatch: a complaint terminal raised an alarm"),
                  _("A complaint terminal at facility %(facility)s raised an alarm: %(kind)s. See %(link)s")
                  % {"facility": alarm.facility.code, "kind": alarm.get_kind_display(),
                     "link": _site() + reverse("complaints:alerts")})
    return len(fresh)
