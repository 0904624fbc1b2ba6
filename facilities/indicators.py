"""Derived indicators of a facility, each defined once and evaluated in SQL.

Every indicator is one SQL expression over a facility row (its latest snapshot and the unit
occupancy of that snapshot) giving a `Status`. The lists, the overview's counts and the profile
all read that same annotation (`with_indicators`), so a facility counted as "not met" on the
overview is "not met" on its profile. Python only puts the status into words.

A count that was not reported makes the indicator "unknown: not reported", never "met". The
thresholds are the CPT's: 4 m² of living space per person in shared accommodation and 6 m² in a
single cell, sanitary annex excluded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Case, Count, F, FilteredRelation, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from facilities.models import Facility, FacilityType, PopulationSnapshot, Unit, UnitKind, UnitOccupancy
from lib.charts import format_number, format_percent

CPT_MIN_SHARED_M2 = Decimal(4)
CPT_MIN_SINGLE_M2 = Decimal(6)


class Status(models.TextChoices):
    NOT_MET = "not_met", gettext_lazy("Not met")
    UNKNOWN = "unknown", gettext_lazy("Unknown: not reported")
    MET = "met", gettext_lazy("Met")
    NOT_APPLICABLE = "not_applicable", gettext_lazy("Not applicable")


# --- Inputs: per-unit conditions and per-facility aggregates, in SQL ---------------------------

def _unit_minimum(unit: str) -> Case:
    single = Q(**{f"{unit}kind": UnitKind.SINGLE_CELL}) | Q(**{f"{unit}capacity": 1})
    return Case(When(single, then=Value(CPT_MIN_SINGLE_M2)), default=Value(CPT_MIN_SHARED_M2),
                output_field=models.DecimalField(max_digits=8, decimal_places=1))


# Conditions on one unit's occupancy row (`occupancy` prefix) and its unit (`unit` prefix).
def below_minimum(occupancy: str = "", unit: str = "unit__") -> Q:
    """Occupied, with less living space than the CPT minimum times its occupants."""
    return (Q(**{f"{occupancy}occupants__gt": 0})
            & Q(**{f"{unit}living_space_m2__lt": _unit_minimum(unit) * F(f"{occupancy}occupants")}))


def minors_with_adults_in_unit(occupancy: str = "") -> Q:
    return Q(**{f"{occupancy}minors__gt": 0}) & Q(**{f"{occupancy}occupants__gt": F(f"{occupancy}minors")})


def minors_not_reported_in_unit(occupancy: str = "") -> Q:
    return Q(**{f"{occupancy}occupants__gt": 0}) & Q(**{f"{occupancy}minors__isnull": True})


BELOW_MINIMUM = below_minimum()

# Every unit of the facility, joined to its occupancy in the latest snapshot (if reported): one
# row per unit, so the counts below need no correlated subquery.
_UNIT, _OCC = "units__", "latest_occupancy__"


def capacity_figure() -> Case:
    """Operational capacity, else design capacity: the figure occupancy is measured against."""
    return Case(When(operational_capacity__gt=0, then=F("operational_capacity")), default=F("design_capacity"))


def _inputs() -> dict[str, Any]:
    """What the indicators read, as annotations named `in_*` (also shown in their reasons)."""
    reported = Q(latest_occupancy__isnull=False)
    barracks = Q(units__kind=UnitKind.BARRACKS)
    return {
        "in_units": Count("units"),
        "in_mother_child_units": Count("units", filter=Q(units__kind=UnitKind.MOTHER_CHILD)),
        "in_barracks_units": Count("units", filter=barracks),
        "in_reported_units": Count("latest_occupancy"),
        "in_reported_barracks": Count("latest_occupancy", filter=barracks),
        "in_below_minimum": Count("latest_occupancy", filter=below_minimum(_OCC, _UNIT)),
        "in_occupied_units": Count("latest_occupancy", filter=Q(latest_occupancy__occupants__gt=0)),
        "in_people_in_barracks": Coalesce(Sum("latest_occupancy__occupants", filter=barracks & reported), 0),
        "in_mixed_units": Count("latest_occupancy", filter=minors_with_adults_in_unit(_OCC)),
        "in_minors_not_reported_units": Count("latest_occupancy", filter=minors_not_reported_in_unit(_OCC)),
    }


NO_SNAPSHOT = Q(latest_snapshot__isnull=True)
OVERCROWDED = Q(latest_snapshot__total__gt=F("in_capacity"))
UNREPORTED_UNITS = Q(in_reported_units__lt=F("in_units"))


# --- The indicators ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Definition:
    key: str
    label: Promise
    # (condition, status) pairs: the first that holds decides; else `otherwise`.
    rules: tuple[tuple[Q, str], ...]
    otherwise: str
    explain: Callable[[Any, str], str]  # (annotated facility, status) -> reason
    inputs: tuple[str, ...] = ()  # the `in_*` annotations its rules read (besides in_capacity)

    @property
    def annotation(self) -> str:
        return f"indicator_{self.key}"

    def expression(self) -> Case:
        return Case(*(When(condition, then=Value(status)) for condition, status in self.rules),
                    default=Value(self.otherwise), output_field=models.CharField())


def _snapshot(facility: Any) -> PopulationSnapshot | None:
    return facility.latest_snapshot


def _no_report(_facility: Any) -> str:
    return _("No population count reported.")


def _explain_occupancy(f: Any, status: str) -> str:
    s = _snapshot(f)
    if s is None:
        return _no_report(f)
    values = {"held": format_number(s.total), "capacity": format_number(f.in_capacity)}
    if status == Status.NOT_MET:
        return _("%(held)s held for %(capacity)s places: overcrowded.") % values
    return _("%(held)s held for %(capacity)s places.") % values


def _explain_living_space(f: Any, status: str) -> str:
    if _snapshot(f) is None:
        return _no_report(f)
    if status == Status.NOT_MET:
        return _("%(count)s of %(total)s occupied units below the CPT minimum.") % {
            "count": format_number(f.in_below_minimum), "total": format_number(f.in_occupied_units)}
    if not f.in_units:
        return _("No living units are registered, so living space cannot be judged.")
    if status == Status.UNKNOWN:
        return _("Occupancy not reported for %(missing)s of %(units)s units.") % {
            "missing": format_number(f.in_units - f.in_reported_units), "units": format_number(f.in_units)}
    return _("Every occupied unit meets the CPT minimum.")


def _explain_barracks(f: Any, status: str) -> str:
    if _snapshot(f) is None:
        return _no_report(f)
    if status == Status.NOT_MET:
        return _("%(count)s people live in large dormitories; the CPT asks for smaller living units.") % {
            "count": format_number(f.in_people_in_barracks)}
    if status == Status.UNKNOWN and not f.in_units:
        return _("No living units are registered, so this cannot be judged.")
    if status == Status.UNKNOWN:
        return _("Occupancy of the barracks-type dormitories not reported.")
    return _("Nobody is held in a barracks-type dormitory.")


def _explain_minors(f: Any, status: str) -> str:
    s = _snapshot(f)
    if s is None:
        return _no_report(f)
    if status == Status.NOT_MET and f.in_mixed_units:
        return ngettext("In %(units)s living unit minors share the unit with adults.",
                        "In %(units)s living units minors share the unit with adults.",
                        f.in_mixed_units) % {"units": format_number(f.in_mixed_units)}
    if status == Status.NOT_MET:
        return _("Adults held in an institution for children.")
    if s.minors is None:
        return _("The number of minors was not reported.")
    if status == Status.UNKNOWN:
        return _("%(minors)s minors held; who shares a unit with them was not reported.") % {
            "minors": format_number(s.minors)}
    if not s.minors:
        return _("No minors held.")
    return _("Minors are held in units without adults.")


def _explain_mothers(f: Any, status: str) -> str:
    s = _snapshot(f)
    if s is None:
        return _no_report(f)
    if s.mothers_with_children is None:
        return _("The number of mothers with children was not reported.")
    if status == Status.NOT_APPLICABLE:
        return _("No mothers with children held.")
    if status == Status.MET:
        return _("A mother-and-child unit exists.")
    return _("%(mothers)s mothers live with their children without a mother-and-child unit.") % {
        "mothers": format_number(s.mothers_with_children)}


_FOR_CHILDREN = Q(type__in=sorted(FacilityType.for_children()))

DEFINITIONS: tuple[Definition, ...] = (
    Definition(
        "occupancy", gettext_lazy("Occupancy"),
        rules=((NO_SNAPSHOT, Status.UNKNOWN), (OVERCROWDED, Status.NOT_MET)),
        otherwise=Status.MET, explain=_explain_occupancy,
    ),
    Definition(
        "living_space", gettext_lazy("Living space per person"),
        rules=(
            (NO_SNAPSHOT, Status.UNKNOWN),
            (Q(in_below_minimum__gt=0), Status.NOT_MET),
            (Q(in_units=0) | UNREPORTED_UNITS, Status.UNKNOWN),
        ),
        otherwise=Status.MET, explain=_explain_living_space,
        inputs=("in_units", "in_reported_units", "in_below_minimum", "in_occupied_units"),
    ),
    Definition(
        "barracks", gettext_lazy("Held in barracks-type dormitories"),
        rules=(
            (NO_SNAPSHOT, Status.UNKNOWN),
            (Q(in_people_in_barracks__gt=0), Status.NOT_MET),
            (Q(in_units=0) | Q(in_reported_barracks__lt=F("in_barracks_units")), Status.UNKNOWN),
        ),
        otherwise=Status.MET, explain=_explain_barracks,
        inputs=("in_units", "in_barracks_units", "in_reported_barracks", "in_people_in_barracks"),
    ),
    Definition(
        "minors_with_adults", gettext_lazy("Minors held with adults (per living unit)"),
        rules=(
            (NO_SNAPSHOT, Status.UNKNOWN),
            (Q(in_mixed_units__gt=0), Status.NOT_MET),
            (_FOR_CHILDREN & Q(latest_snapshot__total__gt=F("latest_snapshot__minors")), Status.NOT_MET),
            (Q(latest_snapshot__minors__isnull=True), Status.UNKNOWN),
            (Q(latest_snapshot__minors=0), Status.MET),
            (Q(in_minors_not_reported_units__gt=0) | Q(in_units=0) | UNREPORTED_UNITS, Status.UNKNOWN),
        ),
        otherwise=Status.MET, explain=_explain_minors,
        inputs=("in_units", "in_reported_units", "in_mixed_units", "in_minors_not_reported_units"),
    ),
    Definition(
        "mothers_without_unit", gettext_lazy("Mothers with children without a mother-and-child unit"),
        rules=(
            (NO_SNAPSHOT | Q(latest_snapshot__mothers_with_children__isnull=True), Status.UNKNOWN),
            (Q(latest_snapshot__mothers_with_children=0), Status.NOT_APPLICABLE),
            (Q(in_mother_child_units__gt=0), Status.MET),
        ),
        otherwise=Status.NOT_MET, explain=_explain_mothers,
        inputs=("in_mother_child_units",),
    ),
)
BY_KEY: dict[str, Definition] = {d.key: d for d in DEFINITIONS}


def with_indicators(queryset: QuerySet[Facility], keys: tuple[str, ...] | None = None) -> QuerySet[Facility]:
    """Annotate each facility with its indicators' inputs (`in_*`) and statuses (`indicator_*`).

    `keys` limits the work to some indicators (a list filtered by one of them).
    """
    chosen = [d for d in DEFINITIONS if keys is None or d.key in keys]
    if "in_capacity" not in queryset.query.annotations:
        queryset = queryset.annotate(in_capacity=capacity_figure())
    needed = {name for d in chosen for name in d.inputs}
    inputs = {name: expression for name, expression in _inputs().items() if name in needed}
    if inputs:
        queryset = queryset.alias(latest_occupancy=FilteredRelation(
            "units__occupancies", condition=Q(units__occupancies__snapshot=F("latest_snapshot"))))
        queryset = queryset.annotate(**inputs)
    return queryset.annotate(**{d.annotation: d.expression() for d in chosen})


def status_of(definition: Definition, status: str) -> Q:
    """The facilities (annotated by `with_indicators`) whose indicator has this status."""
    return Q(**{definition.annotation: status})


# --- Words for one facility ---------------------------------------------------------------------

@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    status: str
    value: str
    reason: str

    @property
    def compliant(self) -> bool | None:
        """True met, False not met, None unknown or not applicable (for the API)."""
        return {Status.MET: True, Status.NOT_MET: False}.get(self.status)

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label)


@dataclass(frozen=True)
class UnitSpace:
    unit: Unit
    occupants: int | None  # None: not reported
    minors: int | None
    per_person_m2: Decimal | None
    minimum_m2: Decimal
    status: str


def occupancy_rate(population: int | None, capacity: int | None) -> float | None:
    if population is None or not capacity:
        return None
    return population / capacity


def minimum_space(unit: Unit) -> Decimal:
    return CPT_MIN_SINGLE_M2 if unit.kind == UnitKind.SINGLE_CELL or unit.capacity == 1 else CPT_MIN_SHARED_M2


def unit_space(units: list[Unit], occupancies: dict[int, UnitOccupancy]) -> list[UnitSpace]:
    """Each unit's living space per person; a unit's status follows BELOW_MINIMUM's rule."""
    rows = []
    for unit in units:
        occupancy = occupancies.get(unit.pk)
        minimum = minimum_space(unit)
        if occupancy is None:
            rows.append(UnitSpace(unit, None, None, None, minimum, Status.UNKNOWN))
            continue
        if not occupancy.occupants:
            rows.append(UnitSpace(unit, 0, occupancy.minors, None, minimum, Status.NOT_APPLICABLE))
            continue
        below = occupancy.below_minimum  # annotated from BELOW_MINIMUM by the selector
        per_person = (Decimal(unit.living_space_m2) / occupancy.occupants).quantize(Decimal("0.1"))
        rows.append(UnitSpace(unit, occupancy.occupants, occupancy.minors, per_person, minimum,
                              Status.NOT_MET if below else Status.MET))
    return rows


def _value(definition: Definition, f: Any, status: str, spaces: list[UnitSpace]) -> str:
    s = _snapshot(f)
    if status == Status.UNKNOWN and s is None:
        return "—"
    if definition.key == "occupancy":
        rate = occupancy_rate(s.total, f.in_capacity)
        return format_percent(rate) if rate is not None else "—"
    if definition.key == "living_space":
        occupied = [u for u in spaces if u.per_person_m2 is not None]
        if not occupied:
            return "—"
        worst = min(occupied, key=lambda u: u.per_person_m2 - u.minimum_m2)
        return _("%(m2)s m² (lowest)") % {"m2": format_number(worst.per_person_m2)}
    if definition.key == "barracks":
        return format_percent(f.in_people_in_barracks / s.total) if s.total and status != Status.UNKNOWN else "—"
    return str(Status(status).label)


def describe(facility: Any, spaces: list[UnitSpace] | None = None) -> list[Indicator]:
    """The indicators of one facility annotated by `with_indicators`, in words."""
    spaces = spaces or []
    result = []
    for d in DEFINITIONS:
        status = getattr(facility, d.annotation)
        result.append(Indicator(d.key, str(d.label), status, _value(d, facility, status, spaces),
                                d.explain(facility, status)))
    return result


@dataclass(frozen=True)
class Summary:
    not_met: int
    unknown: int
    judged: int  # indicators that are met or not met

    @classmethod
    def of(cls, indicators: list[Indicator]) -> Summary:
        statuses = [i.status for i in indicators]
        return cls(statuses.count(Status.NOT_MET), statuses.count(Status.UNKNOWN),
                   statuses.count(Status.NOT_MET) + statuses.count(Status.MET))
