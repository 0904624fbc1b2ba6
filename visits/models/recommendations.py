"""Recommendations, the addressee's statements about them, and their check at the next visit.

recommendation -> addressee and response (accepted, partly, rejected) -> planned actions with
dates -> checked at the next visit to the facility (implemented, partly, not). Statements are
added, never edited: the recommendation's status is the state machine `TRANSITIONS`, moved only by
visits.services.recommendations; each statement records the status it set.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Addressee(models.TextChoices):
    """The authority a recommendation is addressed to; a facility means the visit's facility."""

    FACILITY = "facility", _("The facility's administration")
    PENAL_COMMITTEE = "penal_committee", _("Penal System Committee")
    MINISTRY = "ministry", _("Ministry")
    POLICE = "police", _("Police department")
    LOCAL_EXECUTIVE = "local_executive", _("Local executive body (akimat)")


class RecommendationStatus(models.TextChoices):
    AWAITING_RESPONSE = "awaiting_response", _("Awaiting response")
    ACCEPTED = "accepted", _("Accepted")
    PARTLY_ACCEPTED = "partly_accepted", _("Partly accepted")
    REJECTED = "rejected", _("Rejected")
    IMPLEMENTED = "implemented", _("Implemented")
    PARTLY_IMPLEMENTED = "partly_implemented", _("Partly implemented")
    NOT_IMPLEMENTED = "not_implemented", _("Not implemented")

    @classmethod
    def responses(cls) -> tuple[str, ...]:
        return (cls.ACCEPTED, cls.PARTLY_ACCEPTED, cls.REJECTED)

    @classmethod
    def verdicts(cls) -> tuple[str, ...]:
        return (cls.IMPLEMENTED, cls.PARTLY_IMPLEMENTED, cls.NOT_IMPLEMENTED)

    @classmethod
    def open(cls) -> tuple[str, ...]:
        """Every status but implemented: the next visit checks these again."""
        return tuple(value for value in cls.values if value != cls.IMPLEMENTED)


_VERDICTS = frozenset(RecommendationStatus.verdicts())
# The addressee answers once (accepted, partly, rejected); monitors check at any later visit,
# also when no answer came; implemented is final.
TRANSITIONS: dict[str, frozenset[str]] = {
    RecommendationStatus.AWAITING_RESPONSE: frozenset(RecommendationStatus.responses()) | _VERDICTS,
    RecommendationStatus.ACCEPTED: _VERDICTS,
    RecommendationStatus.PARTLY_ACCEPTED: _VERDICTS,
    RecommendationStatus.REJECTED: _VERDICTS,
    RecommendationStatus.PARTLY_IMPLEMENTED: _VERDICTS,
    RecommendationStatus.NOT_IMPLEMENTED: _VERDICTS,
    RecommendationStatus.IMPLEMENTED: frozenset(),
}


class Recommendation(models.Model):
    finding = models.ForeignKey("visits.Finding", on_delete=models.PROTECT, related_name="recommendations")
    # The finding's visit and facility, kept here so lists and counts need no joins.
    visit = models.ForeignKey("visits.Visit", on_delete=models.PROTECT, related_name="recommendations")
    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="recommendations")
    addressee = models.CharField(_("addressed to"), max_length=32, choices=Addressee.choices)
    text = models.TextField(_("recommendation"))
    response_due = models.DateField(_("response due by"))
    status = models.CharField(max_length=32, choices=RecommendationStatus.choices,
                              default=RecommendationStatus.AWAITING_RESPONSE)
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The addressee's answer (accepted, partly accepted, rejected) as its response statement gave it:
    # kept once here so counts of "accepted" need no join, whatever later checks found.
    response = models.CharField(max_length=32, choices=RecommendationStatus.choices, blank=True, default="")
    responded_at = models.DateTimeField(null=True, blank=True)
    # When the last check at a visit found it implemented.
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=RecommendationStatus.values),
                                   name="recommendation_status_known"),
            models.CheckConstraint(condition=Q(addressee__in=Addressee.values), name="recommendation_addressee_known"),
            models.CheckConstraint(condition=~Q(status="implemented") | Q(closed_at__isnull=False),
                                   name="implemented_recommendation_is_closed"),
            models.CheckConstraint(condition=Q(response="") | Q(response__in=RecommendationStatus.responses()),
                                   name="recommendation_response_is_an_answer"),
        ]
        indexes = [
            models.Index(fields=["facility", "status"]),
            # Covers the national view's count by year, response and status (an index-only scan).
            models.Index(fields=["issued_at", "response", "status"], name="recommendation_year_counts"),
            models.Index(fields=["status", "response_due"]),
        ]

    def __str__(self) -> str:
        return f"R-{self.pk}: {self.text[:60]}"

    @property
    def code(self) -> str:
        return f"R-{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status != RecommendationStatus.IMPLEMENTED


class StatementKind(models.TextChoices):
    RESPONSE = "response", _("Response of the addressee")
    PROGRESS = "progress", _("Progress reported by the addressee")
    CHECK = "check", _("Checked at a visit")


class Statement(models.Model):
    """One statement about a recommendation, added and never edited: the addressee's response or
    progress report, or the monitors' check at a later visit (with its evidence)."""

    recommendation = models.ForeignKey(Recommendation, on_delete=models.PROTECT, related_name="statements")
    kind = models.CharField(max_length=16, choices=StatementKind.choices)
    # The status this statement set; empty for a progress report, which changes no status.
    status = models.CharField(max_length=32, choices=RecommendationStatus.choices, blank=True, default="")
    text = models.TextField(_("reason or comment"), blank=True, default="")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    # The visit at which a check was made.
    visit = models.ForeignKey("visits.Visit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    evidence = models.ManyToManyField("visits.Evidence", blank=True, related_name="+")

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(kind="check") | Q(visit__isnull=False), name="check_names_its_visit"),
            models.CheckConstraint(condition=~Q(kind="progress") | Q(status=""), name="progress_sets_no_status"),
            models.CheckConstraint(condition=Q(kind="progress") | ~Q(status=""), name="response_or_check_sets_status"),
            models.CheckConstraint(condition=~Q(status="rejected") | ~Q(text=""), name="rejection_gives_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.recommendation_id}: {self.kind} {self.status}"


class PlannedAction(models.Model):
    """One dated action of the addressee's action plan, stated with a response or a progress report."""

    recommendation = models.ForeignKey(Recommendation, on_delete=models.PROTECT, related_name="actions")
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="actions")
    description = models.TextField(_("action"))
    due_on = models.DateField(_("to be done by"))

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return f"{self.due_on}: {self.description[:60]}"


class ReprisalOutcome(models.TextChoices):
    NO_SIGN = "no_sign", _("Seen: no sign of reprisals")
    REPRISAL = "reprisal", _("Seen: reprisals reported or observed")
    NOT_FOUND = "not_found", _("Not found (released or transferred)")
    REFUSED = "refused", _("Access to the person refused")


class ReprisalCheck(models.Model):
    """At a later visit, whether a person interviewed at an earlier one suffered for it."""

    visit = models.ForeignKey("visits.Visit", on_delete=models.PROTECT, related_name="reprisal_checks")
    interview = models.ForeignKey("visits.Interview", on_delete=models.PROTECT, related_name="reprisal_checks")
    outcome = models.CharField(_("outcome"), max_length=16, choices=ReprisalOutcome.choices)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    # A reprisal, or a refusal to see the person, is itself a critical finding of the checking visit.
    finding = models.ForeignKey("visits.Finding", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "interview"], name="one_reprisal_check_per_interview_and_visit"),
        ]

    def __str__(self) -> str:
        return f"{self.visit_id}/{self.interview_id}: {self.outcome}"
