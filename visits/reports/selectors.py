"""Reads of findings and recommendations, scoped to the reader's mandate once, here.

The national view's figures and the lists they link to are computed from one filter each
(`FindingFilter`, `RecommendationFilter`): a figure is the count of its list's condition, so the
figure and the list cannot disagree.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import QueryDict
from django.utils.http import urlencode

from accounts.permissions import Capability, can, facility_scope
from facilities.models import Facility, FacilityType
from visits.models import (
    Finding,
    FindingStatus,
    Recommendation,
    RecommendationStatus,
    Severity,
    Visit,
)


def _facilities(user: Any) -> QuerySet[Facility] | None:
    if not can(user, Capability.VIEW_FINDINGS):
        return None
    scope = facility_scope(user)
    return None if scope is None else Facility.objects.filter(scope)


def _national(user: Any) -> bool:
    """A national mandate: no facility filter is needed (and none is added, so indexes serve the counts)."""
    scope = facility_scope(user)
    return scope is not None and not scope and can(user, Capability.VIEW_FINDINGS)


def visits_in_mandate(user: Any) -> QuerySet[Visit]:
    """The visits whose findings, recommendations and report the user may read (fails closed)."""
    facilities = _facilities(user)
    if facilities is None:
        return Visit.objects.none()
    visits = Visit.objects.all() if _national(user) else Visit.objects.filter(facility__in=facilities.values("pk"))
    return visits.select_related("facility__region", "organisation", "catalogue")


def findings_for(user: Any) -> QuerySet[Finding]:
    facilities = _facilities(user)
    if facilities is None:
        return Finding.objects.none()
    return Finding.objects.all() if _national(user) else Finding.objects.filter(facility__in=facilities.values("pk"))


def recommendations_for(user: Any) -> QuerySet[Recommendation]:
    facilities = _facilities(user)
    if facilities is None:
        return Recommendation.objects.none()
    if _national(user):
        return Recommendation.objects.all()
    return Recommendation.objects.filter(facility__in=facilities.values("pk"))


def facilities_for_follow_up(user: Any) -> QuerySet[Facility]:
    facilities = _facilities(user)
    return Facility.objects.none() if facilities is None else facilities.select_related("region")


# A confirmed finding stays open until every recommendation it led to is implemented (one with no
# recommendation yet is open: nothing has been done about it). The closed ones are found in one
# grouped subquery rather than a correlated one per finding.
def closed_findings() -> QuerySet[Recommendation]:
    """The ids of the findings that have recommendations, all of them implemented."""
    return (Recommendation.objects.order_by().values("finding_id")
            .annotate(still_open=Count("id", filter=Q(status__in=RecommendationStatus.open())))
            .filter(still_open=0).values("finding_id"))


def open_condition() -> Q:
    return Q(status=FindingStatus.CONFIRMED) & ~Q(pk__in=closed_findings())


@dataclass(frozen=True)
class FindingFilter:
    theme: str = ""  # a theme's key (the same across catalogue versions)
    region: str = ""  # a region's code
    type: str = ""  # a facility type
    severity: str = ""
    status: str = FindingStatus.CONFIRMED.value  # "" for every status
    open: bool = False
    facility: int | None = None
    year: int | None = None

    @classmethod
    def from_query(cls, query: QueryDict) -> FindingFilter:
        def number(name: str) -> int | None:
            value = query.get(name, "")
            return int(value) if value.isdigit() and len(value) < 10 else None

        status = query.get("status", FindingStatus.CONFIRMED)
        return cls(theme=query.get("theme", "")[:64], region=query.get("region", "")[:16],
                   type=query.get("type", "") if query.get("type", "") in FacilityType.values else "",
                   severity=query.get("severity", "") if query.get("severity", "") in Severity.values else "",
                   status=status if status in FindingStatus.values or status == "" else FindingStatus.CONFIRMED,
                   open=query.get("open") == "on", facility=number("facility"), year=number("year"))

    def query(self) -> str:
        values: dict[str, str] = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if value is True:
                values[field.name] = "on"
            elif field.name == "status":
                if value != FindingStatus.CONFIRMED:
                    values["status"] = value
            elif value not in ("", None, False):
                values[field.name] = str(value)
        return urlencode(values)

    def condition(self) -> Q:
        q = Q()
        if self.theme:
            q &= Q(theme__key=self.theme)
        if self.region:
            q &= Q(facility__region__code=self.region)
        if self.type:
            q &= Q(facility__type=self.type)
        if self.severity:
            q &= Q(severity=self.severity)
        if self.status:
            q &= Q(status=self.status)
        if self.open:
            q &= open_condition()
        if self.facility is not None:
            q &= Q(facility_id=self.facility)
        if self.year is not None:
            q &= Q(visit__planned_on__year=self.year)
        return q


@dataclass(frozen=True)
class RecommendationFilter:
    year: int | None = None  # the year it was issued
    status: str = ""
    response: str = ""  # the addressee's answer: accepted, partly_accepted, rejected, or "none"
    addressee: str = ""
    facility: int | None = None
    overdue: bool = False

    @classmethod
    def from_query(cls, query: QueryDict) -> RecommendationFilter:
        def number(name: str) -> int | None:
            value = query.get(name, "")
            return int(value) if value.isdigit() and len(value) < 10 else None

        status, response = query.get("status", ""), query.get("response", "")
        return cls(year=number("year"), status=status if status in RecommendationStatus.values else "",
                   response=response if response in (*RecommendationStatus.responses(), "none") else "",
                   addressee=query.get("addressee", "")[:32], facility=number("facility"),
                   overdue=query.get("overdue") == "on")

    def query(self) -> str:
        values = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if value is True:
                values[field.name] = "on"
            elif value not in ("", None, False):
                values[field.name] = str(value)
        return urlencode(values)

    def condition(self, *, today: Any = None) -> Q:
        q = Q()
        if self.year is not None:
            q &= Q(issued_at__year=self.year)
        if self.status:
            q &= Q(status=self.status)
        if self.response == "none":
            q &= Q(response="")
        elif self.response:
            q &= Q(response=self.response)
        if self.addressee:
            q &= Q(addressee=self.addressee)
        if self.facility is not None:
            q &= Q(facility_id=self.facility)
        if self.overdue:
            from django.utils import timezone

            q &= Q(status=RecommendationStatus.AWAITING_RESPONSE, response_due__lt=today or timezone.localdate())
        return q
