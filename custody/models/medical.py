"""Medical examinations of detainees and injury documentation (Istanbul Protocol), sealed.

What the server keeps in clear is what oversight needs to count and route: the facility, when,
on which occasion, whether the examiner was independent, whether injuries were found. Everything
about the person and their body (the examiner, the account, each injury, the opinion) is sealed
with age to the oversight bodies' public keys (custody.sealing); the server cannot open it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class ExaminationOccasion(models.TextChoices):
    ADMISSION = "admission", _("on admission")
    TRANSFER = "transfer", _("on transfer")
    RELEASE = "release", _("on release")
    AFTER_COMPLAINT = "after_complaint", _("after a complaint")
    AFTER_FORCE = "after_force", _("after use of force")


class Consistency(models.TextChoices):
    """The Istanbul Protocol's levels of consistency between findings and the person's account (para. 187)."""

    NOT_CONSISTENT = "not_consistent", _("not consistent")
    CONSISTENT = "consistent", _("consistent")
    HIGHLY_CONSISTENT = "highly_consistent", _("highly consistent")
    TYPICAL = "typical", _("typical of")
    DIAGNOSTIC = "diagnostic", _("diagnostic of")


class InjuryType(models.TextChoices):
    BRUISE = "bruise", _("bruise")
    ABRASION = "abrasion", _("abrasion")
    LACERATION = "laceration", _("laceration")
    INCISION = "incision", _("cut")
    BURN = "burn", _("burn")
    FRACTURE = "fracture", _("fracture")
    SWELLING = "swelling", _("swelling")
    OTHER = "other", _("other")


class Examination(models.Model):
    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="examinations")
    detention = models.ForeignKey("custody.Detention", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="examinations")
    occasion = models.CharField(_("occasion"), max_length=20, choices=ExaminationOccasion.choices)
    examined_at = models.DateTimeField(_("examined at"))
    examiner_independent = models.BooleanField(_("examiner independent of the facility"))
    with_injuries = models.BooleanField(_("injuries found"))
    # A child's examination is sealed to the Children's Rights Commissioner too.
    involves_minor = models.BooleanField(_("concerns a child"), default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    # The age-encrypted record (custody.sealing) and who it is sealed to (organisation kinds).
    sealed = models.BinaryField()
    sealed_sha256 = models.CharField(max_length=64)
    sealed_to = models.JSONField(default=list)

    class Meta:
        ordering = ["-examined_at", "-id"]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.occasion} {self.examined_at:%Y-%m-%d}"


class InjuryPhoto(models.Model):
    """A photograph of an injury: sealed like the examination; its SHA-256 committed to the ledger."""

    examination = models.ForeignKey(Examination, on_delete=models.PROTECT, related_name="photos")
    sha256 = models.CharField(max_length=64)
    sealed = models.BinaryField()
    ledger_index = models.BigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return self.sha256[:12]


class MedicalRequest(models.Model):
    """A detainee asked to see a doctor; when they were seen (NULL: still waiting)."""

    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="medical_requests")
    asked_at = models.DateTimeField(_("asked at"))
    seen_at = models.DateTimeField(_("seen at"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-asked_at"]
        constraints = [models.CheckConstraint(condition=Q(seen_at__isnull=True) | Q(seen_at__gte=F("asked_at")),
                                              name="custody_seen_after_asked")]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.asked_at:%Y-%m-%d}"


class Pregnancy(models.Model):
    """A pregnant woman held in a facility (by a code, not a name), with her antenatal care."""

    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="pregnancies")
    code = models.CharField(_("code"), max_length=32)
    expected_on = models.DateField(_("expected date of delivery"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["facility", "code"], name="custody_one_pregnancy_per_code")]

    def __str__(self) -> str:
        return f"{self.facility_id}/{self.code}"


class AntenatalVisit(models.Model):
    pregnancy = models.ForeignKey(Pregnancy, on_delete=models.CASCADE, related_name="visits")
    on = models.DateField(_("date"))

    def __str__(self) -> str:
        return f"{self.pregnancy_id} {self.on}"
