"""Reads of the registry, scoped to the reader's mandate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from accounts.permissions import facility_scope
from facilities.models import Facility, PopulationSnapshot, RegistryChange, Unit, UnitKind


def facilities_for(user: Any) -> QuerySet[Facility]:
    """Facilities the user may see, with what list pages show already joined."""
    scope = facility_scope(user)
    if scope is None:
        return Facility.objects.none()
    return Facility.objects.filter(scope).select_related("region", "operator", "latest_snapshot")


@dataclass(frozen=True)
class FacilityFilter:
    type: str = ""
    region: str = ""
    operator: str = ""
    q: str = ""
    overcrowded: bool = False
    holds_minors: bool = False
    holds_mothers: bool = False


def filter_facilities(queryset: QuerySet[Facility], f: FacilityFilter) -> QuerySet[Facility]:
    if f.type:
        queryset = queryset.filter(type=f.type)
    if f.region:
        queryset = queryset.filter(region__code=f.region)
    if f.operator:
        queryset = queryset.filter(operator__code=f.operator)
    if f.q:
        queryset = queryset.filter(
            Q(code__icontains=f.q) | Q(name_en__icontains=f.q) | Q(name_ru__icontains=f.q)
            | Q(name_kk__icontains=f.q)
        )
    if f.overcrowded:
        queryset = overcrowded(queryset)
    if f.holds_minors:
        queryset = queryset.filter(latest_snapshot__minors__gt=0)
    if f.holds_mothers:
        queryset = queryset.filter(latest_snapshot__mothers_with_children__gt=0)
    return queryset


def overcrowded(queryset: QuerySet[Facility]) -> QuerySet[Facility]:
    """Facilities whose latest population exceeds their capacity (operational, else design)."""
    from django.db.models import Case, F, When

    capacity = Case(
        When(operational_capacity__gt=0, then=F("operational_capacity")), default=F("design_capacity")
    )
    return queryset.alias(capacity_figure=capacity).filter(latest_snapshot__total__gt=F("capacity_figure"))


def facility_detail(user: Any, pk: int) -> Facility:
    """One facility in the user's mandate; raises Facility.DoesNotExist otherwise."""
    return facilities_for(user).get(pk=pk)


def units_of(facility: Facility) -> list[Unit]:
    return list(facility.units.order_by("code"))


def unit_occupancy(snapshot: PopulationSnapshot | None) -> dict[int, int]:
    if snapshot is None:
        return {}
    return dict(snapshot.occupancies.values_list("unit_id", "occupants"))


def population_history(facility: Facility) -> list[PopulationSnapshot]:
    return list(facility.snapshots.order_by("date"))


def registry_history(facility: Facility, limit: int = 50) -> list[RegistryChange]:
    return list(facility.changes.select_related("actor").order_by("-at", "-id")[:limit])


LATEST_SUM_FIELDS = (
    "total", "women", "pregnant_women", "mothers_with_children", "children_with_mothers", "minors",
    "disabled", "foreigners", "in_education", "in_vocational_training",
)


def national_totals(queryset: QuerySet[Facility]) -> dict[str, int]:
    """Sums over the latest snapshot of every facility in the queryset."""
    sums = queryset.aggregate(
        facilities=Count("pk"),
        design_capacity=Sum("design_capacity"),
        operational_capacity=Sum("operational_capacity"),
        **{name: Sum(f"latest_snapshot__{name}") for name in LATEST_SUM_FIELDS},
    )
    return {key: value or 0 for key, value in sums.items()}


def totals_by_type(queryset: QuerySet[Facility]) -> list[dict[str, Any]]:
    return list(
        queryset.order_by()
        .values("type")
        .annotate(
            facilities=Count("pk"),
            capacity=Sum("operational_capacity"),
            population=Sum("latest_snapshot__total"),
        )
        .order_by("type")
    )


def totals_by_region(queryset: QuerySet[Facility]) -> list[dict[str, Any]]:
    return list(
        queryset.order_by()
        .values("region__code", "region__name_kk", "region__name_ru", "region__name_en")
        .annotate(
            facilities=Count("pk"),
            capacity=Sum("operational_capacity"),
            population=Sum("latest_snapshot__total"),
        )
        .order_by("region__code")
    )


def mothers_without_unit(queryset: QuerySet[Facility]) -> QuerySet[Facility]:
    has_unit = Unit.objects.filter(facility=OuterRef("pk"), kind=UnitKind.MOTHER_CHILD)
    return queryset.filter(latest_snapshot__mothers_with_children__gt=0).exclude(Exists(has_unit))


def minors_with_adults(queryset: QuerySet[Facility]) -> QuerySet[Facility]:
    from django.db.models import F

    return queryset.filter(latest_snapshot__minors__gt=0, latest_snapshot__total__gt=F("latest_snapshot__minors"))

