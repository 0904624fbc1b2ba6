"""Police custody registers: one row per detention, with the moments the law counts from.

Registers are facts reported by the operator (the police centre); an empty moment is NULL, "not
recorded", which the rules treat as a finding where the law requires it. The raw IIN is never
stored: ``person`` is its keyed pseudonym (custody.iin).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from custody.grounds import CellException, TermGround


class Sex(models.TextChoices):
    MALE = "male", _("male")
    FEMALE = "female", _("female")


class LegalBasis(models.TextChoices):
    CRIMINAL = "criminal", _("criminal (Criminal Procedure Code)")
    ADMINISTRATIVE = "administrative", _("administrative (Code of Administrative Offences)")


class OffenceCategory(models.TextChoices):
    MINOR_GRAVITY = "minor_gravity", _("of minor gravity")
    MEDIUM = "medium", _("of medium gravity")
    GRAVE = "grave", _("grave")
    ESPECIALLY_GRAVE = "especially_grave", _("especially grave")
    TERRORIST = "terrorist", _("terrorist")
    EXTREMIST = "extremist", _("extremist")
    MASS_RIOTS = "mass_riots", _("mass riots")
    ADMINISTRATIVE = "administrative", _("administrative offence")


class LawyerKind(models.TextChoices):
    CHOSEN = "chosen", _("chosen by the person")
    LEGAL_AID = "legal_aid", _("legal aid (appointed)")


class CourtDecision(models.TextChoices):
    CUSTODY = "custody", _("detention in custody sanctioned")
    ALTERNATIVE = "alternative", _("another preventive measure")
    REFUSED = "refused", _("sanction refused")


class MedicalResult(models.TextChoices):
    NO_INJURIES = "no_injuries", _("no injuries")
    INJURIES = "injuries", _("injuries recorded")
    REFUSED = "refused", _("examination refused")


class ImportChannel(models.TextChoices):
    FILE = "file", _("file import")
    API = "api", _("police system (API)")


class RegisterImport(models.Model):
    """One file or API submission of register rows: who sent what (its SHA-256), with what outcome."""

    channel = models.CharField(max_length=8, choices=ImportChannel.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=255, blank=True, default="")
    sha256 = models.CharField(max_length=64)
    detentions = models.PositiveIntegerField(default=0)
    placements = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    ledger_index = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.channel} {self.at:%Y-%m-%d} {self.sha256[:12]}"


# The moments of a detention, in the order they usually happen; the import, the API, the rules and
# the evidence shown with an alert all take the list from here.
MOMENTS = (
    "detained_at", "delivered_at", "protocol_at", "prosecutor_notified_at", "family_notified_at",
    "consulate_notified_at", "lawyer_requested_at", "lawyer_arrived_at", "lawyer_replacement_offered_at",
    "first_interview_at", "medical_exam_at", "injuries_reported_at", "court_sanction_at",
    "transferred_at", "released_at",
)


class Detention(models.Model):
    """One person's stay in a police centre, as its register reports it."""

    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="detentions")
    record_id = models.CharField(_("record id"), max_length=64)
    person = models.CharField(_("person (pseudonym)"), max_length=64, db_index=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices, blank=True, default="")
    citizenship = models.CharField(_("citizenship"), max_length=3, blank=True, default="",
                                   help_text=_("ISO 3166 code; KZ for citizens, XX for stateless"))
    legal_basis = models.CharField(_("legal basis"), max_length=16, choices=LegalBasis.choices)
    offence_category = models.CharField(_("offence category"), max_length=20, choices=OffenceCategory.choices,
                                        blank=True, default="")
    state_of_emergency = models.BooleanField(_("state of emergency"), default=False)
    # A lawful exception the register claims, by its ground (custody.grounds); blank: none claimed.
    term_ground = models.CharField(_("ground for a longer term"), max_length=32, choices=TermGround.choices,
                                   blank=True, default="")
    cell_exception = models.CharField(_("ground for sharing a cell with minors"), max_length=32,
                                      choices=CellException.choices, blank=True, default="")
    # People held together who are family (a mother and her child): the same code; blank: none.
    related_group = models.CharField(_("related group"), max_length=64, blank=True, default="")
    infectious = models.BooleanField(_("infectious disease"), null=True, blank=True)
    lawyer_kind = models.CharField(_("lawyer"), max_length=12, choices=LawyerKind.choices, blank=True, default="")
    court_decision = models.CharField(_("court decision"), max_length=12, choices=CourtDecision.choices,
                                      blank=True, default="")
    medical_result = models.CharField(_("medical examination result"), max_length=12,
                                      choices=MedicalResult.choices, blank=True, default="")
    detained_at = models.DateTimeField(_("actual detention"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivery to the centre"), null=True, blank=True)
    protocol_at = models.DateTimeField(_("detention protocol"), null=True, blank=True)
    prosecutor_notified_at = models.DateTimeField(_("prosecutor notified"), null=True, blank=True)
    family_notified_at = models.DateTimeField(_("family notified"), null=True, blank=True)
    consulate_notified_at = models.DateTimeField(_("consulate notified"), null=True, blank=True)
    lawyer_requested_at = models.DateTimeField(_("lawyer requested"), null=True, blank=True)
    lawyer_arrived_at = models.DateTimeField(_("lawyer arrived"), null=True, blank=True)
    lawyer_replacement_offered_at = models.DateTimeField(_("another lawyer offered"), null=True, blank=True)
    first_interview_at = models.DateTimeField(_("first interview"), null=True, blank=True)
    medical_exam_at = models.DateTimeField(_("medical examination"), null=True, blank=True)
    injuries_reported_at = models.DateTimeField(_("injuries reported"), null=True, blank=True)
    court_sanction_at = models.DateTimeField(_("court sanction"), null=True, blank=True)
    transferred_at = models.DateTimeField(_("transfer"), null=True, blank=True)
    released_at = models.DateTimeField(_("release"), null=True, blank=True)
    # Where the current version came from: the submission and its line (the evidence of an alert).
    source = models.ForeignKey(RegisterImport, on_delete=models.PROTECT, related_name="detention_rows")
    source_line = models.PositiveIntegerField(null=True, blank=True)
    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["facility_id", "detained_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "record_id"], name="custody_one_record_per_id"),
            models.CheckConstraint(condition=Q(released_at__isnull=True) | Q(detained_at__isnull=True)
                                   | Q(released_at__gte=F("detained_at")), name="custody_release_after_detention"),
        ]
        indexes = [models.Index(fields=["person", "detained_at"], name="custody_person_time_idx")]

    def __str__(self) -> str:
        return f"{self.facility_id}/{self.record_id}"


class CellPlacement(models.Model):
    """A detention's time in one cell (a unit of the facility); an open interval has no end."""

    detention = models.ForeignKey(Detention, on_delete=models.CASCADE, related_name="placements")
    unit = models.ForeignKey("facilities.Unit", on_delete=models.PROTECT, related_name="custody_placements")
    from_at = models.DateTimeField(_("from"))
    to_at = models.DateTimeField(_("until"), null=True, blank=True)
    source_line = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["detention_id", "from_at"]
        constraints = [
            models.CheckConstraint(condition=Q(to_at__isnull=True) | Q(to_at__gt=F("from_at")),
                                   name="custody_placement_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.detention_id} in {self.unit_id}"
