"""Reads of the registry, scoped to the reader's mandate."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.permissions import facility_scope
from facilities import indicators, population, search
from facilities.models import (
    Facility,
    FacilityType,
    LegalStatus,
    PopulationSnapshot,
    RegistryChange,
    ReportSource,
    Unit,
    UnitOccupancy,
)


def facilities_for(user: Any) -> QuerySet[Facility]:
    """Facilities the user may see, with what list pages show already joined."""
    scope = facility_scope(user)
    if scope is None:
        return Facility.objects.none()
    return Facility.objects.filter(scope).select_related("region", "operator", "latest_snapshot")


class DataState(models.TextChoices):
    """How complete and how recent a facility's latest population count is."""

    NO_DATA = "no_data", _("No population count")
    INCOMPLETE = "incomplete", _("Count with groups not reported")
    STALE = "stale", _("Count older than the reporting period")
    SELF_REPORTED = "self_reported", _("Latest count self-reported by the facility")
    VERIFIED = "verified", _("Latest count verified by an oversight body")


def reporting_cutoff(today: dt.date | None = None) -> dt.date:
    """A latest count dated before this is stale: one reporting period plus grace before today.

    Settings: POPULATION_REPORTING_PERIOD_DAYS (default 31), POPULATION_REPORTING_GRACE_DAYS (15).
    """
    today = today or timezone.localdate()
    period = int(getattr(settings, "POPULATION_REPORTING_PERIOD_DAYS", 31))
    grace = int(getattr(settings, "POPULATION_REPORTING_GRACE_DAYS", 15))
    return today - dt.timedelta(days=period + grace)


def data_condition(state: str) -> Q:
    """The facilities in one DataState, by their latest snapshot."""
    if state == DataState.NO_DATA:
        return Q(latest_snapshot__isnull=True)
    if state == DataState.INCOMPLETE:
        return population.incomplete_q("latest_snapshot__")
    if state == DataState.STALE:
        return Q(latest_snapshot__date__lt=reporting_cutoff())
    if state == DataState.SELF_REPORTED:
        return Q(latest_snapshot__source=ReportSource.SELF_REPORTED)
    if state == DataState.VERIFIED:
        return Q(latest_snapshot__source=ReportSource.VERIFIED)
    raise ValueError(state)


# The groups a list can be narrowed to by their latest count (the overview's linked figures).
GROUP_CONDITIONS: dict[str, Q] = {
    "holds_minors": Q(latest_snapshot__minors__gt=0),
    "holds_mothers": Q(latest_snapshot__mothers_with_children__gt=0),
    # Facility level, for context: minors and adults in the same facility, not necessarily together.
    "minors_and_adults": Q(latest_snapshot__minors__gt=0)
    & Q(latest_snapshot__total__gt=F("latest_snapshot__minors")),
}


@dataclass(frozen=True)
class FacilityFilter:
    type: str = ""
    region: str = ""
    operator: str = ""
    q: str = ""
    overcrowded: bool = False
    holds_minors: bool = False
    holds_mothers: bool = False
    detained: bool = False  # places of detention only: crisis centres left out
    legal_status: str = ""
    indicator: str = ""
    status: str = ""
    data: str = ""
    group: str = ""


def filter_facilities(queryset: QuerySet[Facility], f: FacilityFilter) -> QuerySet[Facility]:
    """The facilities matching every part of the filter: `condition(f)` over the prepared queryset."""
    return prepare(queryset, f).filter(condition(f))


def overcrowded(queryset: QuerySet[Facility]) -> QuerySet[Facility]:
    """Facilities whose latest population exceeds their capacity: the occupancy indicator not met."""
    return filter_facilities(queryset, FacilityFilter(overcrowded=True))


def facility_detail(user: Any, pk: int) -> Facility:
    """One facility in the user's mandate; raises Facility.DoesNotExist otherwise."""
    return facilities_for(user).get(pk=pk)


def units_of(facility: Facility) -> list[Unit]:
    return list(facility.units.order_by("code"))


def unit_occupancy(snapshot: PopulationSnapshot | None) -> dict[int, int]:
    if snapshot is None:
        return {}
    return dict(snapshot.occupancies.values_list("unit_id", "occupants"))


def unit_minors(snapshot: PopulationSnapshot | None) -> dict[int, int]:
    """Minors per unit id, for the units whose minors were reported."""
    if snapshot is None:
        return {}
    return dict(snapshot.occupancies.filter(minors__isnull=False).values_list("unit_id", "minors"))


def population_history(facility: Facility) -> list[PopulationSnapshot]:
    return list(facility.snapshots.order_by("date"))


def registry_history(facility: Facility, limit: int = 50) -> list[RegistryChange]:
    return list(facility.changes.select_related("actor").order_by("-at", "-id")[:limit])


# --- The overview: every figure counted by the condition its list filters on -------------------


def prepare(queryset: QuerySet[Facility], f: FacilityFilter | None = None) -> QuerySet[Facility]:
    """Annotate what `condition` may refer to: the capacity figure, and the indicators when asked."""
    if "in_capacity" not in queryset.query.annotations:
        queryset = queryset.annotate(in_capacity=indicators.capacity_figure())
    if f is None:
        queryset = indicators.with_indicators(queryset)
    elif f.indicator:
        queryset = indicators.with_indicators(queryset, keys=(f.indicator,))
    return queryset


def condition(f: FacilityFilter) -> Q:
    """The one condition behind a filtered list and the overview figure that links to it."""
    c = Q()
    if f.type:
        c &= Q(type=f.type)
    if f.region:
        c &= Q(region__code=f.region)
    if f.operator:
        c &= Q(operator__code=f.operator)
    if f.q:
        c &= (search.code_matches(f.q) | Q(name_en__icontains=f.q) | Q(name_ru__icontains=f.q)
              | Q(name_kk__icontains=f.q))
    if f.detained:
        c &= ~Q(type=FacilityType.CRISIS_CENTRE)
    if f.legal_status:
        c &= Q(type__in=LegalStatus(f.legal_status).facility_types())
    if f.data:
        c &= data_condition(f.data)
    if f.group:
        c &= GROUP_CONDITIONS[f.group]
    if f.holds_minors:
        c &= GROUP_CONDITIONS["holds_minors"]
    if f.holds_mothers:
        c &= GROUP_CONDITIONS["holds_mothers"]
    if f.overcrowded:
        c &= indicators.OVERCROWDED
    if f.indicator and f.status:
        c &= indicators.status_of(indicators.BY_KEY[f.indicator], f.status)
    return c


@dataclass(frozen=True)
class Figure:
    """A count of facilities on the overview and the filter of the list it links to."""

    key: str
    label: Any
    filter: FacilityFilter
    count: int = 0


DETAINED = FacilityFilter(detained=True)


def _figure_filters() -> dict[str, tuple[Any, FacilityFilter]]:
    d = DETAINED
    figures: dict[str, tuple[Any, FacilityFilter]] = {
        "facilities": (_("Places of detention"), d),
        "overcrowded": (_("Overcrowded facilities"), replace(d, overcrowded=True)),
        **{f"data_{state.value}": (state.label, replace(d, data=state.value)) for state in DataState},
        **{f"group_{name}": (name, replace(d, group=name)) for name in GROUP_CONDITIONS},
    }
    for definition in indicators.DEFINITIONS:
        for status in indicators.Status:
            figures[f"indicator_{definition.key}_{status.value}"] = (
                status.label, replace(d, indicator=definition.key, status=status.value))
    return figures


@dataclass
class Overview:
    figures: dict[str, Figure]
    people: dict[str, int | None]  # sums over the latest snapshots; None: nobody reported it
    reporting: dict[str, int]  # per count, the facilities whose latest snapshot reports it
    reporting_capacity: int
    bands: dict[str, int]
    by_legal_status: list[dict[str, Any]]
    # The first ten facilities of an indicator's "not met" list, worst first: (id, the ordering figure).
    worst: dict[str, list[tuple[int, int]]] = dataclasses.field(default_factory=dict)

    def __getitem__(self, key: str) -> int:
        return self.figures[key].count


# The overview's short lists: an indicator's "not met" facilities ordered by this input, most first.
WORST_BY = {
    "minors_with_adults": (indicators.Status.NOT_MET, "in_mixed_units"),
    "mothers_without_unit": (indicators.Status.NOT_MET, "latest_snapshot__mothers_with_children"),
}

BANDS = ("band_within_90", "band_90_100", "band_100_120", "band_over_120")


def overview(queryset: QuerySet[Facility]) -> Overview:
    """Every overview figure in three queries, each counted by the condition of the list it links to.

    Headline figures cover places of detention; the split by legal status covers the whole mandate
    (crisis centres' residents, who are not detained, shown as their own group).
    """
    filters = _figure_filters()
    has_data = Q(latest_snapshot__isnull=False)
    capacity = F("in_capacity")
    detained = prepare(queryset, DETAINED).filter(condition(DETAINED)).order_by()
    counted = {key: f for key, (_label, f) in filters.items() if not f.indicator}
    sums = detained.aggregate(
        **{f"figure_{key}": Count("pk", filter=condition(f)) for key, f in counted.items()},
        **{f"sum_{name}": Sum(f"latest_snapshot__{name}") for name in population.NAMES},
        **{f"reporting_{name}": Count(f"latest_snapshot__{name}") for name in population.NAMES},
        reporting_capacity=Sum(capacity, filter=has_data),
        band_within_90=Count("pk", filter=has_data & Q(latest_snapshot__total__lte=capacity * 9 / 10)),
        band_90_100=Count("pk", filter=Q(latest_snapshot__total__lte=capacity)
                          & Q(latest_snapshot__total__gt=capacity * 9 / 10)),
        band_100_120=Count("pk", filter=Q(latest_snapshot__total__gt=capacity)
                           & Q(latest_snapshot__total__lte=capacity * 12 / 10)),
        band_over_120=Count("pk", filter=Q(latest_snapshot__total__gt=capacity * 12 / 10)),
    )
    # Indicator statuses: each facility's annotation, the very value `condition` filters the list on.
    annotations = [d.annotation for d in indicators.DEFINITIONS]
    tally: Counter[tuple[str, str]] = Counter()
    worst_of: dict[str, list[tuple[Any, str, int]]] = {key: [] for key in WORST_BY}
    rows = indicators.with_indicators(detained).values_list(
        "pk", "code", *annotations, *(column for _status, column in WORST_BY.values()))
    for pk, code, *values in rows:
        statuses = dict(zip((d.key for d in indicators.DEFINITIONS), values, strict=False))
        tally.update(statuses.items())
        by = dict(zip(WORST_BY, values[len(annotations):], strict=True))
        for key, (status, _column) in WORST_BY.items():
            if statuses[key] == status:
                worst_of[key].append((-(by[key] or 0), code, pk))
    for key, (_label, f) in filters.items():
        if f.indicator:
            sums[f"figure_{key}"] = tally[f.indicator, f.status]
    figures = {key: Figure(key, label, f, sums[f"figure_{key}"] or 0) for key, (label, f) in filters.items()}
    statuses = queryset.order_by().aggregate(**{
        f"{agg}_{status.value}": fn
        for status in LegalStatus
        for agg, fn in (
            ("facilities", Count("pk", filter=Q(type__in=status.facility_types()))),
            ("people", Sum("latest_snapshot__total", filter=Q(type__in=status.facility_types()))),
            ("reporting", Count("latest_snapshot", filter=Q(type__in=status.facility_types()))),
        )
    })
    by_status = [
        {"status": status, "label": status.label, "facilities": statuses[f"facilities_{status.value}"] or 0,
         "people": statuses[f"people_{status.value}"], "reporting": statuses[f"reporting_{status.value}"] or 0,
         "filter": FacilityFilter(legal_status=status.value)}
        for status in LegalStatus
    ]
    return Overview(
        figures=figures,
        people={name: sums[f"sum_{name}"] for name in population.NAMES},
        reporting={name: sums[f"reporting_{name}"] or 0 for name in population.NAMES},
        reporting_capacity=sums["reporting_capacity"] or 0,
        bands={**{band: sums[band] or 0 for band in BANDS}, "without_data": figures["data_no_data"].count},
        by_legal_status=by_status,
        worst={key: [(pk, -minus) for minus, _code, pk in sorted(found)[:10]] for key, found in worst_of.items()},
    )


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


def with_occupancy(queryset: QuerySet[Facility]) -> QuerySet[Facility]:
    """Annotate `occupancy`: latest population / capacity as a fraction, NULL without data or capacity."""
    from django.db.models import FloatField
    from django.db.models.functions import Cast, NullIf

    if "in_capacity" not in queryset.query.annotations:
        queryset = queryset.annotate(in_capacity=indicators.capacity_figure())
    return queryset.annotate(
        occupancy=Cast("latest_snapshot__total", FloatField()) / Cast(NullIf(F("in_capacity"), 0), FloatField())
    )


def worst(queryset: QuerySet[Facility], f: FacilityFilter, *order: Any, limit: int = 10) -> list[Facility]:
    """The first facilities of the list `f` filters, in `order` (with `occupancy` annotated)."""
    return list(with_occupancy(filter_facilities(queryset, f)).order_by(*order, "code")[:limit])


def facility_indicators(facility: Facility) -> tuple[Facility, list[Any], list[Any]]:
    """The facility annotated by `with_indicators`, its indicators in words, and its units' space."""
    annotated = indicators.with_indicators(
        Facility.objects.filter(pk=facility.pk).select_related("latest_snapshot")
    ).get()
    annotated.latest_snapshot = facility.latest_snapshot
    units = units_of(facility)
    occupancies = {}
    if facility.latest_snapshot_id:
        occupancies = {
            o.unit_id: o for o in UnitOccupancy.objects.filter(snapshot_id=facility.latest_snapshot_id)
            .annotate(below_minimum=models.ExpressionWrapper(indicators.BELOW_MINIMUM,
                                                             output_field=models.BooleanField()))
        }
    spaces = indicators.unit_space(units, occupancies)
    return annotated, indicators.describe(annotated, spaces), spaces


def other_source_same_month(facility: Facility) -> PopulationSnapshot | None:
    """The latest count of the latest one's month from the other source (self-reported vs verified)."""
    latest = facility.latest_snapshot
    if latest is None:
        return None
    start = latest.date.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return (facility.snapshots.filter(date__gte=start, date__lt=end).exclude(source=latest.source)
            .order_by("-date").first())


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
    # One figure per month: a verified count wins over the facility's own.
    by_month: dict[tuple[int, int], tuple[Any, int, str]] = {}
    for date, total, source in snapshots.values_list("date", "total", "source"):
        key = (date.year, date.month)
        held = by_month.get(key)
        if held is None or (source == ReportSource.VERIFIED) >= (held[2] == ReportSource.VERIFIED):
            by_month[key] = (date, total, source)
    return [(date, total) for date, total, _source in sorted(by_month.values())]


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


def in_order(queryset: QuerySet[Facility], ids: list[int]) -> list[Facility]:
    """The facilities with these ids, in the order given (one query)."""
    found = {f.pk: f for f in queryset.filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]
