"""How long footage must be kept, and what a recorder's inventory and deletion reports reveal.

Footage is kept at least ``VIDEO_RETENTION_DAYS`` after it ends, and
``VIDEO_RETENTION_INCIDENT_DAYS`` when an outage of high severity, or a coinciding event (a
complaint, a use-of-force report, a visit: see ``video.coinciding``), falls near it in the same
facility. A recorder that reports deleting footage before then, or whose inventory no longer
holds it, raises an alarm (a tamper event); a deletion after the period is lawful and logged as
``retention:deletion``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import Max, Min, Q

from custodywatch_protocol import recorder as rp
from ledger import interface as ledger
from video import coinciding, conf
from video.models import Outage, Segment, Severity, TamperKind

if TYPE_CHECKING:
    from video.ingest import _Run
    from video.models import Camera


def keep_until(camera: Camera, start: datetime, end: datetime) -> datetime:
    """The earliest moment footage of ``camera`` from ``start`` to ``end`` may be deleted."""
    window = conf.coincidence_window()
    serious = Outage.objects.filter(
        facility_id=camera.facility_id, severity__gte=Severity.HIGH, start__lt=end + window, end__gt=start - window
    ).exists() or bool(coinciding.around(camera.facility_id, start - window, end + window))
    days = conf.retention_days_with_incident() if serious else conf.retention_days()
    return end + timedelta(days=days)


def _kept(camera: Camera, rows: Q, now: datetime) -> tuple[int, int, datetime | None]:
    """How many of the camera's stored segments matching ``rows`` are still within retention."""
    segments = Segment.objects.filter(rows, camera=camera, deleted_at__isnull=True)
    span = segments.aggregate(start=Min("start"), end=Max("end"))
    if span["start"] is None:
        return 0, 0, None
    until = keep_until(camera, span["start"], span["end"])
    early = segments.filter(end__gt=now - (until - span["end"])).count()
    return segments.count(), early, until


def check_inventory(run: _Run, index: int, signed: rp.Signed) -> None:
    message: rp.Inventory = signed.message
    camera = run.camera_of(index, signed)
    if camera is None:
        return
    held = Q()
    for first, last in message.held:
        held |= Q(seq__range=(first, last))
    from video.ingest import ms_to_datetime

    # Footage that ended before the inventory was taken and that it does not list.
    missing = (~held if message.held else Q()) & Q(end__lte=ms_to_datetime(message.at))
    total, early, until = _kept(camera, missing, run.now)
    if early:
        run.alarm(TamperKind.MISSING_FROM_INVENTORY, "held", "missing_from_inventory",
                  {"count": early, "camera": camera.code, "until": until.date().isoformat() if until else ""},
                  camera=camera, digest=signed.digest)
    if total:
        _mark_deleted(run, camera, signed, missing, reason="inventory", lawful=not early)
    run.result.accepted.append(index)


def take_deletion(run: _Run, index: int, signed: rp.Signed) -> None:
    message: rp.Deletion = signed.message
    camera = run.camera_of(index, signed)
    if camera is None:
        return
    rows = Q(seq__range=(message.first, message.last))
    total, early, until = _kept(camera, rows, run.now)
    if not total:
        run.result.duplicates.append(index)
        return
    if early:
        run.alarm(TamperKind.EARLY_DELETION, "first", "early_deletion",
                  {"count": early, "camera": camera.code, "reason": message.reason,
                   "until": until.date().isoformat() if until else ""},
                  camera=camera, seq=message.first, digest=signed.digest)
    _mark_deleted(run, camera, signed, rows, reason=message.reason, lawful=not early)
    run.result.accepted.append(index)


def _mark_deleted(run: _Run, camera: Camera, signed: rp.Signed, rows: Q, *, reason: str, lawful: bool = True) -> None:
    segments = Segment.objects.filter(rows, camera=camera, deleted_at__isnull=True)
    span = segments.aggregate(first=Min("seq"), last=Max("seq"))
    count = segments.update(deleted_at=run.now)
    if lawful and count:
        run.result.records.append(ledger.record(
            kind="retention:deletion", scope=camera.facility_id, subject=f"video.camera:{camera.pk}",
            record={"recorder": run.recorder.code, "camera": camera.code, "first_seq": span["first"],
                    "last_seq": span["last"], "segments": count, "reason": reason, "report": signed.digest},
            now=run.now))
