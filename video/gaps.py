"""Absence is evidence: holes in a camera's timeline become outage incidents.

``find_gaps`` is the core (NumPy over one camera's segment times); ``detect_outages`` runs it for
every active camera over what arrived since its last check, and also opens an outage for a
camera that has gone silent (its last segment ended longer ago than the threshold), extending it
at each run until footage comes back. A gap a recorder reported as "no signal" is an outage of
that kind. Severity starts at the zone's risk, rises by one for an outage over an hour, and by
one more when a complaint, a use-of-force report or a visit in the same facility coincides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from django.db import transaction
from django.utils import timezone

from video import coinciding, conf, coverage
from video.models import Camera, NoSignal, Outage, OutageKind, Segment, Severity

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def find_gaps(starts_ms: np.ndarray, ends_ms: np.ndarray, threshold_ms: int,
              before_ms: int | None = None) -> list[tuple[int, int]]:
    """The holes longer than ``threshold_ms`` between segments (sorted by start), as (start, end)
    in ms; ``before_ms``, the end of what was already checked, counts as a segment ending there."""
    if len(starts_ms) == 0:
        return []
    covered_until = np.maximum.accumulate(ends_ms)
    if before_ms is not None:
        covered_until = np.maximum(covered_until, before_ms)
        previous = np.concatenate(([before_ms], covered_until[:-1]))
    else:
        previous = np.concatenate(([starts_ms[0]], covered_until[:-1]))
    holes = np.nonzero(starts_ms - previous > threshold_ms)[0]
    return [(int(previous[i]), int(starts_ms[i])) for i in holes]


def _ms(at: datetime) -> int:
    return int((at - EPOCH) / timedelta(milliseconds=1))


def _at(ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=ms)


@dataclass(frozen=True)
class Detected:
    created: int
    extended: int


def severity(zone: str, start: datetime, end: datetime, events: list[coinciding.Event]) -> int:
    level = coverage.rules()[zone].risk
    if end - start > timedelta(hours=1):
        level += 1
    if events:
        level += 1
    return min(level, Severity.CRITICAL)


def _kind(camera: Camera, start: datetime, end: datetime) -> str:
    silent = NoSignal.objects.filter(camera=camera, start__lt=end, end__gt=start).exists()
    return OutageKind.NO_SIGNAL if silent else OutageKind.GAP


def _outage(camera: Camera, start: datetime, end: datetime, now: datetime, *, ongoing: bool) -> Outage:
    window = conf.coincidence_window()
    events = coinciding.around(camera.facility_id, start - window, end + window)
    return Outage(camera=camera, facility_id=camera.facility_id, kind=_kind(camera, start, end), start=start, end=end,
                  severity=severity(camera.zone, start, end, events), ongoing=ongoing, detected_at=now,
                  coinciding=[{"kind": e.kind, "at": e.at.isoformat()} for e in events])


def detect_for_camera(camera: Camera, now: datetime) -> Detected:
    threshold = conf.gap_threshold()
    created = extended = 0
    with transaction.atomic():
        since = camera.checked_until
        rows = Segment.objects.filter(camera=camera).order_by("start")
        if since is not None:
            rows = rows.filter(end__gt=since)
        times = list(rows.values_list("start", "end"))
        open_outage = Outage.objects.filter(camera=camera, ongoing=True).first()
        if times:
            starts = np.fromiter((_ms(s) for s, _e in times), dtype=np.int64, count=len(times))
            ends = np.fromiter((_ms(e) for _s, e in times), dtype=np.int64, count=len(times))
            before = _ms(since) if since is not None else None
            new = [(_at(a), _at(b)) for a, b in find_gaps(starts, ends, int(threshold / timedelta(milliseconds=1)),
                                                          before)]
            if open_outage is not None and new and new[0][0] <= open_outage.start:
                # The silence the last run saw has ended: it is the first hole found now.
                open_outage.end, open_outage.ongoing = new[0][1], False
                fresh = _outage(camera, open_outage.start, open_outage.end, now, ongoing=False)
                open_outage.severity, open_outage.coinciding = fresh.severity, fresh.coinciding
                open_outage.kind = fresh.kind
                open_outage.save(update_fields=["end", "ongoing", "severity", "coinciding", "kind"])
                extended += 1
                new = new[1:]
                open_outage = None
            elif open_outage is not None:
                # The footage of that silence arrived late, unbroken: there was no outage after all.
                open_outage.delete()
                open_outage = None
            made = [_outage(camera, a, b, now, ongoing=False) for a, b in new]
            Outage.objects.bulk_create(made, ignore_conflicts=True)
            created += len(made)
            camera.checked_until = max(since, _at(int(ends.max()))) if since else _at(int(ends.max()))
        last = camera.checked_until
        if last is not None and now - last > threshold:
            if open_outage is None:
                Outage.objects.bulk_create([_outage(camera, last, now, now, ongoing=True)], ignore_conflicts=True)
                created += 1
            else:
                fresh = _outage(camera, open_outage.start, now, now, ongoing=True)
                Outage.objects.filter(pk=open_outage.pk).update(end=now, severity=fresh.severity,
                                                                coinciding=fresh.coinciding, kind=fresh.kind)
                extended += 1
        Camera.objects.filter(pk=camera.pk).update(checked_until=camera.checked_until)
    return Detected(created, extended)


def detect_outages(*, now: datetime | None = None) -> Detected:
    """Run gap detection for every active camera (idempotent: safe to run again at any time)."""
    now = now or timezone.now()
    created = extended = 0
    for camera in Camera.objects.filter(is_active=True).order_by("pk").iterator(chunk_size=500):
        found = detect_for_camera(camera, now)
        created += found.created
        extended += found.extended
    return Detected(created, extended)
