"""Findings of a visit, and the notices they send (critical findings, recommendation deadlines).

A finding is proposed by the record (a non-compliant answer, a refusal or delay of access, a
reprisal found at a follow-up visit) or added by a monitor, and then confirmed, merged into
another finding or dismissed: its status is a state machine (`FINDING_TRANSITIONS`) changed only
by visits.services.findings, which logs each change to the ledger.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from visits.models.catalogue import Severity

SEVERITY_ORDER = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)


class CriticalKind(models.TextChoices):
    """The critical findings that notify the prosecutor (and, for children, the children's ombudsman)."""

    CHILDREN_WITH_ADULTS = "children_with_adults", _("Children held with adults")
    TORTURE = "torture", _("Signs of torture or ill-treatment")
    ACCESS_OBSTRUCTED = "access_obstructed", _("Obstruction of access (refusal or delay)")
    REPRISALS = "reprisals", _("Reprisals against people who spoke to monitors")
    OTHER = "other", _("Other critical failure")


class FindingOrigin(models.TextChoices):
    ANSWER = "answer", _("Non-compliant answer")
    ACCESS = "access", _("Refusal or delay of access")
    REPRISAL_CHECK = "reprisal_check", _("Reprisal check at a follow-up visit")
    MONITOR = "monitor", _("Added by a monitor")


class FindingStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    MERGED = "merged", _("Merged into another finding")
    DISMISSED = "dismissed", _("Dismissed")


# Which status may follow which; a merged or dismissed finding is final.
FINDING_TRANSITIONS: dict[str, frozenset[str]] = {
    FindingStatus.PROPOSED: frozenset({FindingStatus.CONFIRMED, FindingStatus.MERGED, FindingStatus.DISMISSED}),
    FindingStatus.CONFIRMED: frozenset({FindingStatus.MERGED}),
    FindingStatus.MERGED: frozenset(),
    FindingStatus.DISMISSED: frozenset(),
}


class Finding(models.Model):
    visit = models.ForeignKey("visits.Visit", on_delete=models.PROTECT, related_name="findings")
    # The visit's facility, kept on the finding so national counts need no join through visits.
    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="findings")
    origin = models.CharField(max_length=20, choices=FindingOrigin.choices)
    indicator = models.ForeignKey("visits.Indicator", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="findings")
    # The answer that proposed it: one proposed finding per non-compliant answer, however often proposed.
    answer = models.ForeignKey("visits.Answer", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="findings")
    theme = models.ForeignKey("visits.Theme", on_delete=models.PROTECT, related_name="findings",
                              verbose_name=_("theme"))
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    critical_kind = models.CharField(_("kind of critical finding"), max_length=32, choices=CriticalKind.choices,
                                     blank=True, default="")
    summary = models.TextField(_("what was found"))
    evidence = models.ManyToManyField("visits.Evidence", blank=True, related_name="findings")
    status = models.CharField(max_length=16, choices=FindingStatus.choices, default=FindingStatus.PROPOSED)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="merged_findings")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["visit_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["answer"], condition=Q(answer__isnull=False),
                                    name="one_finding_per_answer"),
            models.CheckConstraint(condition=Q(status="merged", merged_into__isnull=False)
                                   | (~Q(status="merged") & Q(merged_into__isnull=True)),
                                   name="merged_finding_names_its_target"),
            models.CheckConstraint(condition=Q(critical_kind="") | Q(severity="critical"),
                                   name="critical_kind_only_on_critical_findings"),
            models.CheckConstraint(condition=Q(severity__in=Severity.values), name="finding_severity_known"),
        ]
        indexes = [models.Index(fields=["facility", "status", "severity"])]

    def __str__(self) -> str:
        return f"{self.get_severity_display()}: {self.summary[:60]}"

    @property
    def is_open_critical(self) -> bool:
        return self.status == FindingStatus.CONFIRMED and self.severity == Severity.CRITICAL

    @property
    def code(self) -> str:
        return f"F-{self.pk}"

    @property
    def summary_in_words(self) -> str:
        """The summary in the reader's language (visits.summaries); the stored text stays as written."""
        from visits.summaries import finding_summary

        return finding_summary(self)


class NotificationKind(models.TextChoices):
    CRITICAL_FINDING = "critical_finding", _("Critical finding")
    RESPONSE_DUE = "response_due", _("Response to a recommendation due soon")
    RESPONSE_OVERDUE = "response_overdue", _("Response to a recommendation overdue")


class Notification(models.Model):
    """A notice to one person, in the app and by e-mail. It says what happened and where to look,
    never what was found: its text is built from its kind and date alone (visits.notices)."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="visit_notices")
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    # What the notice is about, "finding:12" or "recommendation:40": one notice per (recipient, kind, subject),
    # so a job run twice sends nothing twice.
    subject = models.CharField(max_length=64)
    finding = models.ForeignKey(Finding, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    recommendation = models.ForeignKey("visits.Recommendation", null=True, blank=True, on_delete=models.CASCADE,
                                       related_name="+")
    created_at = models.DateTimeField()
    emailed_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "kind", "subject"], name="one_notice_per_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject} -> {self.recipient_id}"
