"""The national view of findings and recommendations: every figure a count of one filter, with its link.

The figures follow the reader's mandate (`selectors.findings_for`, `recommendations_for`); a list
page counts exactly the same condition, so the figure equals the rows its link shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import ExtractYear
from django.urls import reverse
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


RECOMMENDATION_COLUMNS = (
    ("issued", lambda year: RecommendationFilter(year=year)),
    ("accepted", lambda year: RecommendationFilter(year=year, response=RecommendationStatus.ACCEPTED)),
    ("partly_accepted", lambda year: RecommendationFilter(year=year, response=RecommendationStatus.PARTLY_ACCEPTED)),
    ("rejected", lambda year: RecommendationFilter(year=year, response=RecommendationStatus.REJECTED)),
    ("no_response", lambda year: RecommendationFilter(year=year, response="none")),
    ("implemented", lambda year: RecommendationFilter(year=year, status=RecommendationStatus.IMPLEMENTED)),
)


def national_view(user: Any) -> dict[str, Any]:
    findings = selectors.findings_for(user)
    confirmed = findings.filter(FindingFilter().condition())
    total = confirmed.count()

    by_theme = list(confirmed.values("theme__key").annotate(n=Count("id")).order_by("-n", "theme__key"))
    labels = theme_labels([row["theme__key"] for row in by_theme])
    themes = [Figure(labels.get(row["theme__key"], row["theme__key"]), row["n"],
                     _finding_href(FindingFilter(theme=row["theme__key"])), row["theme__key"]) for row in by_theme]

    severity_counts = dict(confirmed.values_list("severity").annotate(n=Count("id")))
    severities = [Figure(str(Severity(s).label), severity_counts.get(s, 0), _finding_href(FindingFilter(severity=s)), s)
                  for s in Severity.values]
    open_counts = dict(confirmed.filter(selectors.open_condition()).values_list("severity").annotate(n=Count("id")))
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

    top = list(confirmed.filter(selectors.open_condition(), severity=Severity.CRITICAL)
               .values("facility_id").annotate(n=Count("id")).order_by("-n", "facility_id")[:10])
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
    aggregates = {
        "issued": Count("id"),
        "accepted": Count("id", filter=Q(response=RecommendationStatus.ACCEPTED)),
        "partly_accepted": Count("id", filter=Q(response=RecommendationStatus.PARTLY_ACCEPTED)),
        "rejected": Count("id", filter=Q(response=RecommendationStatus.REJECTED)),
        "no_response": Count("id", filter=Q(response="")),
        "implemented": Count("id", filter=Q(status=RecommendationStatus.IMPLEMENTED)),
    }
    yearly = list(recommendations.annotate(year=ExtractYear("issued_at")).values("year")
                  .annotate(**aggregates).order_by("year"))
    column_labels = recommendation_column_labels()
    years = []
    for row in yearly:
        years.append(YearRow(row["year"], {
            key: Figure(column_labels[key], row[key], _recommendation_href(make(row["year"])), key)
            for key, make in RECOMMENDATION_COLUMNS}))
    totals_row = recommendations.aggregate(**aggregates)
    totals = {key: Figure(column_labels[key], totals_row[key] or 0, _recommendation_href(make(None)), key)
              for key, make in RECOMMENDATION_COLUMNS}
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
