"""Notices to people: in the app and by e-mail, with no sensitive content.

A notice says that something needs the reader (a critical finding, a response due or overdue),
when, and where to log in to read it: never the facility, the finding's text, a person or a
place. It is created once per (recipient, kind, subject) whatever how often its job runs, and
e-mailed once through Django's mail backend (settings.EMAIL_BACKEND).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import OrganisationKind, Role, User
from facilities.models import FacilityType
from visits.models import CriticalKind, Finding, Notification, NotificationKind, Recommendation

NOTIFIED_ROLES = (Role.MONITOR, Role.ANALYST)


def bodies_users(kinds: Iterable[str], *, region_id: int | None) -> QuerySet[User]:
    """The active monitors and analysts of bodies of `kinds` whose area covers the region
    (a body with no region is national)."""
    return (User.objects.filter(is_active=True, role__in=NOTIFIED_ROLES, organisation__kind__in=list(kinds))
            .filter(Q(organisation__region__isnull=True) | Q(organisation__region_id=region_id))
            .order_by("pk"))


def concerns_children(finding: Finding) -> bool:
    return (finding.critical_kind == CriticalKind.CHILDREN_WITH_ADULTS or finding.theme.key == "children"
            or finding.facility.type in FacilityType.for_children())


def critical_finding_recipients(finding: Finding) -> list[User]:
    """The prosecutor's office and, where children are concerned, the children's ombudsman."""
    kinds = [OrganisationKind.PROSECUTOR]
    if concerns_children(finding):
        kinds.append(OrganisationKind.CHILDRENS_OMBUDSMAN)
    return list(bodies_users(kinds, region_id=finding.facility.region_id))


def notice_text(notification: Notification) -> tuple[str, str]:
    """(subject, body) of a notice in the active language: what kind of thing, when, where to look."""
    day = date_format(timezone.localtime(notification.created_at), "DATE_FORMAT")
    if notification.kind == NotificationKind.CRITICAL_FINDING:
        return (_("CustodyWatch: a critical finding needs your attention"),
                _("A critical finding was confirmed on a monitoring visit on %(day)s. "
                  "Log in to CustodyWatch to read it.") % {"day": day})
    if notification.kind == NotificationKind.RESPONSE_DUE:
        return (_("CustodyWatch: a response to a recommendation is due soon"),
                _("A response to a recommendation is due soon (notice of %(day)s). "
                  "Log in to CustodyWatch to answer it.") % {"day": day})
    return (_("CustodyWatch: a response to a recommendation is overdue"),
            _("A response to a recommendation is overdue (notice of %(day)s). "
              "Log in to CustodyWatch to see it.") % {"day": day})


def notice_link(notification: Notification) -> str:
    return reverse("visits:notice", args=[notification.pk])


def notify(*, recipients: Iterable[User], kind: str, finding: Finding | None = None,
           recommendation: Recommendation | None = None, now: dt.datetime | None = None) -> list[Notification]:
    """Create each recipient's notice (unless it exists) and e-mail the new ones; returns the new ones."""
    now = now or timezone.now()
    subject = f"finding:{finding.pk}" if finding is not None else f"recommendation:{recommendation.pk}"
    made = []
    for user in recipients:
        try:
            with transaction.atomic():
                made.append(Notification.objects.create(recipient=user, kind=kind, subject=subject, finding=finding,
                                                        recommendation=recommendation, created_at=now))
        except IntegrityError:
            continue  # already notified: a job run twice sends nothing twice
    for notification in Notification.objects.filter(recipient__in=[u.pk for u in recipients], kind=kind,
                                                    subject=subject, emailed_at__isnull=True):
        _email(notification)
    return made


def _email(notification: Notification) -> None:
    address = notification.recipient.email
    if address:
        with translation.override(settings.LANGUAGE_CODE):
            title, body = notice_text(notification)
            base = getattr(settings, "SITE_URL", "").rstrip("/")
            send_mail(title, f"{body}\n\n{base}{notice_link(notification)}\n", None, [address])
    Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())


def notices_for(user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient_id=user.pk)


def mark_read(*, notification: Notification, by: Any) -> None:
    if notification.recipient_id == by.pk and notification.read_at is None:
        Notification.objects.filter(pk=notification.pk).update(read_at=timezone.now())
