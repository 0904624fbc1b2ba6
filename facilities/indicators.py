"""Derived indicators of a facility: computed here once and shown everywhere.

Each indicator says whether it is compliant and, in words, why. The thresholds are the CPT's:
4 m² of living space per person in shared accommodation and 6 m² in a single cell, sanitary
annex excluded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from facilities.models import Facility, FacilityType, PopulationSnapshot, Unit, UnitKind
from lib.charts import format_number, format_percent

CPT_MIN_SHARED_M2 = Decimal(4)
CPT_MIN_SINGLE_M2 = Decimal(6)

LABELS = {
    "occupancy": gettext_lazy("Occupancy"),
    "living_space": gettext_lazy("Living space per person"),
    "barracks": gettext_lazy("Held in barracks-type dormitories"),
    "minors_with_adults": gettext_lazy("Minors held with adults"),
    "mothers_without_unit": gettext_lazy("Mothers with children without a mother-and-child unit"),
}


@dataclass(frozen=True)
class Indicator:
    key: str
    value: str
    compliant: bool | None  # None: not applicable or no data
    reason: str

    @property
    def label(self) -> str:
        return str(LABELS[self.key])


@dataclass(frozen=True)
class UnitSpace:
    unit: Unit
    occupants: int
    per_person_m2: Decimal | None
    minimum_m2: Decimal
    compliant: bool | None


@dataclass
class FacilityIndicators:
    occupancy_rate: float | None
    indicators: list[Indicator] = field(default_factory=list)
    unit_space: list[UnitSpace] = field(default_factory=list)

    @property
    def is_overcrowded(self) -> bool:
        return self.occupancy_rate is not None and self.occupancy_rate > 1.0

    @property
    def failing(self) -> list[Indicator]:
        return [i for i in self.indicators if i.compliant is False]


def occupancy_rate(population: int | None, capacity: int | None) -> float | None:
    if population is None or not capacity:
        return None
    return population / capacity


def minimum_space(unit: Unit) -> Decimal:
    return CPT_MIN_SINGLE_M2 if unit.is_single_occupancy else CPT_MIN_SHARED_M2


def holds_minors_with_adults(facility: Facility, snapshot: PopulationSnapshot | None) -> bool:
    if snapshot is None or not snapshot.minors:
        return False
    return snapshot.adults > 0


def compute(
    facility: Facility,
    snapshot: PopulationSnapshot | None,
    units: Iterable[Unit],
    occupancy: dict[int, int],
) -> FacilityIndicators:
    """All indicators of one facility, given its latest snapshot and per-unit occupancy (unit id -> people)."""
    units = list(units)
    rate = occupancy_rate(snapshot.total if snapshot else None, facility.capacity)
    result = FacilityIndicators(occupancy_rate=rate)
    result.indicators.append(_occupancy(facility, snapshot, rate))
    result.unit_space = [_unit_space(unit, occupancy.get(unit.pk, 0)) for unit in units]
    result.indicators.append(_living_space(result.unit_space))
    result.indicators.append(_barracks(units, occupancy, snapshot))
    result.indicators.append(_minors_with_adults(facility, snapshot))
    result.indicators.append(_mothers_without_unit(units, snapshot))
    return result


def _no_data(key: str) -> Indicator:
    return Indicator(key, "—", None, _("No population data."))


def _occupancy(facility: Facility, snapshot: PopulationSnapshot | None, rate: float | None) -> Indicator:
    if snapshot is None or rate is None:
        return _no_data("occupancy")
    value = format_percent(rate)
    if rate > 1:
        reason = _("%(held)s held for %(capacity)s places: overcrowded.") % {
            "held": format_number(snapshot.total), "capacity": format_number(facility.capacity)}
        return Indicator("occupancy", value, False, reason)
    reason = _("%(held)s held for %(capacity)s places.") % {
        "held": format_number(snapshot.total), "capacity": format_number(facility.capacity)}
    return Indicator("occupancy", value, True, reason)


def _unit_space(unit: Unit, occupants: int) -> UnitSpace:
    minimum = minimum_space(unit)
    if occupants <= 0:
        return UnitSpace(unit, occupants, None, minimum, None)
    per_person = (Decimal(unit.living_space_m2) / occupants).quantize(Decimal("0.1"))
    return UnitSpace(unit, occupants, per_person, minimum, per_person >= minimum)


def _living_space(unit_space: list[UnitSpace]) -> Indicator:
    occupied = [u for u in unit_space if u.per_person_m2 is not None]
    if not occupied:
        return Indicator("living_space", "—", None, _("No unit occupancy recorded."))
    worst = min(occupied, key=lambda u: u.per_person_m2 - u.minimum_m2)
    failing = [u for u in occupied if not u.compliant]
    value = _("%(m2)s m² (lowest)") % {"m2": format_number(worst.per_person_m2)}
    if failing:
        reason = _("%(count)s of %(total)s units below the CPT minimum; lowest %(m2)s m² in %(unit)s "
                   "(minimum %(min)s m²).") % {
            "count": len(failing), "total": len(occupied), "m2": format_number(worst.per_person_m2),
            "unit": worst.unit.local_name, "min": format_number(worst.minimum_m2)}
        return Indicator("living_space", value, False, reason)
    return Indicator("living_space", value, True, _("Every occupied unit meets the CPT minimum."))


def _barracks(units: list[Unit], occupancy: dict[int, int], snapshot: PopulationSnapshot | None) -> Indicator:
    if snapshot is None or not snapshot.total:
        return _no_data("barracks")
    in_barracks = sum(occupancy.get(u.pk, 0) for u in units if u.kind == UnitKind.BARRACKS)
    share = in_barracks / snapshot.total
    value = format_percent(share)
    if in_barracks:
        reason = _("%(count)s people live in large dormitories; the CPT asks for smaller living units.") % {
            "count": format_number(in_barracks)}
        return Indicator("barracks", value, False, reason)
    return Indicator("barracks", value, True, _("Nobody is held in a barracks-type dormitory."))


def _minors_with_adults(facility: Facility, snapshot: PopulationSnapshot | None) -> Indicator:
    if snapshot is None:
        return _no_data("minors_with_adults")
    if holds_minors_with_adults(facility, snapshot):
        reason = _("%(minors)s minors and %(adults)s adults held in the same facility.") % {
            "minors": format_number(snapshot.minors), "adults": format_number(snapshot.adults)}
        return Indicator("minors_with_adults", _("Yes"), False, reason)
    if facility.type in FacilityType.for_children() and snapshot.adults:
        reason = _("Adults held in an institution for children.")
        return Indicator("minors_with_adults", _("Yes"), False, reason)
    return Indicator("minors_with_adults", _("No"), True, _("Minors are not held with adults."))


def _mothers_without_unit(units: list[Unit], snapshot: PopulationSnapshot | None) -> Indicator:
    if snapshot is None:
        return _no_data("mothers_without_unit")
    if not snapshot.mothers_with_children:
        return Indicator("mothers_without_unit", _("No"), None, _("No mothers with children held."))
    if any(u.kind == UnitKind.MOTHER_CHILD for u in units):
        return Indicator("mothers_without_unit", _("No"), True, _("A mother-and-child unit exists."))
    reason = _("%(mothers)s mothers live with %(children)s children without a mother-and-child unit.") % {
        "mothers": format_number(snapshot.mothers_with_children),
        "children": format_number(snapshot.children_with_mothers)}
    return Indicator("mothers_without_unit", _("Yes"), False, reason)
