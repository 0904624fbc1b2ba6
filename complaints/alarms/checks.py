"""The scheduled suppression checks: terminals gone silent, facilities far quieter than their peers.

**Silent terminal.** A terminal sends one packet per tick of its schedule (a heartbeat when it
has nothing else). When nothing has arrived for ``COMPLAINT_TERMINAL_SILENT_TICKS`` ticks
(default 5) and at least ``COMPLAINT_TERMINAL_SILENT_MIN_SECONDS`` (default 300), it is silent:
unplugged, its network blocked, or its packets dropped or held back. One alarm per silence.

**Silent facility** (see docs/complaints-protocol.md). Over the last
``COMPLAINT_SILENT_WINDOW_DAYS`` (default 90) days, facility *f* received *k* terminal complaints
with exposure *E_f* = people held (latest population count) x days with a registered terminal.
Its peers (same facility type, others only) received *K* complaints over exposure *E*; under the
hypothesis that *f* has the peers' rate, *k* is Poisson with mean *mu = E_f x K / E*. The
facility is flagged when *P(X <= k | mu) < alpha / N*: a one-sided Poisson test with a Bonferroni
correction over the *N* facilities tested, so the chance that an evaluation raises any false
alarm is at most ``COMPLAINT_SILENT_FACILITY_ALPHA`` (default 0.01). Facilities whose
population is not known are not tested (unknown is not zero) and are returned as such.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Min, Q
from django.utils import timezone

from complaints.alarms import raise_alarm
from complaints.models import AlarmKind, Channel, Terminal


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def silent_terminals(*, now: datetime | None = None) -> list[Terminal]:
    """Raise a ``terminal_silent`` alarm for every active terminal silent beyond its schedule."""
    now = now or timezone.now()
    ticks = int(_setting("COMPLAINT_TERMINAL_SILENT_TICKS", 5))
    floor = int(_setting("COMPLAINT_TERMINAL_SILENT_MIN_SECONDS", 300))
    silent = []
    for terminal in Terminal.objects.filter(active=True).select_related("facility"):
        last = terminal.last_seen_at or terminal.registered_at
        allowed = timedelta(seconds=max(ticks * terminal.schedule_seconds, floor))
        if now - last > allowed:
            silent.append(terminal)
            raise_alarm(kind=AlarmKind.TERMINAL_SILENT, facility=terminal.facility, terminal=terminal, now=now,
                        key=f"since:{last.isoformat()}",
                        evidence={"last_seen_at": terminal.last_seen_at.isoformat() if terminal.last_seen_at else None,
                                  "schedule_seconds": terminal.schedule_seconds,
                                  "silent_seconds": int((now - last).total_seconds()),
                                  "allowed_seconds": int(allowed.total_seconds())})
    return silent


def poisson_cdf(k: int, mu: float) -> float:
    """P(X <= k) for X ~ Poisson(mu), summed in log space (no overflow for large k or mu)."""
    if mu <= 0:
        return 1.0
    log_terms = [i * math.log(mu) - mu - math.lgamma(i + 1) for i in range(k + 1)]
    top = max(log_terms)
    return min(1.0, math.exp(top) * sum(math.exp(t - top) for t in log_terms))


@dataclass(frozen=True)
class FacilityTest:
    facility_id: int
    observed: int
    expected: float | None  # None: not tested (population unknown, or no peers)
    p_value: float | None
    flagged: bool


def silent_facilities(*, now: datetime | None = None) -> list[FacilityTest]:
    """Test every facility with a terminal against its peers; raise ``facility_silent`` for the flagged."""
    from facilities.models import Facility

    now = now or timezone.now()
    window = timedelta(days=int(_setting("COMPLAINT_SILENT_WINDOW_DAYS", 90)))
    alpha = float(_setting("COMPLAINT_SILENT_FACILITY_ALPHA", 0.01))
    start = now - window
    facilities = (
        Facility.objects.filter(terminals__active=True)
        .annotate(first_terminal=Min("terminals__registered_at"),
                  complaints_in_window=Count("complaints", distinct=True,
                                             filter=Q(complaints__channel=Channel.TERMINAL,
                                                      complaints__received_at__gte=start)))
        .select_related("latest_snapshot").distinct()
    )
    rows = []
    for facility in facilities:
        population = facility.latest_snapshot.total if facility.latest_snapshot else None
        days = (now - max(facility.first_terminal, start)).total_seconds() / 86400
        exposure = population * days if population else None
        rows.append((facility, facility.complaints_in_window, exposure))
    testable = [r for r in rows if r[2]]
    results = []
    for facility, observed, exposure in rows:
        peers = [r for r in testable if r[0].type == facility.type and r[0].pk != facility.pk]
        peer_exposure = sum(r[2] for r in peers)
        peer_complaints = sum(r[1] for r in peers)
        if not exposure or not peers or peer_complaints == 0:
            results.append(FacilityTest(facility.pk, observed, None, None, False))
            continue
        expected = exposure * peer_complaints / peer_exposure
        p_value = poisson_cdf(observed, expected)
        flagged = p_value < alpha / len(testable)
        results.append(FacilityTest(facility.pk, observed, expected, p_value, flagged))
        if flagged:
            raise_alarm(kind=AlarmKind.FACILITY_SILENT, facility=facility, now=now, key="silent_facility",
                        evidence={"observed": observed, "expected": round(expected, 2), "p_value": p_value,
                                  "threshold": alpha / len(testable), "window_days": window.days,
                                  "peers": len(peers), "test": "one-sided Poisson, Bonferroni over facilities"})
    return results

