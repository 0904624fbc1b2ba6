"""Reads of the registry, scoped to the reader's mandate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from accounts.permissions import facility_scope
from facilities import search
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
            search.code_matches(f.q) | Q(name_en__icontains=f.q) | Q(name_ru__icontains=f.q)
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
    "below_age_of_responsibility", "disabled", "foreigners", "in_education", "in_vocational_training",
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


# --- Reads for the registry's web pages -------------------------------------------------------


def _capacity_figure() -> Any:
    """Operational capacity, else design capacity: the figure occupancy is measured against."""
    from django.db.models import Case, F, When

    return Case(When(operational_capacity__gt=0, then=F("operational_capacity")), default=F("design_capacity"))


def with_occupancy(queryset: QuerySet[Facility]) -> QuerySet[Facility]:
    """Annotate `occupancy`: latest population / capacity as a fraction, NULL without data or capacity."""
    from django.db.models import F, FloatField
    from django.db.models.functions import Cast, NullIf

    return queryset.alias(capacity_figure=_capacity_figure()).annotate(
        occupancy=Cast("latest_snapshot__total", FloatField()) / Cast(NullIf(F("capacity_figure"), 0), FloatField())
    )


def overview_figures(queryset: QuerySet[Facility]) -> dict[str, int]:
    """Headline counts of the facilities in one query.

    Sums run over each facility's latest snapshot. `reporting_capacity` is the capacity of the
    facilities that have population data, so national occupancy is not diluted by missing reports.
    The occupancy bands count facilities at <=90%, 90-100%, 100-120% and >120% of capacity.
    """
    from django.db.models import F

    capacity = _capacity_figure()
    has_data = Q(latest_snapshot__isnull=False)
    # Keys must not shadow field names: a later expression naming the field would get the sum.
    sums = queryset.order_by().aggregate(
        facilities=Count("pk"),
        design_places=Sum("design_capacity"),
        operational_places=Sum("operational_capacity"),
        reporting_capacity=Sum(capacity, filter=has_data),
        without_data=Count("pk", filter=~has_data),
        overcrowded=Count("pk", filter=Q(latest_snapshot__total__gt=capacity)),
        band_within_90=Count("pk", filter=has_data & Q(latest_snapshot__total__lte=capacity * 9 / 10)),
        band_90_100=Count("pk", filter=has_data & Q(latest_snapshot__total__lte=capacity)
                          & Q(latest_snapshot__total__gt=capacity * 9 / 10)),
        band_100_120=Count("pk", filter=Q(latest_snapshot__total__gt=capacity)
                           & Q(latest_snapshot__total__lte=capacity * 12 / 10)),
        band_over_120=Count("pk", filter=Q(latest_snapshot__total__gt=capacity * 12 / 10)),
        holding_minors_with_adults=Count(
            "pk", filter=Q(latest_snapshot__minors__gt=0) & Q(latest_snapshot__total__gt=F("latest_snapshot__minors"))
        ),
        **{name: Sum(f"latest_snapshot__{name}") for name in LATEST_SUM_FIELDS},
    )
    return {key: value or 0 for key, value in sums.items()}


def most_overcrowded(queryset: QuerySet[Facility], limit: int = 10) -> list[Facility]:
    """The facilities furthest over capacity, worst first, with `occupancy` annotated."""
    from django.db.models import F

    return list(with_occupancy(overcrowded(queryset)).order_by(F("occupancy").desc(nulls_first=True), "code")[:limit])


def facility_filter_choices(queryset: QuerySet[Facility]) -> tuple[list[Any], list[Any]]:
    """The regions and operators that occur among the facilities, for a filter form (two queries)."""
    from accounts.models import Organisation
    from facilities.models import Region

    facility_ids = queryset.order_by().values("pk")
    regions = list(Region.objects.filter(facilities__in=facility_ids).distinct().order_by("code"))
    operators = list(Organisation.objects.filter(operated_facilities__in=facility_ids).distinct().order_by("code"))
    return regions, operators


def population_series(facility: Facility, years: int = 5) -> list[tuple[Any, int]]:
    """(date, total) of the facility's snapshots in the `years` before its latest one, oldest first."""
    latest = facility.latest_snapshot
    snapshots = facility.snapshots.order_by("date")
    if latest is not None:
        try:
            since = latest.date.replace(year=latest.date.year - years)
        except ValueError:  # 29 February
            since = latest.date.replace(year=latest.date.year - years, day=28)
        snapshots = snapshots.filter(date__gt=since)
    return list(snapshots.values_list("date", "total"))


def registry_changes(facility: Facility) -> QuerySet[RegistryChange]:
    """Every audited change of the facility and its units and snapshots, newest first."""
    return facility.changes.select_related("actor", "actor__organisation").order_by("-at", "-id")


def registry_value_names(region_ids: set[int], operator_ids: set[int]) -> tuple[dict[int, Any], dict[int, Any]]:
    """Regions and operators by id, to show names instead of ids in a change history."""
    from accounts.models import Organisation
    from facilities.models import Region

    regions = Region.objects.in_bulk(region_ids) if region_ids else {}
    operators = Organisation.objects.in_bulk(operator_ids) if operator_ids else {}
    return regions, operators
