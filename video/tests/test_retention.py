"""Retention: early deletion and footage gone from the inventory raise alarms; lawful deletion is logged."""

from __future__ import annotations

from datetime import timedelta

from custodywatch_protocol import recorder as rp
from ledger import interface as ledger
from video import coinciding
from video.conftest import NOW
from video.ingest import ingest_submission
from video.models import Segment, TamperEvent, TamperKind


def ms(at) -> int:
    return int(at.timestamp() * 1000)


def recorded(nvr, start, count=3):
    ingest_submission(data=nvr.submission(*[nvr.segment("cam-1", start + timedelta(seconds=10 * i))
                                            for i in range(count)]), now=start + timedelta(minutes=1))


def deletion(nvr, at, first=0, last=2, reason="retention"):
    return nvr.submission(rp.Deletion(recorder="nvr-1", camera="cam-1", at=ms(at), first=first, last=last,
                                      reason=reason))


def test_a_deletion_before_the_retention_ends_raises_an_alarm(nvr, settings):
    settings.VIDEO_RETENTION_DAYS = 30
    recorded(nvr, NOW - timedelta(days=10))
    result = ingest_submission(data=deletion(nvr, NOW), now=NOW)
    assert result.accepted == [0]
    event = TamperEvent.objects.get()
    assert event.kind == TamperKind.EARLY_DELETION
    assert "3 segments of camera cam-1" in event.detail
    assert Segment.objects.filter(deleted_at__isnull=False).count() == 3
    assert ledger.index_of(kind="retention:deletion", subject=f"video.camera:{nvr.cameras['cam-1'].pk}") is None


def test_a_lawful_deletion_is_logged_as_retention_deletion(nvr, settings):
    settings.VIDEO_RETENTION_DAYS = 30
    recorded(nvr, NOW - timedelta(days=31))
    result = ingest_submission(data=deletion(nvr, NOW), now=NOW)
    assert not TamperEvent.objects.exists()
    assert len(result.records) == 1
    assert ledger.index_of(kind="retention:deletion", subject=f"video.camera:{nvr.cameras['cam-1'].pk}") is not None
    assert ingest_submission(data=deletion(nvr, NOW), now=NOW).duplicates == [0]


def test_an_incident_near_the_footage_lengthens_its_retention(nvr, settings, facility):
    settings.VIDEO_RETENTION_DAYS = 30
    settings.VIDEO_RETENTION_INCIDENT_DAYS = 365
    start = NOW - timedelta(days=31)
    recorded(nvr, start)
    coinciding.register("complaint", lambda facility_id, a, b: [coinciding.Event("complaint", start)])
    try:
        ingest_submission(data=deletion(nvr, NOW), now=NOW)
    finally:
        coinciding.unregister("complaint")
    assert TamperEvent.objects.get().kind == TamperKind.EARLY_DELETION


def test_footage_missing_from_the_inventory_before_expiry_raises_an_alarm(nvr):
    recorded(nvr, NOW - timedelta(days=2), count=4)
    inventory = rp.Inventory(recorder="nvr-1", camera="cam-1", at=ms(NOW), held=((0, 0), (2, 3)))
    ingest_submission(data=nvr.submission(inventory), now=NOW)
    event = TamperEvent.objects.get()
    assert event.kind == TamperKind.MISSING_FROM_INVENTORY
    assert event.detail.startswith("1 segment of camera cam-1 gone")
    assert list(Segment.objects.filter(deleted_at__isnull=False).values_list("seq", flat=True)) == [1]
