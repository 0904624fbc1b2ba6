from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

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

    @classmethod
    def for_children(cls) -> frozenset[str]:
        """Facility types where only children are held: adults there are the anomaly."""
        return frozenset({cls.COLONY_JUVENILE, cls.SPECIAL_SCHOOL})


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


class PopulationSnapshot(models.Model):
    """Who was held in a facility on one date. Corrections are audited, never silent."""

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="snapshots")
    date = models.DateField(_("date"))
    total = models.PositiveIntegerField(_("total held"))
    women = models.PositiveIntegerField(_("women"), default=0)
    pregnant_women = models.PositiveIntegerField(_("pregnant women"), default=0)
    mothers_with_children = models.PositiveIntegerField(_("mothers with children living with them"), default=0)
    children_with_mothers = models.PositiveIntegerField(_("children living with their mothers"), default=0)
    minors = models.PositiveIntegerField(_("minors"), default=0)
    below_age_of_responsibility = models.PositiveIntegerField(
        _("children below the age of criminal responsibility"), default=0
    )
    disabled = models.PositiveIntegerField(_("people with disabilities"), default=0)
    foreigners = models.PositiveIntegerField(_("foreigners"), default=0)
    in_education = models.PositiveIntegerField(_("in general education"), default=0)
    in_vocational_training = models.PositiveIntegerField(_("in vocational training"), default=0)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["facility_id", "date"]
        get_latest_by = "date"
        constraints = [
            models.UniqueConstraint(fields=["facility", "date"], name="one_snapshot_per_facility_and_date"),
            models.CheckConstraint(condition=Q(women__lte=F("total")), name="women_within_total"),
            models.CheckConstraint(condition=Q(minors__lte=F("total")), name="minors_within_total"),
            models.CheckConstraint(condition=Q(disabled__lte=F("total")), name="disabled_within_total"),
            models.CheckConstraint(condition=Q(foreigners__lte=F("total")), name="foreigners_within_total"),
            models.CheckConstraint(condition=Q(pregnant_women__lte=F("women")), name="pregnant_within_women"),
            models.CheckConstraint(
                condition=Q(mothers_with_children__lte=F("women")), name="mothers_within_women"
            ),
            models.CheckConstraint(
                condition=Q(below_age_of_responsibility__lte=F("minors")), name="below_age_within_minors"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.date}: {self.total}"

    @property
    def adults(self) -> int:
        return self.total - self.minors

    def clean(self) -> None:
        # The database constraints say the same; these give the user a message per field.
        errors = {}
        for field in ("women", "minors", "disabled", "foreigners", "in_education", "in_vocational_training"):
            if (getattr(self, field) or 0) > (self.total or 0):
                errors[field] = _("cannot exceed the total held")
        for field in ("pregnant_women", "mothers_with_children"):
            if (getattr(self, field) or 0) > (self.women or 0):
                errors[field] = _("cannot exceed the number of women")
        if (self.below_age_of_responsibility or 0) > (self.minors or 0):
            errors["below_age_of_responsibility"] = _("cannot exceed the number of minors")
        if self.children_with_mothers and not self.mothers_with_children:
            errors["children_with_mothers"] = _("children can live here only with their mothers")
        if errors:
            raise ValidationError(errors)


class UnitOccupancy(models.Model):
    """How many people a unit held on the snapshot's date."""

    snapshot = models.ForeignKey(PopulationSnapshot, on_delete=models.CASCADE, related_name="occupancies")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="occupancies")
    occupants = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["snapshot", "unit"], name="one_occupancy_per_unit")]

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
    ledger_index = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["model", "object_id"])]

    def __str__(self) -> str:
        return f"{self.model}#{self.object_id} {self.action}"
