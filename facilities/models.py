from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from facilities import population
from lib.localized import LocalizedNameMixin


def _in_reader_language(instance: models.Model, base: str) -> str:
    language = (get_language() or "en")[:2]
    if language in ("kk", "ru"):
        return getattr(instance, f"{base}_{language}") or getattr(instance, base)
    return getattr(instance, base)


class RegionKind(models.TextChoices):
    REGION = "region", _("Region")
    CITY = "city", _("City of republican significance")


class Region(LocalizedNameMixin):
    code = models.CharField(max_length=16, unique=True)
    kind = models.CharField(max_length=16, choices=RegionKind.choices, default=RegionKind.REGION)

    class Meta:
        ordering = ["name_en"]


class FacilityType(models.TextChoices):
    # Types of the Penal Enforcement Code of 2014 (article 89; see docs/glossary.md). The stored
    # values keep the older names. Settlement colonies no longer exist as a type: the code made
    # them minimum-security institutions, and the type stays only for records not yet moved.
    COLONY_MINIMUM = "colony_minimum", _("Minimum-security institution")
    COLONY_MEDIUM = "colony_medium", _("Medium-security institution")
    COLONY_MAXIMUM = "colony_maximum", _("Maximum-security institution")
    COLONY_SPECIAL = "colony_special", _("Extraordinary-security institution")
    COLONY_SETTLEMENT = "colony_settlement", _("Minimum-security institution (former settlement colony)")
    COLONY_JUVENILE = "colony_juvenile", _("Medium-security institution for minors")
    COLONY_WOMEN = "colony_women", _("Institution for women")
    PRETRIAL = "pretrial", _("Pre-trial detention centre")
    POLICE_TDC = "police_tdc", _("Police temporary detention centre")
    SPECIAL_RECEPTION = "special_reception", _("Special reception centre")
    SPECIAL_SCHOOL = "special_school", _("Special educational institution for children")
    CRISIS_CENTRE = "crisis_centre", _("Crisis centre")

    @classmethod
    def colonies(cls) -> frozenset[str]:
        return frozenset(t for t in cls.values if t.startswith("colony_"))

    @classmethod
    def penal(cls) -> frozenset[str]:
        return cls.colonies() | {cls.PRETRIAL}

    def legal_status(self) -> LegalStatus:
        return LEGAL_STATUS_OF_TYPE[self]

    @classmethod
    def for_children(cls) -> frozenset[str]:
        """Facility types where only children are held: adults there are the anomaly."""
        return frozenset({cls.COLONY_JUVENILE, cls.SPECIAL_SCHOOL})


class LegalStatus(models.TextChoices):
    """Why the people in a type of facility are there; crisis centres' residents are not detained."""

    CONVICTED = "convicted", _("Convicts in colonies")
    REMAND = "remand", _("Remand prisoners in pre-trial centres")
    POLICE_CUSTODY = "police_custody", _("People in police custody")
    ADMINISTRATIVE = "administrative", _("Administrative detention (special reception centres)")
    SPECIAL_SCHOOL = "special_school", _("Children in special educational institutions")
    CRISIS_RESIDENT = "crisis_resident", _("Residents of crisis centres (not detained)")

    def facility_types(self) -> list[str]:
        return [t for t, status in LEGAL_STATUS_OF_TYPE.items() if status == self]


LEGAL_STATUS_OF_TYPE: dict[str, LegalStatus] = {
    **{t: LegalStatus.CONVICTED for t in FacilityType.colonies()},
    FacilityType.PRETRIAL: LegalStatus.REMAND,
    FacilityType.POLICE_TDC: LegalStatus.POLICE_CUSTODY,
    FacilityType.SPECIAL_RECEPTION: LegalStatus.ADMINISTRATIVE,
    FacilityType.SPECIAL_SCHOOL: LegalStatus.SPECIAL_SCHOOL,
    FacilityType.CRISIS_CENTRE: LegalStatus.CRISIS_RESIDENT,
}


class Facility(LocalizedNameMixin):
    """A place where people are or may be deprived of liberty, or sheltered (crisis centres)."""

    code = models.CharField(_("institution code"), max_length=32, unique=True)
    type = models.CharField(_("type"), max_length=32, choices=FacilityType.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="facilities")
    operator = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="operated_facilities"
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    # The address as written in Kazakh and Russian, where known; `local_address` picks the reader's.
    address_kk = models.CharField(max_length=255, blank=True, default="")
    address_ru = models.CharField(max_length=255, blank=True, default="")
    design_capacity = models.PositiveIntegerField(_("design capacity"))
    operational_capacity = models.PositiveIntegerField(_("operational capacity"))
    maximum_capacity = models.PositiveIntegerField(_("maximum capacity"), null=True, blank=True)
    # Since when the facility holds people; no population count may be older. Empty: not known.
    opened_on = models.DateField(_("in use since"), null=True, blank=True)
    is_active = models.BooleanField(default=True)
    # Cache of the most recent population snapshot, kept by the snapshot services so lists and
    # the overview need no per-row subquery. The snapshots themselves are never overwritten.
    latest_snapshot = models.ForeignKey(
        "PopulationSnapshot", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Derived from the code by the services that save a facility (facilities/search.py): the code
    # folded for search in Latin or Cyrillic letters, and a key that sorts AK-159/6 before AK-159/11.
    search_key = models.CharField(max_length=160, editable=False, default="")
    sort_key = models.CharField(max_length=255, editable=False, default="", db_index=True)

    class Meta:
        ordering = ["sort_key", "code"]
        verbose_name_plural = "facilities"
        constraints = [
            models.CheckConstraint(
                condition=Q(operational_capacity__lte=F("maximum_capacity")) | Q(maximum_capacity__isnull=True),
                name="operational_capacity_within_maximum",
            ),
        ]
        indexes = [models.Index(fields=["type", "region"])]

    def clean(self) -> None:
        if self.maximum_capacity is not None and self.operational_capacity > self.maximum_capacity:
            raise ValidationError({"operational_capacity": _("cannot exceed the maximum capacity")})

    @property
    def capacity(self) -> int:
        """The figure occupancy is measured against: operational capacity, else design capacity."""
        return self.operational_capacity or self.design_capacity

    @property
    def local_address(self) -> str:
        """The address in the reader's language where it is recorded, else as registered."""
        return _in_reader_language(self, "address")


class UnitKind(models.TextChoices):
    BARRACKS = "barracks", _("Barracks / dormitory")
    CELL = "cell", _("Cell")
    SINGLE_CELL = "single_cell", _("Single cell")
    MOTHER_CHILD = "mother_child", _("Mother-and-child unit")
    MEDICAL = "medical", _("Medical unit")
    ISOLATION = "isolation", _("Isolation")
    ACCESSIBLE = "accessible", _("Accessible unit")


class Unit(models.Model):
    """A living unit; living space excludes the sanitary annex (CPT)."""

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="units")
    code = models.CharField(_("unit code"), max_length=32)
    name = models.CharField(_("unit name"), max_length=255)
    # The name in Kazakh and Russian, where known; `local_name` picks the reader's.
    name_kk = models.CharField(max_length=255, blank=True, default="")
    name_ru = models.CharField(max_length=255, blank=True, default="")
    kind = models.CharField(_("kind"), max_length=32, choices=UnitKind.choices)
    capacity = models.PositiveIntegerField(_("places"))
    living_space_m2 = models.DecimalField(_("living space, m²"), max_digits=8, decimal_places=1)

    class Meta:
        ordering = ["facility_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "code"], name="unit_code_unique_in_facility"),
            models.CheckConstraint(condition=Q(living_space_m2__gte=0), name="living_space_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.local_name}"

    @property
    def local_name(self) -> str:
        """The unit's name in the reader's language where it is recorded, else as registered."""
        return _in_reader_language(self, "name")

    @property
    def is_single_occupancy(self) -> bool:
        return self.kind == UnitKind.SINGLE_CELL or self.capacity == 1


class ReportSource(models.TextChoices):
    """Who reported a count. For one month a verified count wins; both are kept."""

    SELF_REPORTED = "self_reported", _("self-reported by the facility")
    VERIFIED = "verified", _("verified by an oversight body on a visit")


# The counts are declared once, in facilities.population; this abstract model carries them.
PopulationCounts = type("PopulationCounts", (models.Model,), {
    "__module__": __name__,
    "Meta": type("Meta", (), {"abstract": True}),
    **population.model_fields(),
})


class PopulationSnapshot(PopulationCounts):
    """Who was held in a facility on one date, as one source reported it.

    A count left out is NULL: not reported, never zero. Corrections are audited and numbered
    (`version`), never silent.
    """

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="snapshots")
    date = models.DateField(_("date"))
    source = models.CharField(
        _("reported by"), max_length=16, choices=ReportSource.choices, default=ReportSource.SELF_REPORTED
    )
    reporter = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("reporting organisation"),
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["facility_id", "date"]
        get_latest_by = "date"
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "date", "source"], name="one_snapshot_per_facility_date_and_source"
            ),
            *population.constraints(),
        ]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.date}: {self.total}"

    @property
    def adults(self) -> int | None:
        if self.total is None or self.minors is None:
            return None
        return self.total - self.minors

    @property
    def men(self) -> int | None:
        if self.total is None or self.women is None:
            return None
        return self.total - self.women

    @property
    def is_verified(self) -> bool:
        return self.source == ReportSource.VERIFIED

    def clean(self) -> None:
        # The database constraints say the same; these give the user a message per field.
        errors = population.bound_errors(population.values_of(self))
        if errors:
            raise ValidationError(errors)


class UnitOccupancy(models.Model):
    """How many people a unit held on the snapshot's date."""

    snapshot = models.ForeignKey(PopulationSnapshot, on_delete=models.CASCADE, related_name="occupancies")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="occupancies")
    occupants = models.PositiveIntegerField()
    # Minors among the occupants; NULL: not reported. Judges "minors held with adults" per unit.
    minors = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "unit"], name="one_occupancy_per_unit"),
            models.CheckConstraint(condition=Q(minors__lte=F("occupants")), name="unit_minors_within_occupants"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.occupants}"


class ChangeAction(models.TextChoices):
    CREATE = "create", _("created")
    UPDATE = "update", _("updated")


class RegistryChange(models.Model):
    """Who changed which registry record when, with the values before and after."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="registry_changes"
    )
    at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=16, choices=ChangeAction.choices)
    model = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    facility = models.ForeignKey(Facility, null=True, on_delete=models.PROTECT, related_name="changes")
    before = models.JSONField(null=True)
    after = models.JSONField()

    # Not columns: the ledger knows which entry logged a change. facilities.audit.attach_ledger_indices
    # sets both from the ledger's interface when a page needs them.
    ledger_index: int | None = None
    ledger_pending: bool = False

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["model", "object_id"])]

    def __str__(self) -> str:
        return f"{self.model}#{self.object_id} {self.action}"
