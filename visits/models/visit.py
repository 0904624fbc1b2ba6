"""A monitoring visit: who went where, when, how they were let in, and what they covered."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class VisitKind(models.TextChoices):
    UNANNOUNCED = "unannounced", _("unannounced")
    ANNOUNCED = "announced", _("announced")


class VisitTiming(models.TextChoices):
    DAY = "day", _("day")
    NIGHT = "night", _("night")
    WEEKEND = "weekend", _("weekend")


class VisitStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    IN_PROGRESS = "in_progress", _("in progress")
    COMPLETED = "completed", _("completed")
    CANCELLED = "cancelled", _("cancelled")


class AccessOutcome(models.TextChoices):
    """How the team was let in. Delay and refusal are obstruction under OPCAT art. 20 (a critical finding)."""

    NOT_RECORDED = "not_recorded", _("not recorded yet")
    GRANTED = "granted", _("granted at once")
    DELAYED = "delayed", _("delayed")
    PARTLY_REFUSED = "partly_refused", _("refused to some areas or people")
    REFUSED = "refused", _("refused")

    @classmethod
    def obstructed(cls) -> frozenset[str]:
        return frozenset({cls.DELAYED, cls.PARTLY_REFUSED, cls.REFUSED})


class Visit(models.Model):
    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="visits")
    # The body that leads the visit; interview notes are sealed to it.
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="visits")
    catalogue = models.ForeignKey("visits.CatalogueVersion", on_delete=models.PROTECT, related_name="visits")
    kind = models.CharField(_("announced or not"), max_length=16, choices=VisitKind.choices,
                            default=VisitKind.UNANNOUNCED)
    timing = models.CharField(_("timing"), max_length=16, choices=VisitTiming.choices, default=VisitTiming.DAY)
    planned_on = models.DateField(_("planned date"))
    status = models.CharField(_("status"), max_length=16, choices=VisitStatus.choices, default=VisitStatus.PLANNED)
    focus_themes = models.ManyToManyField("visits.Theme", blank=True, related_name="+",
                                          verbose_name=_("themes to focus on"))
    arrived_at = models.DateTimeField(_("arrival"), null=True, blank=True)
    departed_at = models.DateTimeField(_("departure"), null=True, blank=True)
    access = models.CharField(_("access"), max_length=16, choices=AccessOutcome.choices,
                              default=AccessOutcome.NOT_RECORDED)
    # Minutes between arriving at the gate and being let in; NULL: not recorded.
    access_delay_minutes = models.PositiveIntegerField(_("delay, minutes"), null=True, blank=True)
    access_details = models.TextField(_("what happened at the entrance"), blank=True, default="")
    access_recorded_at = models.DateTimeField(null=True, blank=True)
    observations = models.TextField(_("observations"), blank=True, default="")
    # Population counted on the spot, recorded in the registry as a verified count.
    verified_snapshot = models.ForeignKey("facilities.PopulationSnapshot", null=True, blank=True,
                                          on_delete=models.PROTECT, related_name="+")
    # Assigned by the device that created the record, so a second upload is the same visit.
    device_id = models.UUIDField(unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-planned_on", "-id"]
        indexes = [models.Index(fields=["facility", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(departed_at__isnull=True) | Q(arrived_at__isnull=True)
                | Q(departed_at__gte=F("arrived_at")),
                name="visit_departure_after_arrival",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.planned_on}"

    @property
    def access_obstructed(self) -> bool:
        return self.access in AccessOutcome.obstructed()


class TeamMember(models.Model):
    """A member of the visiting team; a team may come from several bodies."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visit_memberships")
    # The body the member came for, kept as it was on the day even if they move later.
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    leads = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["visit", "user"], name="one_membership_per_visit")]

    def __str__(self) -> str:
        return f"{self.visit_id}:{self.user_id}"


class Observation(models.Model):
    """Something the team saw, outside any one checklist question."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="observation_notes")
    theme = models.ForeignKey("visits.Theme", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    device_id = models.UUIDField(unique=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["visit_id", "at", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class VisitAction(models.TextChoices):
    PLANNED = "visit:planned", _("Visit planned")
    CHANGED = "visit:changed", _("Visit changed")
    CANCELLED = "visit:cancelled", _("Visit cancelled")
    ARRIVED = "visit:arrived", _("Arrival recorded")
    ACCESS = "visit:access:recorded", _("Access recorded")
    DEPARTED = "visit:departed", _("Departure recorded")
    COMPLETED = "visit:completed", _("Visit completed")
    ANSWERED = "visit:answer:saved", _("Answer saved")
    CONFLICT = "visit:answer:conflict", _("Conflicting answer kept")
    RESOLVED = "visit:answer:resolved", _("Conflict resolved")
    INTERVIEW = "visit:interview:recorded", _("Interview recorded")
    OBSERVATION = "visit:observation:added", _("Observation added")
    COUNTS = "visit:counts:verified", _("Population verified")
    EVIDENCE = "visit:evidence:added", _("Evidence added")
    FINDING_PROPOSED = "visit:finding:proposed", _("Finding proposed")
    FINDING_CONFIRMED = "visit:finding:confirmed", _("Finding confirmed")
    FINDING_DISMISSED = "visit:finding:dismissed", _("Finding dismissed")
    FINDING_MERGED = "visit:finding:merged", _("Findings merged")
    FINDING_ADDED = "visit:finding:added", _("Finding added")
    RECOMMENDATION_ISSUED = "visit:recommendation:issued", _("Recommendation issued")
    RECOMMENDATION_ANSWERED = "visit:recommendation:answered", _("Recommendation answered")
    RECOMMENDATION_PROGRESS = "visit:recommendation:progress", _("Progress reported on a recommendation")
    RECOMMENDATION_CHECKED = "visit:recommendation:checked", _("Recommendation checked at a later visit")


class VisitEvent(models.Model):
    """The audit trail of a visit: who did what, when. Never holds interview notes."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=40, choices=VisitAction.choices)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["visit_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.visit_id} {self.action}"
