"""Coverage: which zones of a facility have a working camera, and the national figures.

One function judges every facility (``coverage_states``); the national figures count its
answers and the lists they link to filter by the same answers, so a figure always equals its list.
A facility whose cameras were never registered is *unknown*, never "covered" and never zero.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from facilities.models import Facility
from video import conf, coverage
from video.coverage import Coverage
from video.models import Recorder, Zone


class CoverageState:
    UNKNOWN = "unknown"
    FORBIDDEN = "forbidden_filmed"
    GAPS = "gaps"
    COVERED = "covered"

    LABELS = {
        UNKNOWN: _("Unknown: no cameras registered"),
        FORBIDDEN: _("Films a zone that must not be filmed"),
        GAPS: _("A required zone without a working camera"),
        COVERED: _("Every required zone covered"),
    }
    ORDER = (COVERED, GAPS, FORBIDDEN, UNKNOWN)


class ZoneState:
    COVERED = "covered"
    NOT_WORKING = "not_working"
    NOT_COVERED = "not_covered"
    FILMED = "filmed"  # a forbidden zone with a camera
    NOT_FILMED = "not_filmed"
    OPTIONAL = "optional"

    LABELS = {
        COVERED: _("Covered by a working camera"),
        NOT_WORKING: _("Cameras registered, none working"),
        NOT_COVERED: _("No camera"),
        FILMED: _("Filmed: must not be"),
        NOT_FILMED: _("Not filmed, as required"),
        OPTIONAL: _("Coverage optional"),
    }
    LEVELS = {COVERED: "good", NOT_WORKING: "bad", NOT_COVERED: "bad", FILMED: "bad", NOT_FILMED: "good",
              OPTIONAL: "na"}


@dataclass
class ZoneLine:
    zone: str
    label: str
    rule: str
    cameras: int
    working: int
    state: str

    @property
    def state_label(self) -> str:
        return str(ZoneState.LABELS[self.state])

    @property
    def level(self) -> str:
        return ZoneState.LEVELS[self.state]


@dataclass
class FacilityCoverage:
    state: str
    zones: list[ZoneLine] = field(default_factory=list)

    @property
    def state_label(self) -> str:
        return str(CoverageState.LABELS[self.state])


def _counts(facilities: QuerySet[Facility], now: datetime) -> dict[int, tuple[bool, dict[str, tuple[int, int]]]]:
    """Per facility: whether it has an active recorder, and per zone its active and working
    cameras; one query (the overview's query budget has room for one)."""
    since = now - conf.working_window()
    zones = list(Zone.values)
    annotations: dict[str, Any] = {
        "registered": Exists(Recorder.objects.filter(facility_id=OuterRef("pk"), is_active=True)),
    }
    for i, zone in enumerate(zones):
        active = Q(cameras__is_active=True, cameras__zone=zone)
        annotations[f"cameras_{i}"] = Count("cameras", filter=active)
        annotations[f"working_{i}"] = Count("cameras", filter=active & Q(cameras__last_end__gte=since))
    rows = facilities.order_by().annotate(**annotations).values_list("pk", *annotations)
    out: dict[int, tuple[bool, dict[str, tuple[int, int]]]] = {}
    for pk, registered, *numbers in rows:
        counts = {zone: (numbers[2 * i], numbers[2 * i + 1]) for i, zone in enumerate(zones) if numbers[2 * i]}
        out[pk] = (bool(registered), counts)
    return out


def _judge(registered: bool, counts: dict[str, tuple[int, int]]) -> FacilityCoverage:
    lines = []
    for zone, rule in coverage.rules().items():
        cameras, working = counts.get(zone, (0, 0))
        if rule.coverage == Coverage.FORBIDDEN:
            state = ZoneState.FILMED if cameras else ZoneState.NOT_FILMED
        elif rule.coverage == Coverage.REQUIRED:
            state = ZoneState.COVERED if working else ZoneState.NOT_WORKING if cameras else ZoneState.NOT_COVERED
        else:
            state = ZoneState.COVERED if working else ZoneState.OPTIONAL
        lines.append(ZoneLine(zone, str(Zone(zone).label), rule.coverage, cameras, working, state))
    if not registered and not counts:
        return FacilityCoverage(CoverageState.UNKNOWN, lines)
    if any(line.state == ZoneState.FILMED for line in lines):
        return FacilityCoverage(CoverageState.FORBIDDEN, lines)
    if any(line.state in (ZoneState.NOT_WORKING, ZoneState.NOT_COVERED) for line in lines):
        return FacilityCoverage(CoverageState.GAPS, lines)
    return FacilityCoverage(CoverageState.COVERED, lines)


def coverage_states(facilities: QuerySet[Facility], now: datetime | None = None) -> dict[int, FacilityCoverage]:
    """Each facility's coverage (by primary key), in one query whatever the number of facilities."""
    now = now or timezone.now()
    return {pk: _judge(registered, counts) for pk, (registered, counts) in _counts(facilities, now).items()}


def facility_coverage(facility: Facility, now: datetime | None = None) -> FacilityCoverage:
    return coverage_states(Facility.objects.filter(pk=facility.pk), now)[facility.pk]


def national_figures(facilities: QuerySet[Facility], now: datetime | None = None) -> list[tuple[str, str, int]]:
    """(state, label, number of facilities) for every state, in a fixed order."""
    states = coverage_states(facilities, now)
    tally: dict[str, int] = defaultdict(int)
    for judged in states.values():
        tally[judged.state] += 1
    return [(state, str(CoverageState.LABELS[state]), tally[state]) for state in CoverageState.ORDER]


def facilities_in_state(facilities: QuerySet[Facility], state: str, now: datetime | None = None) -> QuerySet[Facility]:
    """The facilities the national figure for ``state`` counts."""
    states = coverage_states(facilities, now)
    return facilities.filter(pk__in=[pk for pk, judged in states.items() if judged.state == state])
