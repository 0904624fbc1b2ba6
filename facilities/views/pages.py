"""The registry's pages: national overview, facility list, facility profile and its change history."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, replace
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from accounts.permissions import Capability, can, require
from facilities import population, selectors
from facilities.indicators import DEFINITIONS, Status, Summary, occupancy_rate
from facilities.models import (
    Facility,
    FacilityType,
    LegalStatus,
    PopulationSnapshot,
)
from facilities.views.access import facility_or_404
from lib.charts import (
    Bar,
    Point,
    Segment,
    bar_chart,
    format_percent,
    line_chart,
    linked_bar_chart,
    stacked_bar,
)

PAGE_SIZE = 50
HISTORY_PAGE_SIZE = 50


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Oversight users start at the national overview; a facility officer at their facility."""
    user = request.user
    if can(user, Capability.VIEW_OVERVIEW):
        return redirect("facilities:overview")
    if user.is_facility_officer and user.facility_id:
        return redirect("facilities:detail", pk=user.facility_id)
    if can(user, Capability.MANAGE_USERS):
        return redirect("accounts:users")
    return redirect("accounts:no_access")


# --- Overview ---------------------------------------------------------------------------------


def filter_query(f: selectors.FacilityFilter) -> dict[str, str]:
    """The list's query parameters for a filter: the overview's links are built from these."""
    query: dict[str, str] = {}
    for field in dataclasses.fields(f):
        value = getattr(f, field.name)
        if value is True:
            query[field.name] = "on"
        elif value:
            query[field.name] = str(value)
    return query


def _href(list_url: str, f: selectors.FacilityFilter) -> str:
    query = filter_query(f)
    return f"{list_url}?{urlencode(query)}" if query else list_url


@dataclass(frozen=True)
class LinkedFigure:
    label: str
    count: int
    href: str
    key: str = ""


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.VIEW_OVERVIEW)
    facilities = selectors.facilities_for(request.user)
    result = selectors.overview(facilities)
    detention = facilities.exclude(type=FacilityType.CRISIS_CENTRE)
    list_url = reverse("facilities:list")
    figures = {key: LinkedFigure(str(f.label), f.count, _href(list_url, f.filter), key)
               for key, f in result.figures.items()}
    indicator_rows = [
        {"label": d.label, "cells": [figures[f"indicator_{d.key}_{status.value}"] for status in Status]}
        for d in DEFINITIONS
    ]
    legal = [
        {**row, "link": LinkedFigure(str(row["label"]), row["facilities"], _href(list_url, row["filter"]))}
        for row in result.by_legal_status
    ]
    people = result.people
    shown = selectors.in_order(facilities, [pk for found in result.worst.values() for pk, _figure in found])
    by_id = {f.pk: f for f in shown}
    short_lists = {key: [by_id[pk] for pk, _figure in found if pk in by_id] for key, found in result.worst.items()}
    for pk, units in result.worst["minors_with_adults"]:
        by_id[pk].in_mixed_units = units
    context = {
        "overview": result,
        "figures": figures,
        "people": people,
        "reporting": result.reporting,
        "legal_statuses": legal,
        "statuses": list(Status),
        "indicator_rows": indicator_rows,
        "occupancy": occupancy_rate(people["total"], result.reporting_capacity),
        "cutoff": selectors.reporting_cutoff(),
        "type_chart": _type_chart(selectors.totals_by_type(detention), list_url),
        "region_chart": _region_chart(selectors.totals_by_region(detention), list_url),
        "groups_chart": _groups_chart(people, result.reporting, result["facilities"]),
        "bands_chart": _bands_chart(result.bands),
        "most_overcrowded": selectors.worst(
            facilities, replace(selectors.DETAINED, overcrowded=True), F("occupancy").desc(nulls_last=True)),
        "minors_with_adults": short_lists["minors_with_adults"],
        "mothers_without_unit": short_lists["mothers_without_unit"],
        "list_url": list_url,
    }
    return render(request, "facilities/overview.html", context)


@dataclass(frozen=True)
class ChartRow:
    """A row of the table that repeats a chart's figures for people who prefer numbers."""

    label: str
    facilities: int
    population: int
    capacity: int
    occupancy: float | None
    href: str


def _totals_rows(rows: list[dict[str, Any]], label: Any, href: Any) -> list[ChartRow]:
    return [
        ChartRow(
            label=label(row), facilities=row["facilities"], population=row["population"] or 0,
            capacity=row["capacity"] or 0, occupancy=occupancy_rate(row["population"], row["capacity"]),
            href=href(row),
        )
        for row in rows
    ]


def _capacity_chart(rows: list[ChartRow], *, title: str) -> dict[str, Any]:
    bars = [
        Bar(row.label, row.population, target=row.capacity,
            note=format_percent(row.occupancy) if row.occupancy is not None else "", href=row.href)
        for row in rows
    ]
    svg = linked_bar_chart(
        bars, title=title, value_label=_("people held"), target_label=_("places (operational capacity)"),
        empty_text=_("No facilities in your mandate."), links_label=_("List the facilities behind each bar"),
    )
    return {"svg": svg, "rows": rows, "title": title}


def _type_chart(totals: list[dict[str, Any]], list_url: str) -> dict[str, Any]:
    order = {value: i for i, value in enumerate(FacilityType.values)}
    totals = sorted(totals, key=lambda row: order.get(row["type"], len(order)))
    rows = _totals_rows(
        totals,
        label=lambda row: str(FacilityType(row["type"]).label) if row["type"] in order else row["type"],
        href=lambda row: _href(list_url, replace(selectors.DETAINED, type=row["type"])),
    )
    return _capacity_chart(rows, title=_("People held and places, by type of facility"))


def _region_chart(totals: list[dict[str, Any]], list_url: str) -> dict[str, Any]:
    language = (get_language() or "en")[:2]
    rows = _totals_rows(
        totals,
        label=lambda row: row.get(f"region__name_{language}") or row["region__name_en"],
        href=lambda row: _href(list_url, replace(selectors.DETAINED, region=row["region__code"])),
    )
    rows.sort(key=lambda row: (-row.population, row.label))
    return _capacity_chart(rows, title=_("People held and places, by region"))


def _groups_chart(people: dict[str, int | None], reporting: dict[str, int], facilities: int) -> dict[str, Any]:
    total = people["total"]
    rows = []
    for spec in population.VULNERABLE:
        value = people[spec.name]
        # Children living with their mothers are not among the people held, so no share of them.
        share = value / total if total and value is not None and spec.has_share else None
        rows.append((population.label(spec.name), value, share, reporting[spec.name]))
    bars = [Bar(label, value or 0, note=format_percent(share, 1) if share is not None else _("not reported"))
            for label, value, share, _reporting in rows]
    title = _("Groups in a situation of vulnerability")
    svg = bar_chart(bars, title=title, empty_text=_("No population data."))
    return {"svg": svg, "rows": rows, "title": title, "facilities": facilities}


BANDS = (
    # xgettext:no-python-format
    ("band_within_90", gettext_lazy("up to 90% of capacity"), "#1e6b34"),
    ("band_90_100", gettext_lazy("90% to 100%"), "#8a6d00"),
    ("band_100_120", gettext_lazy("100% to 120%: overcrowded"), "#d55e00"),
    ("band_over_120", gettext_lazy("over 120%: severely overcrowded"), "#b3261e"),
    ("without_data", gettext_lazy("no population data"), "#aab4c0"),
)


def _bands_chart(bands: dict[str, int]) -> dict[str, Any]:
    title = _("Facilities by occupancy")
    segments = [Segment(str(label), bands[key], colour) for key, label, colour in BANDS]
    return {"svg": stacked_bar(segments, title=title, empty_text=_("No facilities in your mandate.")), "title": title}


# --- Facility list ----------------------------------------------------------------------------

SORTS = {
    "code": ("sort_key", "code"),
    "name": ("name",),
    "occupancy": (F("occupancy").desc(nulls_last=True), "code"),
    "population": (F("latest_snapshot__total").desc(nulls_last=True), "code"),
}


class FacilityFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Name or institution code"), required=False, max_length=100)
    type = forms.ChoiceField(label=gettext_lazy("Type"), required=False)
    region = forms.ChoiceField(label=gettext_lazy("Region"), required=False)
    operator = forms.ChoiceField(label=gettext_lazy("Operator"), required=False)
    legal_status = forms.ChoiceField(label=gettext_lazy("Legal status of the people held"), required=False)
    indicator = forms.ChoiceField(label=gettext_lazy("Indicator"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("Indicator status"), required=False)
    data = forms.ChoiceField(label=gettext_lazy("Population data"), required=False)
    group = forms.ChoiceField(required=False, widget=forms.HiddenInput)
    detained = forms.BooleanField(label=gettext_lazy("Places of detention only"), required=False)
    overcrowded = forms.BooleanField(label=gettext_lazy("Overcrowded"), required=False)
    holds_minors = forms.BooleanField(label=gettext_lazy("Holds minors"), required=False)
    holds_mothers = forms.BooleanField(label=gettext_lazy("Holds mothers with children"), required=False)
    sort = forms.ChoiceField(label=gettext_lazy("Sort by"), required=False)

    def __init__(self, data: Any, *, regions: list[Any], operators: list[Any]) -> None:
        super().__init__(data)
        self.fields["type"].choices = [("", _("All types")), *FacilityType.choices]
        self.fields["region"].choices = [("", _("All regions")), *((r.code, r.name) for r in regions)]
        self.fields["operator"].choices = [("", _("All operators")), *((o.code, o.name) for o in operators)]
        self.fields["legal_status"].choices = [("", _("Any")), *LegalStatus.choices]
        self.fields["indicator"].choices = [("", _("Any")), *((d.key, d.label) for d in DEFINITIONS)]
        self.fields["status"].choices = [("", _("Any")), *Status.choices]
        self.fields["data"].choices = [("", _("Any")), *selectors.DataState.choices]
        self.fields["group"].choices = [("", ""), *((name, name) for name in selectors.GROUP_CONDITIONS)]
        self.fields["sort"].choices = [
            ("code", _("Institution code")), ("name", _("Name")), ("occupancy", _("Occupancy, highest first")),
            ("population", _("People held, most first")),
        ]

    def chosen(self) -> tuple[selectors.FacilityFilter, str]:
        """The valid part of the filter and the sort order; an invalid field is left out (and reported)."""
        if not self.is_bound:
            return selectors.FacilityFilter(), "code"
        self.is_valid()
        data = self.cleaned_data
        indicator, status = data.get("indicator", ""), data.get("status", "")
        chosen = selectors.FacilityFilter(
            type=data.get("type", ""), region=data.get("region", ""), operator=data.get("operator", ""),
            q=(data.get("q") or "").strip(), overcrowded=bool(data.get("overcrowded")),
            holds_minors=bool(data.get("holds_minors")), holds_mothers=bool(data.get("holds_mothers")),
            detained=bool(data.get("detained")), legal_status=data.get("legal_status", ""),
            indicator=indicator if status else "", status=status if indicator else "",
            data=data.get("data", ""), group=data.get("group", ""),
        )
        return chosen, data.get("sort") or "code"


@login_required
def facility_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.VIEW_FACILITY_LIST)
    facilities = selectors.facilities_for(request.user)
    regions, operators = selectors.facility_filter_choices(facilities)
    form = FacilityFilterForm(request.GET or None, regions=regions, operators=operators)
    chosen, sort = form.chosen()
    results = selectors.with_occupancy(selectors.filter_facilities(facilities, chosen))
    # The filter may need the indicators' aggregates; the rows do not. So the filtered, sorted
    # query yields only the page's ids, and the rows are read plainly by id.
    page = Paginator(_sorted(results, sort).values_list("pk", flat=True), PAGE_SIZE).get_page(request.GET.get("page"))
    shown = selectors.in_order(selectors.with_occupancy(facilities), list(page.object_list))
    rows = [_list_row(facility) for facility in shown]
    context = {"form": form, "page": page, "rows": rows, "filtered": chosen != selectors.FacilityFilter(),
               "cutoff": selectors.reporting_cutoff()}
    partial = request.htmx and not request.htmx.history_restore_request
    template = "facilities/facility_list.html" + ("#results" if partial else "")
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@dataclass(frozen=True)
class ListRow:
    facility: Facility
    completeness: population.Completeness | None
    stale: bool


def _list_row(facility: Facility) -> ListRow:
    snapshot = facility.latest_snapshot
    stale = snapshot is not None and snapshot.date < selectors.reporting_cutoff()
    return ListRow(facility, population.completeness(snapshot), stale)


def _sorted(results: QuerySet[Facility], sort: str) -> QuerySet[Facility]:
    if sort == "name":
        return results.order_by(f"name_{(get_language() or 'en')[:2]}", "code")
    return results.order_by(*SORTS.get(sort, SORTS["code"]))


# --- Facility profile -------------------------------------------------------------------------


@login_required
def facility_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Capability.VIEW_FACILITY)
    facility = facility_or_404(request, pk)
    snapshot = facility.latest_snapshot
    _annotated, facility_indicators, spaces = selectors.facility_indicators(facility)
    other = selectors.other_source_same_month(facility)
    series = [Point(date, total) for date, total in selectors.population_series(facility)]
    units = [space.unit for space in spaces]
    today = timezone.localdate()
    context = {
        "facility": facility,
        "snapshot": snapshot,
        "indicators": facility_indicators,
        "summary": Summary.of(facility_indicators),
        "occupancy_rate": occupancy_rate(snapshot.total if snapshot else None, facility.capacity),
        "unit_space": spaces,
        "completeness": population.completeness(snapshot),
        "age_days": (today - snapshot.date).days if snapshot else None,
        "stale": snapshot is not None and snapshot.date < selectors.reporting_cutoff(),
        "other_source": other,
        "comparison": _comparison(snapshot, other),
        "breakdown": _breakdown(snapshot),
        "composition_charts": _composition_charts(snapshot),
        "history_chart": line_chart(
            series, title=_("People held over the last five years"), value_label=_("people held"),
            reference=facility.capacity, reference_label=_("Capacity"),
            empty_text=_("No population data recorded yet."),
        ),
        "series": series,
        "places": sum(unit.capacity for unit in units),
    }
    return render(request, "facilities/facility_detail.html", context)


def _label(model: type, name: str) -> str:
    label = str(model._meta.get_field(name).verbose_name)
    return label[:1].upper() + label[1:]


def _breakdown(snapshot: PopulationSnapshot | None) -> list[tuple[str, int | None, float | None]]:
    if snapshot is None:
        return []
    rows = []
    for spec in population.BREAKDOWN:
        value = getattr(snapshot, spec.name)
        share = value / snapshot.total if snapshot.total and value is not None and spec.has_share else None
        rows.append((population.label(spec.name), value, share))
    return rows


@dataclass(frozen=True)
class ComparisonRow:
    label: str
    verified: int | None
    self_reported: int | None

    @property
    def difference(self) -> int | None:
        if self.verified is None or self.self_reported is None:
            return None
        return self.self_reported - self.verified


def _comparison(snapshot: PopulationSnapshot | None, other: PopulationSnapshot | None) -> list[ComparisonRow]:
    """Verified and self-reported counts of the same month, side by side."""
    if snapshot is None or other is None:
        return []
    verified, own = (snapshot, other) if snapshot.is_verified else (other, snapshot)
    return [ComparisonRow(population.label(name), getattr(verified, name), getattr(own, name))
            for name in population.NAMES]


def _composition_charts(snapshot: PopulationSnapshot | None) -> list[tuple[str, Any]]:
    """(caption, chart) pairs showing the make-up of the people held; only from reported counts."""
    if snapshot is None or not snapshot.total:
        return []
    charts = []
    if snapshot.women is not None:
        by_sex = _("People held by sex")
        charts.append((by_sex, stacked_bar(
            [Segment(_("Men"), snapshot.men, "#0b5cad"), Segment(_("Women"), snapshot.women, "#d55e00")],
            title=by_sex,
        )))
    if snapshot.minors is not None:
        by_age = _("People held by age")
        charts.append((by_age, stacked_bar(
            [Segment(_("Adults"), snapshot.adults, "#0b5cad"), Segment(_("Minors"), snapshot.minors, "#009e73")],
            title=by_age,
        )))
    return charts
