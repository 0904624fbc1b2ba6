"""The visits' background jobs: same-day notices of critical findings, response reminders and escalation."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import Role, User
from jobs.registry import job
from visits.models import (
    Addressee,
    Finding,
    FindingStatus,
    NotificationKind,
    Recommendation,
    RecommendationStatus,
    Severity,
)
from visits.services import notices


@job(max_attempts=5, base_delay=timedelta(minutes=1))
def notify_critical_finding(*, finding_id: int) -> dict:
    """Tell the prosecutor (and, for children, the children's ombudsman) of a confirmed critical finding.

    Safe to run again: each recipient gets one notice and one e-mail, however often it runs.
    """
    finding = Finding.objects.select_related("facility", "theme").filter(pk=finding_id).first()
    if finding is None or finding.status != FindingStatus.CONFIRMED or finding.severity != Severity.CRITICAL:
        return {"notified": 0}
    made = notices.notify(recipients=notices.critical_finding_recipients(finding),
                          kind=NotificationKind.CRITICAL_FINDING, finding=finding)
    return {"notified": len(made)}


def reminder_days() -> int:
    """How many days before its deadline a response is reminded (VISITS_REMINDER_DAYS, default 7)."""
    return int(getattr(settings, "VISITS_REMINDER_DAYS", 7))


def addressee_users(recommendation: Recommendation) -> list[User]:
    """Who answers it in the app: the facility's officers, for a recommendation to the facility."""
    if recommendation.addressee != Addressee.FACILITY:
        return []
    return list(User.objects.filter(is_active=True, role=Role.FACILITY_OFFICER, facility_id=recommendation.facility_id))


def issuers(recommendation: Recommendation) -> list[User]:
    """The monitors of the body that led the visit: they chase an overdue response."""
    return list(User.objects.filter(is_active=True, role=Role.MONITOR,
                                    organisation_id=recommendation.visit.organisation_id))


@job(max_attempts=3, base_delay=timedelta(minutes=1))
def remind_recommendations(today: str | None = None) -> dict:
    """Remind the addressee of every response due within the reminder period, and escalate every
    overdue one to the addressee and the visiting body. Looks at all that is due (not only what fell
    due since the last run), and sends each notice once."""
    day = dt.date.fromisoformat(today) if today else timezone.localdate()
    awaiting = Recommendation.objects.filter(status=RecommendationStatus.AWAITING_RESPONSE).select_related("visit")
    reminded = escalated = 0
    for recommendation in awaiting.filter(response_due__gte=day,
                                          response_due__lte=day + dt.timedelta(days=reminder_days())).iterator():
        reminded += len(notices.notify(recipients=addressee_users(recommendation),
                                       kind=NotificationKind.RESPONSE_DUE, recommendation=recommendation))
    for recommendation in awaiting.filter(response_due__lt=day).iterator():
        recipients = addressee_users(recommendation) + issuers(recommendation)
        escalated += len(notices.notify(recipients=recipients, kind=NotificationKind.RESPONSE_OVERDUE,
                                        recommendation=recommendation))
    return {"reminded": reminded, "escalated": escalated}
