"""Reads of custody data, scoped to the reader's mandate once, here.

``custody_for(user)`` is the one scope of alerts: the facilities of the user's mandate
(accounts.permissions.facility_scope) and, for the Children's Rights Commissioner, only alerts
that concern a child. It fails closed: no capability, no mandate, nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum

from accounts.models import OrganisationKind
from accounts.permissions import Capability, can, facility_scope
from custody.models import Alert, AlertStatus
from facilities.models import Facility, FacilityType


def _scope(user: Any) -> Q | None:
    if not can(user, Capability.VIEW_CUSTODY_ALERTS):
        return None
    facilities = facility_scope(user)
    if facilities is None:
        return None
    q = Q(facility__in=Facility.objects.filter(facilities).values("pk"))
    organisation = getattr(user, "organisation", None)
    if not user.is_superuser and (organisation is None or organisation.kind == OrganisationKind.CHILDRENS_OMBUDSMAN):
        q &= Q(involves_minor=True)
    return q


def custody_for(user: Any) -> QuerySet[Alert]:
    """The alerts ``user`` may see, with what their pages show already joined."""
    scope = _scope(user)
    if scope is None:
        return Alert.objects.none()
    return Alert.objects.filter(scope).select_related("facility", "facility__region", "detention", "other")


@dataclass(frozen=True)
class AlertFilter:
    """The one condition behind a dashboard figure and the list it links to."""

    facility: int | None = None
    rule: str = ""
    severity: str = ""
    status: str = AlertStatus.OPEN
    minors: bool = False

    def q(self) -> Q:
        q = Q()
        if self.facility:
            q &= Q(facility_id=self.facility)
        if self.rule:
            q &= Q(rule=self.rule)
        if self.severity:
            q &= Q(severity=self.severity)
        if self.status:
            q &= Q(status=self.status)
        if self.minors:
            q &= Q(involves_minor=True)
        return q

    def params(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.facility:
            out["facility"] = self.facility
        for name in ("rule", "severity"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        out["status"] = self.status or "all"
        if self.minors:
            out["minors"] = 1
        return out


def filtered(user: Any, f: AlertFilter) -> QuerySet[Alert]:
    return custody_for(user).filter(f.q())


def dashboard(user: Any, status: str = AlertStatus.OPEN) -> dict[str, list[dict[str, Any]]]:
    """Counts of alerts by facility, rule and severity; each count is the size of the list ``filtered``
    returns for the same filter (the figure's link)."""
    base = filtered(user, AlertFilter(status=status))
    return {
        "by_facility": list(base.values("facility", "facility__code").annotate(n=Count("pk"))
                            .order_by("-n", "facility__code")),
        "by_rule": list(base.values("rule").annotate(n=Count("pk")).order_by("-n", "rule")),
        "by_severity": list(base.values("severity").annotate(n=Count("pk")).order_by("severity")),
        "minors": base.filter(involves_minor=True).count(),
        "total": base.count(),
    }


def risk_factor(facility: Facility) -> dict[str, Any]:
    """The custody module's factor for a facility's risk score and the visit planner.

    Open alerts in the last 90 days, weighted by severity (critical 3, high 2, medium 1), with the
    counts it rests on. ``known`` is False when the facility has submitted no register: unknown is
    never "no risk".
    """
    from django.utils import timezone

    from custody.models import Detention

    since = timezone.now() - timezone.timedelta(days=90)
    alerts = Alert.objects.filter(facility=facility, status=AlertStatus.OPEN, first_found_at__gte=since)
    counts = dict(alerts.values_list("severity").annotate(n=Count("pk")))
    weights = {"critical": 3, "high": 2, "medium": 1}
    return {
        "factor": "custody_alerts",
        "known": Detention.objects.filter(facility=facility).exists(),
        "score": sum(weights.get(k, 1) * n for k, n in counts.items()),
        "counts": counts,
        "minors": alerts.filter(involves_minor=True).count(),
    }


def medical_waiting(facilities: QuerySet[Facility], *, now: Any = None) -> list[dict[str, Any]]:
    """Per facility: requests seen and still waiting, the median wait of those seen and the longest
    current wait (None when there is nothing to measure: unknown is not zero)."""
    import statistics

    from django.utils import timezone

    from custody.models import MedicalRequest

    now = now or timezone.now()
    out = []
    rows = MedicalRequest.objects.filter(facility__in=facilities).values_list("facility_id", "asked_at", "seen_at")
    by_facility: dict[int, list[tuple[Any, Any]]] = {}
    for facility_id, asked, seen in rows:
        by_facility.setdefault(facility_id, []).append((asked, seen))
    for facility in facilities:
        found = by_facility.get(facility.pk, [])
        waits = [(seen - asked).total_seconds() / 3600 for asked, seen in found if seen is not None]
        open_waits = [(now - asked).total_seconds() / 3600 for asked, seen in found if seen is None]
        out.append({"facility": facility, "seen": len(waits), "waiting": len(open_waits),
                    "median_hours": round(statistics.median(waits), 1) if waits else None,
                    "longest_waiting_hours": round(max(open_waits), 1) if open_waits else None})
    return out


# --- mothers and children in colonies; education -------------------------------------------------


def _years_after(day: Any, years: int) -> Any:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, month=3, day=1)


def child_age_limit(child: Any) -> Any:
    """The date a child must leave the children's home: the 3rd birthday, or the 4th when the
    mother's release falls within a year after the 3rd (the ages and the year are settings)."""
    from django.conf import settings

    base = getattr(settings, "CUSTODY_CHILD_AGE_LIMIT_YEARS", 3)
    extended = getattr(settings, "CUSTODY_CHILD_EXTENDED_AGE_YEARS", 4)
    within = getattr(settings, "CUSTODY_CHILD_EXTENSION_IF_RELEASE_WITHIN_DAYS", 365)
    limit = _years_after(child.birth_date, base)
    release = child.mother_release_on
    if release is not None and release <= limit + dt.timedelta(days=within):
        return _years_after(child.birth_date, extended)
    return limit


def children_in_homes(facilities: QuerySet[Facility], *, today: Any = None) -> list[dict[str, Any]]:
    """Every child living in a home: the age limit, the days left, and what needs attention
    (over the limit, approaching it within CUSTODY_CHILD_WARNING_DAYS, approaching without a plan)."""
    from django.conf import settings
    from django.utils import timezone

    from custody.models import ChildInColony

    today = today or timezone.localdate()
    warning = getattr(settings, "CUSTODY_CHILD_WARNING_DAYS", 90)
    out = []
    for child in ChildInColony.objects.filter(facility__in=facilities, left_on__isnull=True).select_related("facility"):
        limit = child_age_limit(child)
        days = (limit - today).days
        status = "over_limit" if days < 0 else "approaching" if days <= warning else "ok"
        out.append({"child": child, "limit": limit, "days_left": days, "status": status,
                    "needs_plan": status != "ok" and not child.plan.strip(),
                    # Criminal Code art. 74: a mother of a young child may have her sentence deferred.
                    "review_deferral": True})
    return sorted(out, key=lambda row: row["days_left"])


def deferral_reviews(facilities: QuerySet[Facility]) -> dict[str, int]:
    """Women to be reviewed for a deferral of sentence (Criminal Code art. 74): mothers of the
    children living in homes, and pregnant women, per facility code."""
    from custody.models import ChildInColony, Pregnancy

    counts: dict[str, int] = {}
    for code in ChildInColony.objects.filter(facility__in=facilities, left_on__isnull=True).values_list(
            "facility__code", flat=True):
        counts[code] = counts.get(code, 0) + 1
    for code in Pregnancy.objects.filter(facility__in=facilities, ended_on__isnull=True).values_list(
            "facility__code", flat=True):
        counts[code] = counts.get(code, 0) + 1
    return counts


def may_read_programmes(user: Any) -> bool:
    """Who reads the figures of mothers, children and education: those who read custody alerts
    or record programmes, each within the facilities of their own mandate."""
    return can(user, Capability.VIEW_CUSTODY_ALERTS) or can(user, Capability.RECORD_CUSTODY_PROGRAMMES)


def programme_facilities_for(user: Any) -> QuerySet[Facility]:
    """The facilities whose programme figures ``user`` may read; none without the capability."""
    from facilities.selectors import facilities_for

    if not may_read_programmes(user):
        return Facility.objects.none()
    return facilities_for(user)


# --- the registry's education and rehabilitation figures ----------------------------------------
#
# The national figures add up each facility's operator's own report of the latest month that
# operator reported for it. Another body's report of the same facility (an NPM visit's count) is
# shown beside it on the facility's profile and never added in: two reports of one programme are
# two counts of the same people. A facility expected to report that did not is counted apart,
# never as 0.

MEASURES = ("enrolled", "completed")


def operator_reports(facilities: QuerySet[Facility]) -> QuerySet[Any]:
    """The enrolment reports each facility's own operator made, of the facilities given."""
    from custody.models import Enrolment

    return Enrolment.objects.filter(facility__in=facilities.values("pk"), reported_by=F("facility__operator"))


def _latest_month(facility: Any, operator: Any) -> Subquery:
    """The latest month the operator reported any programme of the facility (both outer references)."""
    from custody.models import Enrolment

    return Subquery(Enrolment.objects.filter(facility=facility, reported_by=operator)
                    .order_by("-month").values("month")[:1])


def latest_reports(facilities: QuerySet[Facility]) -> QuerySet[Any]:
    """Per facility, its operator's reports of the latest month that operator reported any programme."""
    return operator_reports(facilities).filter(
        month=_latest_month(OuterRef("facility"), OuterRef("facility__operator")))


def expected_to_report(facilities: QuerySet[Facility]) -> QuerySet[Facility]:
    """The facilities whose enrolment is expected: the colonies, and any other facility whose
    operator has reported enrolment (a pre-trial centre teaching its minors, a special school)."""
    from custody.models import Enrolment

    reported = Enrolment.objects.filter(facility=OuterRef("pk"), reported_by=OuterRef("operator"))
    return facilities.filter(Q(type__in=FacilityType.colonies()) | Exists(reported))


def reported_condition(programme: str, measure: str) -> Q:
    """The reports that give a number for this programme and measure (enrolled or completed)."""
    if measure not in MEASURES:
        raise ValueError(measure)
    return Q(programme=programme, **{f"{measure}__isnull": False})


@dataclass(frozen=True)
class EnrolmentFigure:
    """One national figure: people enrolled in (or completing) a programme, summed over the
    facilities that reported it; None when none did. ``not_reporting`` are counted apart."""

    programme: str
    label: Any
    measure: str
    people: int | None
    reporting: int
    not_reporting: int
    reporters: tuple[str, ...]  # who reported, by name in the reader's language
    first_month: dt.date | None
    last_month: dt.date | None


def counted_reports(facilities: QuerySet[Facility], month: dt.date | None = None) -> QuerySet[Any]:
    """The operator reports a figure adds up: per facility, its operator's reports of ``month``, or
    without a month of the latest month that operator reported any programme."""
    if month is None:
        return latest_reports(facilities)
    return operator_reports(facilities).filter(month=month.replace(day=1))


def national_enrolment(facilities: QuerySet[Facility], month: dt.date | None = None
                       ) -> tuple[list[EnrolmentFigure], int]:
    """Every programme's enrolled and completed figures over the reports ``counted_reports`` gives
    (the latest per facility, or the month's), and the number of facilities expected to report,
    in one query.

    Read from the facilities expected to report, per operator, joined to their enrolments: a
    report counts when it is the operator's of the facility's latest month, or of the month given
    (the condition of ``counted_reports``, which the lists behind the figures use).
    """
    from custody.models import Programme

    if month is None:
        when = Q(enrolments__month=_latest_month(OuterRef("pk"), OuterRef("operator")))
    else:
        when = Q(enrolments__month=month.replace(day=1))
    latest = Q(enrolments__reported_by=F("operator")) & when
    aggregates: dict[str, Any] = {"expected": Count("pk", distinct=True),
                                  "first": Min("enrolments__month", filter=latest),
                                  "last": Max("enrolments__month", filter=latest)}
    for programme in Programme.values:
        for measure in MEASURES:
            given = latest & Q(enrolments__programme=programme, **{f"enrolments__{measure}__isnull": False})
            aggregates[f"{programme}__{measure}__sum"] = Sum(f"enrolments__{measure}", filter=given)
            aggregates[f"{programme}__{measure}__n"] = Count("enrolments", filter=given)
    by_operator = list(expected_to_report(facilities).order_by().values(
        "operator", "operator__name_kk", "operator__name_ru", "operator__name_en").annotate(**aggregates))
    from accounts.models import Organisation

    names = {row["operator"]: Organisation(name_kk=row["operator__name_kk"], name_ru=row["operator__name_ru"],
                                           name_en=row["operator__name_en"]).name for row in by_operator}
    expected = sum(row["expected"] for row in by_operator)
    figures = []
    for programme, label in Programme.choices:
        for measure in MEASURES:
            key = f"{programme}__{measure}"
            given = [row for row in by_operator if row[f"{key}__n"]]
            reporting = sum(row[f"{key}__n"] for row in given)
            figures.append(EnrolmentFigure(
                programme=programme, label=label, measure=measure,
                people=sum(row[f"{key}__sum"] for row in given) if given else None,
                reporting=reporting, not_reporting=expected - reporting,
                reporters=tuple(sorted(names[row["operator"]] for row in given)),
                first_month=min((row["first"] for row in given), default=None),
                last_month=max((row["last"] for row in given), default=None),
            ))
    return figures, expected


def enrolment_table(facilities: QuerySet[Facility], month: dt.date | None = None) -> dict[str, Any]:
    """The figures of ``national_enrolment`` as a table shows them: each with the link to the list it
    equals (the same facilities, programme, measure and month), the operators who reported, and the
    months the reports are of."""
    from django.urls import reverse
    from django.utils.http import urlencode

    figures, expected = national_enrolment(facilities, month)
    url = reverse("custody:enrolment")
    rows = []
    for figure in figures:
        query = {"programme": figure.programme, "measure": figure.measure}
        if month is not None:
            query["month"] = f"{month:%Y-%m}"
        rows.append({"figure": figure, "href": f"{url}?{urlencode({**query, 'reported': 'yes'})}",
                     "missing_href": f"{url}?{urlencode({**query, 'reported': 'no'})}"})
    months = [m for f in figures for m in (f.first_month, f.last_month) if m is not None]
    reporters = sorted({name for f in figures for name in f.reporters})
    return {"rows": rows, "expected": expected, "reporters": reporters, "month": month,
            "first_month": min(months, default=None), "last_month": max(months, default=None)}


def enrolment_rows(facilities: QuerySet[Facility], *, programme: str, measure: str, reported: bool,
                   month: dt.date | None = None) -> list[Any]:
    """The list behind a figure of ``national_enrolment``: the reports giving that number, one per
    facility (their values add up to the figure), or the facilities expected to report that did not."""
    given = counted_reports(facilities, month).filter(reported_condition(programme, measure))
    if reported:
        return list(given.select_related("facility", "facility__region", "reported_by")
                    .order_by("facility__code"))
    return list(expected_to_report(facilities).exclude(pk__in=given.values("facility"))
                .select_related("region", "operator").order_by("code"))


def enrolment_figures(facilities: QuerySet[Facility], month: Any) -> dict[str, Any]:
    """The month's enrolment per programme: the sum over the facilities that reported, how many
    reported (a facility that did not is unknown, never 0), and the rows per facility."""
    from custody.models import Enrolment, Programme

    rows = list(Enrolment.objects.filter(facility__in=facilities, month=month.replace(day=1))
                .select_related("facility", "reported_by").order_by("facility__code", "programme"))
    programmes = []
    for value, label in Programme.choices:
        of = [r for r in rows if r.programme == value]
        enrolled = [r.enrolled for r in of if r.enrolled is not None]
        completed = [r.completed for r in of if r.completed is not None]
        programmes.append({"programme": value, "label": label, "reported_by": len({r.facility_id for r in of}),
                           "enrolled": sum(enrolled) if enrolled else None,
                           "completed": sum(completed) if completed else None})
    return {"programmes": programmes, "rows": rows, "facilities": facilities.count()}


# Antenatal contacts by week of pregnancy (WHO 2016: eight contacts); CUSTODY_ANTENATAL_WEEKS changes it.
ANTENATAL_WEEKS = (12, 20, 26, 30, 34, 36, 38, 40)


def antenatal_care(facilities: QuerySet[Facility], *, today: Any = None) -> list[dict[str, Any]]:
    """Each ongoing pregnancy against the schedule: contacts due by today, contacts made, and the
    contacts missed (a due week with no visit in it or after the previous due week)."""
    from django.conf import settings
    from django.utils import timezone

    from custody.models import Pregnancy

    today = today or timezone.localdate()
    weeks = tuple(getattr(settings, "CUSTODY_ANTENATAL_WEEKS", ANTENATAL_WEEKS))
    out = []
    for pregnancy in (Pregnancy.objects.filter(facility__in=facilities, ended_on__isnull=True)
                      .select_related("facility").prefetch_related("visits")):
        conception = pregnancy.expected_on - dt.timedelta(weeks=40)
        due = [conception + dt.timedelta(weeks=w) for w in weeks if conception + dt.timedelta(weeks=w) <= today]
        visits = sorted(v.on for v in pregnancy.visits.all())
        missed, previous, unused = 0, conception, list(visits)
        for day in due:
            # a visit counts once, for a due week after the previous one, up to a week late
            match = next((v for v in unused if previous < v <= day + dt.timedelta(weeks=1)), None)
            if match is None:
                missed += 1
            else:
                unused.remove(match)
            previous = day
        out.append({"pregnancy": pregnancy, "week": (today - conception).days // 7, "due": len(due),
                    "made": len(visits), "missed": missed})
    return out
