"""The custody module's background jobs: telling the oversight bodies of new alerts, and the
periodic re-evaluation that catches deadlines passing while nobody submits anything."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Organisation, OrganisationKind, Role, User
from custody.models import Alert, Notification
from jobs.registry import job


def recipients(alert: Alert, organisations: list[Organisation]) -> list[Organisation]:
    """The prosecutor's offices (of the facility's region, or national ones) and, when a child is
    concerned, the Children's Rights Commissioner."""
    kinds = {OrganisationKind.PROSECUTOR} | ({OrganisationKind.CHILDRENS_OMBUDSMAN} if alert.involves_minor else set())
    region = alert.facility.region_id
    return [o for o in organisations if o.kind in kinds and o.region_id in (None, region)]


@job(max_attempts=5, base_delay=timedelta(seconds=30))
def notify_alerts() -> dict:
    """Make the notifications of every alert not yet notified, and e-mail each body a digest.

    Safe to run again: a notification is unique per (body, alert), and an alert is marked notified
    in the same transaction as its notifications. The digest is made of the notifications not yet
    e-mailed, and each is marked e-mailed only after its body's mail went out, so a mail server
    that refuses (the job fails and is retried) loses no digest and sends none twice. The e-mail
    carries only counts, facility codes and a link, no personal data.
    """
    organisations = list(Organisation.objects.filter(
        kind__in=[OrganisationKind.PROSECUTOR, OrganisationKind.CHILDRENS_OMBUDSMAN]))
    with transaction.atomic():
        pending = list(Alert.objects.select_for_update().filter(notified_at__isnull=True)
                       .select_related("facility")[:5000])
        rows = [Notification(organisation=organisation, alert=alert)
                for alert in pending for organisation in recipients(alert, organisations)]
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        Alert.objects.filter(pk__in=[a.pk for a in pending]).update(notified_at=timezone.now())
    return {"alerts": len(pending), "notifications": len(rows), "emails": _email_alert_digests()}


def _email_alert_digests() -> int:
    """E-mail each body the alerts it was told of in the app and not yet by mail; the mails sent."""
    digest: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    notices: dict[int, list[int]] = defaultdict(list)
    unsent = (Notification.objects.filter(alert__isnull=False, emailed_at__isnull=True)
              .values_list("pk", "organisation_id", "alert__facility__code"))
    for pk, organisation_id, code in unsent:
        digest[organisation_id][code] += 1
        notices[organisation_id].append(pk)
    emailed = 0
    for organisation_id, by_facility in digest.items():
        people = list(User.objects.filter(organisation_id=organisation_id, is_active=True)
                      .filter(Q(role=Role.MONITOR) | Q(role=Role.ANALYST)).exclude(email=""))
        if people:
            count = sum(by_facility.values())
            with translation.override(settings.LANGUAGE_CODE):
                subject = ngettext("%(count)s new custody alert", "%(count)s new custody alerts",
                                   count) % {"count": count}
                body = _("New custody alerts by facility: %(list)s. Open CustodyWatch, Custody, to see them.") % {
                    "list": ", ".join(f"{code} ({n})" for code, n in sorted(by_facility.items()))}
            emailed += send_mail(subject, body, None, [p.email for p in people], fail_silently=False)
        # Nobody with an address: the notice in the app is the whole notification.
        Notification.objects.filter(pk__in=notices[organisation_id]).update(emailed_to=len(people),
                                                                          emailed_at=timezone.now())
    return emailed


@job(max_attempts=3, base_delay=timedelta(seconds=60))
def evaluate_open_registers() -> dict:
    """Re-evaluate every facility holding someone now: a deadline passes without any submission."""
    from custody.services.alerts import evaluate_facilities, open_facilities

    facility_ids = open_facilities()
    result = evaluate_facilities(facility_ids=facility_ids) if facility_ids else None
    if result is not None and result.new == 0:
        notify_alerts.enqueue()  # alerts left unnotified by an earlier failure
    return {"facilities": len(facility_ids), "new": result.new if result else 0}


@job(max_attempts=5, base_delay=timedelta(seconds=30))
def notify_examination(*, examination_id: int) -> dict:
    """Tell the bodies an examination with injuries is sealed to: in the app and by e-mail, with
    the facility's code and nothing about the person. Safe to run again (one notice per body)."""
    from custody.models import Examination

    examination = Examination.objects.select_related("facility").get(pk=examination_id)
    bodies = list(Organisation.objects.filter(kind__in=examination.sealed_to)
                  .filter(Q(region__isnull=True) | Q(region_id=examination.facility.region_id)))
    made = Notification.objects.bulk_create(
        [Notification(organisation=o, examination=examination) for o in bodies], ignore_conflicts=True)
    people = list(User.objects.filter(organisation__in=bodies, is_active=True)
                  .filter(Q(role=Role.MONITOR) | Q(role=Role.ANALYST)).exclude(email="")
                  .values_list("email", flat=True))
    if people:
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("A medical examination found injuries")
            body = _("An examination at %(facility)s found injuries. The record is sealed to your body; "
                     "open CustodyWatch, Custody, Examinations.") % {"facility": examination.facility.code}
        send_mail(subject, body, None, people, fail_silently=False)
    return {"notifications": len(made), "emails": len(people)}
