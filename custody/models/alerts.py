"""Alerts: each breach of a custody rule, with its evidence, and who was told of it."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Severity(models.TextChoices):
    CRITICAL = "critical", _("critical")
    HIGH = "high", _("high")
    MEDIUM = "medium", _("medium")


class AlertStatus(models.TextChoices):
    OPEN = "open", _("open")
    # A later version of the register no longer shows the breach. The alert is kept, with when it
    # was found and when it stopped being found: a register cannot make an alert disappear.
    NO_LONGER_FOUND = "no_longer_found", _("no longer found in the register")


class Alert(models.Model):
    """A rule found broken by one detention (and, for cell rules, with another)."""

    key = models.CharField(max_length=200, unique=True)  # the finding's key: rule, records, missing field
    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="custody_alerts")
    rule = models.CharField(_("rule"), max_length=64, db_index=True)
    rule_version = models.PositiveIntegerField()
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    detention = models.ForeignKey("custody.Detention", on_delete=models.PROTECT, related_name="alerts")
    other = models.ForeignKey("custody.Detention", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    missing = models.CharField(max_length=40, blank=True, default="")
    detail = models.JSONField(default=dict)
    # The register lines the finding rests on, as they were when it was last found.
    evidence = models.JSONField(default=list)
    involves_minor = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    first_found_at = models.DateTimeField()
    last_found_at = models.DateTimeField()
    no_longer_found_at = models.DateTimeField(null=True, blank=True)
    # Set once the notifications were made (custody.tasks.notify_alerts); NULL: still to do.
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-first_found_at", "-id"]
        indexes = [models.Index(fields=["facility", "status"], name="custody_alert_facility_idx"),
                   models.Index(fields=["notified_at"], name="custody_alert_notified_idx")]

    def __str__(self) -> str:
        return self.key


class Notification(models.Model):
    """An oversight body told of an alert (in the app and by e-mail); it carries no personal data."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    alert = models.ForeignKey(Alert, null=True, blank=True, on_delete=models.PROTECT, related_name="notifications")
    # Or: an examination that found injuries (its content stays sealed; the notice says only that).
    examination = models.ForeignKey("custody.Examination", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="notifications")
    created_at = models.DateTimeField(auto_now_add=True)
    emailed_to = models.PositiveIntegerField(default=0)
    # When the e-mail digest that carried this notice went out (or was found to have nobody to go
    # to); empty until then, so a digest that failed to send is sent on the next run, not lost.
    emailed_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "alert"], name="custody_one_notice_per_body"),
            models.UniqueConstraint(fields=["organisation", "examination"], name="custody_one_exam_notice_per_body"),
            models.CheckConstraint(condition=(Q(alert__isnull=False) & Q(examination__isnull=True))
                                   | (Q(alert__isnull=True) & Q(examination__isnull=False)),
                                   name="custody_notice_of_one_thing"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}: {self.alert_id}"
