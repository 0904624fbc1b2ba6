"""Children living with their mothers in a colony's children's home, and education and
rehabilitation enrolment per facility (the figures the registry shows instead of a typed total)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class ChildInColony(models.Model):
    """A child in a colony's children's home, by a code (never a name), with the plan for them."""

    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="children_in_home")
    code = models.CharField(_("code"), max_length=32)
    birth_date = models.DateField(_("date of birth"))
    admitted_on = models.DateField(_("admitted on"))
    mother_release_on = models.DateField(_("mother's expected release"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    plan = models.TextField(_("plan for the child"), blank=True, default="",
                            help_text=_("who will care for the child when they leave the home, and when"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["facility_id", "birth_date"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "code"], name="custody_one_child_per_code"),
            models.CheckConstraint(condition=Q(admitted_on__gte=F("birth_date")), name="custody_admitted_after_birth"),
        ]

    def __str__(self) -> str:
        return f"{self.facility_id}/{self.code}"


class Programme(models.TextChoices):
    SECONDARY = "secondary", _("secondary education")
    VOCATIONAL = "vocational", _("vocational training")
    RESOCIALISATION = "resocialisation", _("resocialisation programme")
    MOTHERS_REHABILITATION = "mothers_rehabilitation", _("mothers' rehabilitation programme")
    PSYCHOLOGICAL_SUPPORT = "psychological_support", _("psychological support")


class Enrolment(models.Model):
    """How many people of a facility were enrolled in a programme in a month, and how many completed it.

    A count not reported is NULL, never 0; the source says who reported it.
    """

    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="enrolments")
    programme = models.CharField(_("programme"), max_length=32, choices=Programme.choices)
    month = models.DateField(_("month"), help_text=_("the first day of the month"))
    enrolled = models.PositiveIntegerField(_("enrolled"), null=True, blank=True)
    completed = models.PositiveIntegerField(_("completed"), null=True, blank=True)
    reported_by = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["facility_id", "-month", "programme"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "programme", "month", "reported_by"],
                                    name="custody_one_enrolment_per_month"),
            models.CheckConstraint(condition=Q(completed__isnull=True) | Q(enrolled__isnull=True)
                                   | Q(completed__lte=F("enrolled")), name="custody_completed_within_enrolled"),
            models.CheckConstraint(condition=Q(month__day=1), name="custody_enrolment_month_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.programme} {self.month:%Y-%m}"
