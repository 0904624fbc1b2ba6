"""Answers to the checklist, and the edits of two team members that disagreed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Compliance(models.TextChoices):
    MET = "met", _("met")
    NOT_MET = "not_met", _("not met")
    UNKNOWN = "unknown", _("unknown")
    NOT_APPLICABLE = "not_applicable", _("not applicable")


class Answer(models.Model):
    """The visit's answer to one indicator; `compliance` is computed by visits.checks, never typed.

    `value` holds the typed value as JSON: true/false, an integer, a decimal as a string, or a
    choice's value; null is "not answered" (unknown, never compliant). `version` grows with every
    change, so an edit made from an older version is kept as a conflict, not applied.
    """

    visit = models.ForeignKey("visits.Visit", on_delete=models.CASCADE, related_name="answers")
    indicator = models.ForeignKey("visits.Indicator", on_delete=models.PROTECT, related_name="answers")
    value = models.JSONField(null=True, blank=True)
    not_applicable = models.BooleanField(default=False)
    compliance = models.CharField(max_length=16, choices=Compliance.choices, default=Compliance.UNKNOWN)
    reason = models.CharField(max_length=255, blank=True, default="")
    note = models.TextField(blank=True, default="")
    device_id = models.UUIDField(unique=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["visit_id", "indicator__position"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "indicator"], name="one_answer_per_indicator"),
        ]

    def __str__(self) -> str:
        return f"{self.visit_id}/{self.indicator_id}: {self.value}"


class AnswerConflict(models.Model):
    """An edit that started from an older version than the answer has now: kept beside it.

    A monitor resolves it by saving the value they choose (as a new version of the answer);
    nothing is overwritten silently.
    """

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="conflicts")
    value = models.JSONField(null=True, blank=True)
    not_applicable = models.BooleanField(default=False)
    note = models.TextField(blank=True, default="")
    base_version = models.PositiveIntegerField()
    device_id = models.UUIDField(unique=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        ordering = ["answer_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.answer_id} from v{self.base_version}"


class AnswerRevision(models.Model):
    """Every version an answer has had, so a change is never a silent overwrite; `device_id` is the
    edit's own id (a replayed upload finds it here and changes nothing)."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    value = models.JSONField(null=True, blank=True)
    not_applicable = models.BooleanField(default=False)
    compliance = models.CharField(max_length=16, choices=Compliance.choices)
    note = models.TextField(blank=True, default="")
    device_id = models.UUIDField(unique=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["answer_id", "version"]
        constraints = [models.UniqueConstraint(fields=["answer", "version"], name="one_revision_per_version")]

    def __str__(self) -> str:
        return f"{self.answer_id} v{self.version}"
