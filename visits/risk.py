"""Which facilities to visit next: a score made of named factors, each explained.

A factor is a function from the facilities under consideration to a `Contribution` per facility
(points and a sentence saying why). The visits app registers its own (overcrowding, incomplete
or stale counts, time since the last visit, access obstructed on an earlier visit); other apps
add theirs without a change here, either by calling `register()` or by defining a module
`<app>/risk_factors.py` that registers on import (`VisitsConfig.ready` imports every such module),
e.g. open critical findings, silent complaint terminals, camera outages, custody alerts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from facilities import population
from facilities.selectors import reporting_cutoff, with_occupancy
from lib.charts import format_number


@dataclass(frozen=True)
class Contribution:
    points: int
    reason: str


@dataclass(frozen=True)
class RiskFactor:
    key: str
    label: Promise | str
    # facilities (a queryset with region and latest_snapshot joined), today -> {facility pk: contribution}
    assess: Callable[[Any, dt.date], dict[int, Contribution]]


@dataclass
class Suggestion:
    facility: Any
    factors: list[tuple[RiskFactor, Contribution]] = field(default_factory=list)

    @property
    def score(self) -> int:
        return sum(c.points for _f, c in self.factors)


_REGISTRY: dict[str, RiskFactor] = {}


def register(factor: RiskFactor) -> RiskFactor:
    """Add (or replace, by key) a factor of the score."""
    _REGISTRY[factor.key] = factor
    return factor


def factor(key: str, label: Promise | str) -> Callable[[Callable[[Any, dt.date], dict[int, Contribution]]], RiskFactor]:
    """Decorator form of `register`."""
    return lambda assess: register(RiskFactor(key=key, label=label, assess=assess))


def factors() -> list[RiskFactor]:
    return list(_REGISTRY.values())


def suggest(facilities: Any, *, today: dt.date | None = None, limit: int = 20,
            only: Iterable[str] | None = None) -> list[Suggestion]:
    """The facilities (already scoped to the reader's mandate) in order of their score, highest first."""
    today = today or timezone.localdate()
    facilities = with_occupancy(facilities.filter(is_active=True).select_related("region", "latest_snapshot"))
    chosen = [f for f in factors() if only is None or f.key in set(only)]
    by_pk = {facility.pk: Suggestion(facility) for facility in facilities}
    for risk in chosen:
        for pk, contribution in risk.assess(facilities, today).items():
            if pk in by_pk and contribution.points > 0:
                by_pk[pk].factors.append((risk, contribution))
    ranked = sorted(by_pk.values(), key=lambda s: (-s.score, s.facility.code))
    for suggestion in ranked:
        suggestion.factors.sort(key=lambda pair: -pair[1].points)
    return ranked[:limit]


# --- The visits app's own factors ----------------------------------------------------------------


@factor("overcrowding", gettext_lazy("Overcrowding"))
def _overcrowding(facilities: Any, today: dt.date) -> dict[int, Contribution]:
    out = {}
    for facility in facilities:
        rate = getattr(facility, "occupancy", None)
        if rate is not None and rate > 1:
            points = min(40, round((rate - 1) * 100))
            out[facility.pk] = Contribution(max(points, 5), _("Holds %(rate)s%% of its places (latest count).") % {
                "rate": format_number(round(rate * 100))})
    return out


@factor("counts", gettext_lazy("Population counts missing, incomplete or stale"))
def _counts(facilities: Any, today: dt.date) -> dict[int, Contribution]:
    cutoff = reporting_cutoff(today)
    out = {}
    for facility in facilities:
        snapshot = facility.latest_snapshot
        if snapshot is None:
            out[facility.pk] = Contribution(20, _("No population count has been reported."))
            continue
        parts = []
        points = 0
        if snapshot.date < cutoff:
            points += 15
            parts.append(_("The latest count (%(date)s) is older than the reporting period.") % {
                "date": date_format(snapshot.date, "SHORT_DATE_FORMAT")})
        completeness = population.completeness(snapshot)
        if completeness is not None and not completeness.complete:
            points += 10
            parts.append(_("It reports %(reported)s of %(of)s groups.") % {
                "reported": completeness.reported, "of": completeness.of})
        if points:
            out[facility.pk] = Contribution(points, " ".join(parts))
    return out


@factor("last_visit", gettext_lazy("Time since the last visit"))
def _last_visit(facilities: Any, today: dt.date) -> dict[int, Contribution]:
    from visits.models import Visit, VisitStatus

    last = dict(Visit.objects.filter(facility__in=facilities, status=VisitStatus.COMPLETED)
                .values("facility").annotate(last=Max("planned_on")).values_list("facility", "last"))
    out = {}
    for facility in facilities:
        visited = last.get(facility.pk)
        if visited is None:
            out[facility.pk] = Contribution(30, _("No completed visit is recorded."))
        else:
            days = (today - visited).days
            points = min(30, days * 30 // 730)
            out[facility.pk] = Contribution(points, _("Last visited on %(date)s.") % {
                "date": date_format(visited, "SHORT_DATE_FORMAT")})
    return out


@factor("access_obstructed", gettext_lazy("Access obstructed on an earlier visit"))
def _access(facilities: Any, today: dt.date) -> dict[int, Contribution]:
    from visits.models import AccessOutcome, Visit

    since = today - dt.timedelta(days=730)
    rows = (Visit.objects.filter(facility__in=facilities, access__in=sorted(AccessOutcome.obstructed()),
                                 planned_on__gte=since).values("facility").annotate(last=Max("planned_on"))
            .values_list("facility", "last"))
    return {pk: Contribution(25, _("Access was delayed or refused on the visit of %(date)s.") % {
        "date": date_format(last, "SHORT_DATE_FORMAT")}) for pk, last in rows}
