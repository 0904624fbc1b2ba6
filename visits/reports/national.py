"""The national view of findings and recommendations: every figure a count of one filter, with its link.

The figures follow the reader's mandate (`selectors.findings_for`, `recommendations_for`); a list
page counts exactly the same condition, so the figure equals the rows its link shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, IntegerField, Max, Min, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from facilities.models import Facility, FacilityType, Region
from lib.charts import Bar, Segment, bar_chart, linked_bar_chart, stacked_bar
from visits.models import RecommendationStatus, Severity, Theme
from visits.reports import selectors
from visits.reports.selectors import FindingFilter, RecommendationFilter


@dataclass
class Figure:
    label: str
    count: int
    href: str
    key: str = ""


@dataclass
class YearRow:
    year: int
    figures: dict[str, Figure] = field(default_factory=dict)


def _finding_href(f: FindingFilter) -> str:
    query = f.query()
    return reverse("visits:finding-list") + (f"?{query}" if query else "")


def _recommendation_href(f: RecommendationFilter) -> str:
    query = f.query()
    return reverse("visits:recommendation-list") + (f"?{query}" if query else "")


def theme_labels(keys: list[str]) -> dict[str, str]:
    """Each theme key's label in the reader's language, from the newest catalogue that has it."""
    labels: dict[str, str] = {}
    for theme in Theme.objects.filter(key__in=keys).order_by("catalogue_id"):
        labels[theme.key] = theme.label
    return labels


# Each column of the recommendations table: the filter its figures link to, and the same condition
# on a recommendation's (response, status), for counting grouped rows. A test follows every link.
RECOMMENDATION_COLUMNS: tuple[tuple[str, Any, Any], ...] = (
    ("issued", lambda year: RecommendationFilter(year=year), lambda response, status: True),
    ("accepted", lambda year: RecommendationFilter(year=year, response=RecommendationStatus.ACCEPTED),
     lambda response, status: response == RecommendationStatus.ACCEPTED),
    ("partly_accepted", lambda year: RecommendationFilter(year=year, response=RecommendationStatus.PARTLY_ACCEPTED),
     lambda response, status: response == RecommendationStatus.PARTLY_ACCEPTED),
    ("rejected", lambda year: RecommendationFilter(year=year, response=RecommendationStatus.REJECTED),
     lambda response, status: response == RecommendationStatus.REJECTED),
    ("no_response", lambda year: RecommendationFilter(year=year, response="none"),
     lambda response, status: response == ""),
    ("implemented", lambda year: RecommendationFilter(year=year, status=RecommendationStatus.IMPLEMENTED),
     lambda response, status: status == RecommendationStatus.IMPLEMENTED),
)


def national_view(user: Any) -> dict[str, Any]:
    findings = selectors.findings_for(user)
    confirmed = findings.filter(FindingFilter().condition())
    total = confirmed.count()

    # Grouped by theme row (no join), then by key: a theme keeps its key across catalogue versions.
    theme_keys = dict(Theme.objects.values_list("pk", "key"))
    per_key: dict[str, int] = {}
    for theme_id, n in confirmed.order_by().values_list("theme_id").annotate(n=Count("id")):
        per_key[theme_keys[theme_id]] = per_key.get(theme_keys[theme_id], 0) + n
    labels = theme_labels(list(per_key))
    themes = [Figure(labels.get(key, key), n, _finding_href(FindingFilter(theme=key)), key)
              for key, n in sorted(per_key.items(), key=lambda item: (-item[1], item[0]))]

    severity_counts = dict(confirmed.values_list("severity").annotate(n=Count("id")))
    severities = [Figure(str(Severity(s).label), severity_counts.get(s, 0), _finding_href(FindingFilter(severity=s)), s)
                  for s in Severity.values]
    # The open findings by facility and severity, once: the open figures and the top facilities come from it.
    open_rows = list(confirmed.filter(selectors.open_condition()).order_by()
                     .values_list("facility_id", "severity").annotate(n=Count("id")))
    open_counts: dict[str, int] = {}
    critical_by_facility: dict[int, int] = {}
    for facility_id, severity, n in open_rows:
        open_counts[severity] = open_counts.get(severity, 0) + n
        if severity == Severity.CRITICAL:
            critical_by_facility[facility_id] = n
    open_severities = [Figure(str(Severity(s).label), open_counts.get(s, 0),
                              _finding_href(FindingFilter(severity=s, open=True)), s) for s in Severity.values]

    region_counts = list(confirmed.values("facility__region_id").annotate(n=Count("id")).order_by("-n"))
    regions = {r.pk: r for r in Region.objects.filter(pk__in=[row["facility__region_id"] for row in region_counts])}
    by_region = [Figure(regions[row["facility__region_id"]].name, row["n"],
                        _finding_href(FindingFilter(region=regions[row["facility__region_id"]].code)),
                        regions[row["facility__region_id"]].code) for row in region_counts]

    type_counts = list(confirmed.values("facility__type").annotate(n=Count("id")).order_by("-n"))
    by_type = [Figure(str(FacilityType(row["facility__type"]).label) if row["facility__type"] in FacilityType.values
                      else row["facility__type"], row["n"], _finding_href(FindingFilter(type=row["facility__type"])),
                      row["facility__type"]) for row in type_counts]

    top = [{"facility_id": pk, "n": n} for pk, n in
           sorted(critical_by_facility.items(), key=lambda item: (-item[1], item[0]))[:10]]
    facilities = {f.pk: f for f in Facility.objects.filter(pk__in=[row["facility_id"] for row in top])}
    most_open_critical = [
        (facilities[row["facility_id"]],
         Figure(facilities[row["facility_id"]].name, row["n"],
                _finding_href(FindingFilter(severity=Severity.CRITICAL, open=True, facility=row["facility_id"])),
                str(row["facility_id"])),
         reverse("visits:facility-follow-up", args=[row["facility_id"]]))
        for row in top
    ]

    recommendations = selectors.recommendations_for(user)
    # The year each recommendation falls in, by the same lookup as the list's year filter, then
    # grouped by year, response and status: one query of a few hundred rows at most.
    span = recommendations.aggregate(first=Min("issued_at"), last=Max("issued_at"))
    years_range = (list(range(timezone.localtime(span["first"]).year, timezone.localtime(span["last"]).year + 1))
                   if span["first"] else [])
    column_labels = recommendation_column_labels()
    counts: dict[tuple[str, int | None], int] = {}
    if years_range:
        year_of = Case(*[When(RecommendationFilter(year=y).condition(), then=Value(y)) for y in years_range],
                       default=Value(0), output_field=IntegerField())
        grouped = (recommendations.order_by().annotate(issued_year=year_of)
                   .values_list("issued_year", "response", "status").annotate(n=Count("id")))
        for year, response, status, n in grouped:
            for key, _make, applies in RECOMMENDATION_COLUMNS:
                if applies(response, status):
                    counts[(key, year)] = counts.get((key, year), 0) + n
                    counts[(key, None)] = counts.get((key, None), 0) + n
    years = [YearRow(year, {key: Figure(column_labels[key], counts.get((key, year), 0),
                                        _recommendation_href(make(year)), key)
                            for key, make, _applies in RECOMMENDATION_COLUMNS})
             for year in years_range if counts.get(("issued", year))]
    totals = {key: Figure(column_labels[key], counts.get((key, None), 0), _recommendation_href(make(None)), key)
              for key, make, _applies in RECOMMENDATION_COLUMNS}
    overdue = Figure(_("Responses overdue"), recommendations.filter(RecommendationFilter(overdue=True).condition())
                     .count(), _recommendation_href(RecommendationFilter(overdue=True)), "overdue")

    return {
        "total": Figure(_("Confirmed findings"), total, _finding_href(FindingFilter()), "confirmed"),
        "themes": themes, "severities": severities, "open_severities": open_severities,
        "regions": by_region, "types": by_type, "most_open_critical": most_open_critical,
        "years": years, "totals": totals, "overdue": overdue, "column_labels": column_labels,
        "charts": _charts(themes, by_region, by_type, years, totals),
    }


def recommendation_column_labels() -> dict[str, str]:
    return {
        "issued": _("Issued"), "accepted": _("Accepted"), "partly_accepted": _("Partly accepted"),
        "rejected": _("Rejected"), "no_response": _("No response yet"), "implemented": _("Implemented"),
    }


def _bars(figures: list[Figure]) -> list[Bar]:
    return [Bar(label=f.label, value=f.count, href=f.href) for f in figures]


def _charts(themes: list[Figure], regions: list[Figure], types: list[Figure], years: list[YearRow],
            totals: dict[str, Figure], *, linked: bool = True) -> dict[str, Any]:
    chart = linked_bar_chart if linked else bar_chart
    extra = {"links_label": _("Lists of these findings")} if linked else {}
    empty = _("No confirmed findings yet.")
    year_bars = [Bar(label=str(row.year), value=row.figures["issued"].count,
                     note=_("%(accepted)s accepted, %(implemented)s implemented") % {
                         "accepted": row.figures["accepted"].count, "implemented": row.figures["implemented"].count},
                     href=row.figures["issued"].href) for row in years]
    return {
        "themes": chart(_bars(themes), title=_("Confirmed findings by theme"), empty_text=empty, **extra),
        "regions": chart(_bars(regions), title=_("Confirmed findings by region"), empty_text=empty, **extra),
        "types": chart(_bars(types), title=_("Confirmed findings by type of facility"), empty_text=empty, **extra),
        "years": (linked_bar_chart(year_bars, title=_("Recommendations issued by year"),
                                   links_label=_("Lists of these recommendations"),
                                   empty_text=_("No recommendations yet.")) if linked else
                  bar_chart(year_bars, title=_("Recommendations issued by year"),
                            empty_text=_("No recommendations yet."))),
        "responses": stacked_bar([Segment(totals[key].label, totals[key].count) for key in
                                  ("accepted", "partly_accepted", "rejected", "no_response")],
                                 title=_("Responses to recommendations"), empty_text=_("No recommendations yet.")),
    }
