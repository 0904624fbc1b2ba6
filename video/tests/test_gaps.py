"""Gaps in a camera's timeline become outage incidents, graded by zone and coinciding events."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from jobs.schedule import default_schedule
from video import coinciding
from video.conftest import NOW
from video.gaps import detect_outages, find_gaps
from video.ingest import ingest_submission
from video.models import Outage, OutageKind, Severity


def record(nvr, camera: str, start, count: int) -> None:
    messages = [nvr.segment(camera, start + timedelta(seconds=10 * i)) for i in range(count)]
    result = ingest_submission(data=nvr.submission(*messages), now=NOW)
    assert len(result.accepted) == count


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 500)), min_size=1, max_size=40),
       st.integers(1, 300))
def test_find_gaps_agrees_with_walking_the_timeline(spans, threshold):
    spans = sorted((s, s + length) for s, length in spans)
    starts = np.array([s for s, _ in spans], dtype=np.int64)
    ends = np.array([e for _, e in spans], dtype=np.int64)
    expected, covered = [], spans[0][1]
    for start, end in spans[1:]:
        if start - covered > threshold:
            expected.append((covered, start))
        covered = max(covered, end)
    assert find_gaps(starts, ends, threshold) == expected


def test_a_hole_longer_than_the_threshold_is_an_outage_with_start_end_and_duration(nvr):
    start = NOW - timedelta(minutes=20)
    record(nvr, "cam-1", start, 30)                      # 5 minutes
    record(nvr, "cam-1", start + timedelta(minutes=10), 60)  # after a 5-minute hole, to NOW
    assert detect_outages(now=NOW).created == 1
    outage = Outage.objects.get()
    assert (outage.start, outage.end) == (start + timedelta(minutes=5), start + timedelta(minutes=10))
    assert outage.duration == timedelta(minutes=5)
    assert (outage.kind, outage.severity, outage.ongoing) == (OutageKind.GAP, Severity.HIGH, False)
    assert detect_outages(now=NOW).created == 0  # nothing new: the job may run again at any time


def test_an_outage_in_a_low_risk_zone_that_coincides_with_a_complaint_rises_by_one(nvr, facility):
    from video.testing import SimulatedRecorder

    yard = SimulatedRecorder.create(facility, code="nvr-2", cameras={"yard-1": "yard"})
    start = NOW - timedelta(minutes=20)
    record(yard, "yard-1", start, 6)
    record(yard, "yard-1", start + timedelta(minutes=10), 6)
    coinciding.register("complaint", lambda facility_id, a, b: [coinciding.Event("complaint", a + (b - a) / 2)]
                        if facility_id == facility.pk else [])
    try:
        detect_outages(now=start + timedelta(minutes=11))
    finally:
        coinciding.unregister("complaint")
    outage = Outage.objects.get(camera__code="yard-1")
    assert outage.severity == Severity.MEDIUM + 1
    assert outage.coinciding[0]["kind"] == "complaint"


def test_a_silent_camera_has_an_ongoing_outage_that_closes_when_footage_returns(nvr):
    start = NOW - timedelta(hours=2)
    record(nvr, "cam-2", start, 6)
    detect_outages(now=start + timedelta(minutes=5))
    ongoing = Outage.objects.get()
    assert (ongoing.ongoing, ongoing.start) == (True, start + timedelta(minutes=1))
    detect_outages(now=start + timedelta(minutes=95))
    ongoing.refresh_from_db()
    assert (ongoing.end, ongoing.severity) == (start + timedelta(minutes=95), Severity.CRITICAL)
    record(nvr, "cam-2", start + timedelta(minutes=100), 6)
    detect_outages(now=start + timedelta(minutes=102))
    closed = Outage.objects.get()
    assert (closed.ongoing, closed.end) == (False, start + timedelta(minutes=100))


def test_a_gap_the_recorder_reported_as_no_signal_is_an_outage_of_that_kind(nvr):
    from custodywatch_protocol import recorder as rp

    start = NOW - timedelta(minutes=20)
    record(nvr, "cam-1", start, 6)
    record(nvr, "cam-1", start + timedelta(minutes=10), 6)
    ms = int((start + timedelta(minutes=1)).timestamp() * 1000)
    ingest_submission(data=nvr.submission(rp.NoSignal(recorder="nvr-1", camera="cam-1", start=ms,
                                                      end=ms + 9 * 60_000)), now=NOW)
    detect_outages(now=start + timedelta(minutes=11))
    assert Outage.objects.get().kind == OutageKind.NO_SIGNAL


def test_gap_detection_is_scheduled():
    assert "video.tasks.detect_outages" in {p.task for p in default_schedule()}
