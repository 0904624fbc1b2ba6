"""The registry's pages: national overview, facility list, facility profile and its change history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from accounts.permissions import Capability, can, require
from facilities import selectors
from facilities.audit import attach_ledger_indices
from facilities.indicators import compute, occupancy_rate
from facilities.models import (
    Facility,
    FacilityType,
    PopulationSnapshot,
    RegistryChange,
    Unit,
    UnitKind,
)
from facilities.views.access import facility_or_404
from ledger import publication
from lib.charts import (
    Bar,
    Point,
    Segment,
    bar_chart,
    format_number,
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
    return redirect("accounts:no_access")


# --- Overview ---------------------------------------------------------------------------------

VULNERABLE_GROUPS = (
    "women", "pregnant_women", "mothers_with_children", "children_with_mothers", "minors", "disabled",
    "foreigners",
)


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.VIEW_OVERVIEW)
    facilities = selectors.facilities_for(request.user)
    # Crisis centres shelter people who may leave: they are shown apart, so their residents
    # do not swell the figures of people deprived of liberty.
    detention = facilities.exclude(type=FacilityType.CRISIS_CENTRE)
    figures = selectors.overview_figures(detention)
    crisis = selectors.overview_figures(facilities.filter(type=FacilityType.CRISIS_CENTRE))
    facilities = detention
    list_url = reverse("facilities:list")
    context = {
        "figures": figures,
        "crisis": crisis,
        "crisis_url": f"{list_url}?{urlencode({'type': FacilityType.CRISIS_CENTRE})}",
        "occupancy": occupancy_rate(figures["total"], figures["reporting_capacity"]),
        "type_chart": _type_chart(selectors.totals_by_type(facilities), list_url),
        "region_chart": _region_chart(selectors.totals_by_region(facilities), list_url),
        "groups_chart": _groups_chart(figures),
        "bands_chart": _bands_chart(figures),
        "most_overcrowded": selectors.most_overcrowded(facilities, limit=10),
        "minors_with_adults": list(selectors.minors_with_adults(facilities).order_by("-latest_snapshot__minors")[:10]),
        "mothers_without_unit": list(
            selectors.mothers_without_unit(facilities).order_by("-latest_snapshot__mothers_with_children")[:10]
        ),
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
            note=f"{row.occupancy:.0%}" if row.occupancy is not None else "", href=row.href)
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
        href=lambda row: f"{list_url}?{urlencode({'type': row['type']})}",
    )
    return _capacity_chart(rows, title=_("People held and places, by type of facility"))


def _region_chart(totals: list[dict[str, Any]], list_url: str) -> dict[str, Any]:
    language = (get_language() or "en")[:2]
    rows = _totals_rows(
        totals,
        label=lambda row: row.get(f"region__name_{language}") or row["region__name_en"],
        href=lambda row: f"{list_url}?{urlencode({'region': row['region__code']})}",
    )
    rows.sort(key=lambda row: (-row.population, row.label))
    return _capacity_chart(rows, title=_("People held and places, by region"))


def _groups_chart(figures: dict[str, int]) -> dict[str, Any]:
    total = figures["total"]
    rows = []
    for name in VULNERABLE_GROUPS:
        label = str(PopulationSnapshot._meta.get_field(name).verbose_name)
        value = figures[name]
        # Children living with their mothers are not among the people held, so no share of them.
        share = value / total if total and name != "children_with_mothers" else None
        rows.append((label[:1].upper() + label[1:], value, share))
    bars = [Bar(label, value, note=f"{share:.1%}" if share is not None else "") for label, value, share in rows]
    svg = bar_chart(bars, title=_("Groups in a situation of vulnerability"), empty_text=_("No population data."))
    return {"svg": svg, "rows": rows, "title": _("Groups in a situation of vulnerability")}


BANDS = (
    # xgettext:no-python-format
    ("band_within_90", gettext_lazy("up to 90% of capacity"), "#1e6b34"),
    ("band_90_100", gettext_lazy("90% to 100%"), "#8a6d00"),
    ("band_100_120", gettext_lazy("100% to 120%: overcrowded"), "#d55e00"),
    ("band_over_120", gettext_lazy("over 120%: severely overcrowded"), "#b3261e"),
    ("without_data", gettext_lazy("no population data"), "#aab4c0"),
)


def _bands_chart(figures: dict[str, int]) -> dict[str, Any]:
    title = _("Facilities by occupancy")
    segments = [Segment(str(label), figures[key], colour) for key, label, colour in BANDS]
    return {"svg": stacked_bar(segments, title=title, empty_text=_("No facilities in your mandate.")), "title": title}


# --- Facility list ----------------------------------------------------------------------------

SORTS = {
    "code": ("code",),
    "name": ("name",),
    "occupancy": (F("occupancy").desc(nulls_last=True), "code"),
    "population": (F("latest_snapshot__total").desc(nulls_last=True), "code"),
}


class FacilityFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Name or institution code"), required=False, max_length=100)
    type = forms.ChoiceField(label=gettext_lazy("Type"), required=False)
    region = forms.ChoiceField(label=gettext_lazy("Region"), required=False)
    operator = forms.ChoiceField(label=gettext_lazy("Operator"), required=False)
    overcrowded = forms.BooleanField(label=gettext_lazy("Overcrowded"), required=False)
    holds_minors = forms.BooleanField(label=gettext_lazy("Holds minors"), required=False)
    holds_mothers = forms.BooleanField(label=gettext_lazy("Holds mothers with children"), required=False)
    sort = forms.ChoiceField(label=gettext_lazy("Sort by"), required=False)

    def __init__(self, data: Any, *, regions: list[Any], operators: list[Any]) -> None:
        super().__init__(data)
        self.fields["type"].choices = [("", _("All types")), *FacilityType.choices]
        self.fields["region"].choices = [("", _("All regions")), *((r.code, r.name) for r in regions)]
        self.fields["operator"].choices = [("", _("All operators")), *((o.code, o.name) for o in operators)]
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
        chosen = selectors.FacilityFilter(
            type=data.get("type", ""), region=data.get("region", ""), operator=data.get("operator", ""),
            q=(data.get("q") or "").strip(), overcrowded=bool(data.get("overcrowded")),
            holds_minors=bool(data.get("holds_minors")), holds_mothers=bool(data.get("holds_mothers")),
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
    page = Paginator(_sorted(results, sort), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "filtered": chosen != selectors.FacilityFilter()}
    partial = request.htmx and not request.htmx.history_restore_request
    template = "facilities/facility_list.html" + ("#results" if partial else "")
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _sorted(results: QuerySet[Facility], sort: str) -> QuerySet[Facility]:
    if sort == "name":
        return results.order_by(f"name_{(get_language() or 'en')[:2]}", "code")
    return results.order_by(*SORTS.get(sort, SORTS["code"]))


# --- Facility profile -------------------------------------------------------------------------

BREAKDOWN_FIELDS = (
    "women", "pregnant_women", "mothers_with_children", "children_with_mothers", "minors",
    "below_age_of_responsibility", "disabled",
    "foreigners", "in_education", "in_vocational_training",
)


@login_required
def facility_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Capability.VIEW_FACILITY)
    facility = facility_or_404(request, pk)
    snapshot = facility.latest_snapshot
    units = selectors.units_of(facility)
    result = compute(facility, snapshot, units, selectors.unit_occupancy(snapshot))
    series = [Point(date, total) for date, total in selectors.population_series(facility)]
    context = {
        "facility": facility,
        "snapshot": snapshot,
        "result": result,
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


def _breakdown(snapshot: PopulationSnapshot | None) -> list[tuple[str, int, float | None]]:
    if snapshot is None:
        return []
    rows = []
    for name in BREAKDOWN_FIELDS:
        value = getattr(snapshot, name)
        share = value / snapshot.total if snapshot.total and name != "children_with_mothers" else None
        rows.append((_label(PopulationSnapshot, name), value, share))
    return rows


def _composition_charts(snapshot: PopulationSnapshot | None) -> list[tuple[str, Any]]:
    """(caption, chart) pairs showing the make-up of the people held."""
    if snapshot is None or not snapshot.total:
        return []
    by_sex, by_age = _("People held by sex"), _("People held by age")
    return [
        (by_sex, stacked_bar(
            [Segment(_("Men"), snapshot.total - snapshot.women, "#0b5cad"),
             Segment(_("Women"), snapshot.women, "#d55e00")],
            title=by_sex,
        )),
        (by_age, stacked_bar(
            [Segment(_("Adults"), snapshot.adults, "#0b5cad"), Segment(_("Minors"), snapshot.minors, "#009e73")],
            title=by_age,
        )),
    ]


# --- Registry history -------------------------------------------------------------------------

RECORD_MODELS = {
    "facilities.facility": Facility,
    "facilities.unit": Unit,
    "facilities.populationsnapshot": PopulationSnapshot,
}


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class ChangeEntry:
    change: RegistryChange
    record: str
    fields: list[FieldChange]


@login_required
def facility_history(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Capability.VIEW_REGISTRY_HISTORY)
    facility = facility_or_404(request, pk)
    page = Paginator(selectors.registry_changes(facility), HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    changes = list(page.object_list)
    attach_ledger_indices(changes)
    region_ids, operator_ids = set(), set()
    for change in changes:
        for values in (change.before or {}, change.after or {}):
            if change.model == "facilities.facility":
                region_ids.add(values.get("region"))
                operator_ids.add(values.get("operator"))
    regions, operators = selectors.registry_value_names(region_ids - {None}, operator_ids - {None})
    names = {"region": regions, "operator": operators}
    entries = [_describe_change(change, names) for change in changes]
    # Changes logged below this ledger size have an offline proof in the published checkpoint.
    published_size = publication.published_size() if any(c.ledger_index is not None for c in changes) else 0
    return render(request, "facilities/facility_history.html", {
        "facility": facility, "page": page, "entries": entries, "published_size": published_size,
        "proof_links": can(request.user, Capability.VIEW_LEDGER),
    })


def _describe_change(change: RegistryChange, names: dict[str, dict[int, Any]]) -> ChangeEntry:
    model = RECORD_MODELS.get(change.model)
    before, after = change.before or {}, change.after or {}
    if model is Unit:
        record = _("Unit %(code)s") % {"code": after.get("code") or before.get("code", "")}
    elif model is PopulationSnapshot:
        record = _("Population on %(date)s") % {"date": after.get("date") or before.get("date", "")}
    elif model is Facility:
        record = _("Registry record")
    else:
        record = change.model
    fields = []
    for name in [*after, *(key for key in before if key not in after)]:
        old, new = before.get(name), after.get(name)
        if change.before is not None and old == new:
            continue
        if change.before is None and new in (None, "", 0, {}):
            continue
        fields.append(FieldChange(
            _field_label(model, name),
            _display(name, old, names) if change.before is not None else "—",
            _display(name, new, names),
        ))
    return ChangeEntry(change, record, fields)


# Fields without a verbose name of their own.
FIELD_LABELS = {
    "occupancy": gettext_lazy("Unit occupancy"),
    "name_kk": gettext_lazy("Name in Kazakh"),
    "name_ru": gettext_lazy("Name in Russian"),
    "name_en": gettext_lazy("Name in English"),
    "is_active": gettext_lazy("In use"),
    "region": gettext_lazy("Region"),
    "operator": gettext_lazy("Operator"),
}


def _field_label(model: type | None, name: str) -> str:
    if name in FIELD_LABELS:
        return str(FIELD_LABELS[name])
    if model is None:
        return name
    try:
        return _label(model, name)
    except FieldDoesNotExist:  # a field since removed from the model: show its stored name
        return name


CHOICE_LABELS = {"type": FacilityType, "kind": UnitKind}


def _display(name: str, value: Any, names: dict[str, dict[int, Any]]) -> str:
    if value is None or value == "":
        return "—"
    if name in names:
        found = names[name].get(value)
        return str(found) if found is not None else f"#{value}"
    if name in CHOICE_LABELS and value in CHOICE_LABELS[name].values:
        return str(CHOICE_LABELS[name](value).label)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dict):
        return ", ".join(f"{key}: {format_number(n)}" for key, n in value.items()) or "—"
    if isinstance(value, int):
        return format_number(value)
    return str(value)
