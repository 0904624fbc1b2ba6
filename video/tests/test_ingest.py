"""Manifests in: what holds is committed to the ledger, what does not is refused and kept as an alarm."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custodywatch_protocol import recorder as rp
from ledger import interface as ledger
from video import evidence
from video.conftest import NOW
from video.ingest import UnknownRecorder, ingest_submission
from video.models import Camera, Segment, TamperEvent, TamperKind

URL = "/api/v1/video/manifests"


@pytest.fixture(params=[rp.FORMAT_VERSION, rp.BATCH_VERSION], ids=["v1", "v2"])
def nvr(nvr, request):
    """Every check holds alike for v1 submissions (each manifest signed) and v2 (one batch signature)."""
    nvr.version = request.param
    return nvr


def post(data: bytes):
    return Client().post(URL, data=data, content_type="application/json")


def test_segments_are_stored_and_committed_in_one_ledger_entry_per_camera(nvr, frozen):
    messages = [nvr.segment("cam-1", NOW - timedelta(seconds=30 - 10 * i)) for i in range(3)]
    messages.append(nvr.segment("cam-2", NOW - timedelta(seconds=20)))
    response = post(nvr.submission(*messages))
    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == [0, 1, 2, 3]
    assert response.json()["refused"] == []
    assert Segment.objects.count() == 4
    camera = Camera.objects.get(code="cam-1")
    assert (camera.next_seq, camera.last_sha256) == (3, messages[2].sha256)
    [batch_index] = {ledger.index_of(kind="segment", subject=f"video.segmentbatch:{s.batch_id}")
                     for s in Segment.objects.filter(camera=camera)}
    assert batch_index is not None
    record = {"recorder": "nvr-1", "camera": "cam-1", "first_seq": 0, "last_seq": 2,
              "manifests": [rp.sign(m, nvr.key).digest for m in messages[:3]]}
    subject = f"video.segmentbatch:{Segment.objects.filter(camera=camera).first().batch_id}"
    assert ledger.verify_record(kind="segment", subject=subject, record=record).status == "matches"


def test_a_resubmitted_batch_changes_nothing(nvr, frozen):
    data = nvr.submission(nvr.segment("cam-1", NOW - timedelta(seconds=20)),
                          nvr.segment("cam-1", NOW - timedelta(seconds=10)))
    first = post(data).json()
    again = post(data).json()
    assert (first["accepted"], again["accepted"], again["duplicates"]) == ([0, 1], [], [0, 1])
    assert again["records"] == []
    assert Segment.objects.count() == 2
    assert not TamperEvent.objects.exists()


def refused(nvr, *messages) -> tuple[dict, TamperEvent]:
    result = post(nvr.submission(*messages)).json()
    event = TamperEvent.objects.latest("pk")
    return result["refused"][-1], event


def test_a_different_manifest_for_an_accepted_segment_is_refused_as_a_conflict(nvr, frozen):
    post(nvr.submission(nvr.segment("cam-1", NOW - timedelta(seconds=20))))
    replay = nvr.segment("cam-1", NOW - timedelta(seconds=20), content=b"other footage", seq=0, prev=rp.ZERO_HASH)
    refusal, event = refused(nvr, replay)
    assert (refusal["kind"], refusal["field"]) == ("conflict", "seq")
    assert (event.kind, event.seq) == (TamperKind.CONFLICT, 0)
    assert Segment.objects.get().sha256 != replay.sha256


def test_an_old_sequence_number_is_refused_as_out_of_order(nvr, frozen):
    a, b = nvr.segment("cam-1", NOW - timedelta(seconds=30)), nvr.segment("cam-1", NOW - timedelta(seconds=20))
    post(nvr.submission(a, b))
    late = nvr.segment("cam-1", NOW - timedelta(seconds=40), seq=0, content=b"x", prev=rp.ZERO_HASH)
    refusal, event = refused(nvr, late)
    assert refusal["kind"] in ("conflict", "out_of_order")
    assert event.camera.code == "cam-1"


def test_a_broken_chain_is_refused_naming_the_previous_segment(nvr, frozen):
    post(nvr.submission(nvr.segment("cam-1", NOW - timedelta(seconds=20))))
    broken = nvr.segment("cam-1", NOW - timedelta(seconds=10), prev="ee" * 32)
    refusal, event = refused(nvr, broken)
    assert (refusal["kind"], refusal["field"]) == ("chain_break", "prev")
    assert "segment 0 of camera cam-1" in refusal["error"]
    assert event.kind == TamperKind.CHAIN_BREAK


def test_a_sequence_gap_is_taken_and_raises_an_alarm(nvr, frozen):
    post(nvr.submission(nvr.segment("cam-1", NOW - timedelta(seconds=50))))
    later = nvr.segment("cam-1", NOW - timedelta(seconds=10), seq=4)
    result = post(nvr.submission(later)).json()
    assert result["accepted"] == [0]
    event = TamperEvent.objects.get()
    assert event.kind == TamperKind.SEQUENCE_GAP
    assert event.detail == "segments 1 to 3 of camera cam-1 were never reported"


@pytest.mark.parametrize(("offset_ms", "start_delta", "field"), [
    (120_000, timedelta(seconds=-20), "clock_offset_ms"),
    (0, timedelta(hours=1), "end"),
])
def test_a_clock_far_off_is_refused(nvr, frozen, offset_ms, start_delta, field):
    refusal, event = refused(nvr, nvr.segment("cam-1", NOW + start_delta, offset_ms=offset_ms))
    assert (refusal["kind"], refusal["field"], event.kind) == ("clock", field, TamperKind.CLOCK)
    assert not Segment.objects.exists()


def test_a_forged_message_is_refused_and_the_good_ones_taken(nvr, frozen):
    nvr.version = rp.FORMAT_VERSION  # in v2 one signature covers the batch: see the tests below
    good = rp.sign(nvr.segment("cam-1", NOW - timedelta(seconds=20)), nvr.key)
    forged = rp.sign(nvr.segment("cam-2", NOW - timedelta(seconds=20)), rp.generate_key())
    result = post(rp.encode_submission("nvr-1", [good, forged])).json()
    assert result["accepted"] == [0]
    assert result["refused"][0]["kind"] == "bad_signature"
    assert TamperEvent.objects.get().kind == TamperKind.BAD_SIGNATURE


def test_a_wholly_forged_submission_is_unauthorised_and_leaves_one_alarm(nvr, frozen):
    nvr.version = rp.FORMAT_VERSION
    forged = rp.sign(nvr.segment("cam-1", NOW - timedelta(seconds=20)), rp.generate_key())
    response = post(rp.encode_submission("nvr-1", [forged]))
    assert response.status_code == 401
    assert response.json()["errors"][0]["field"] == "recorder"
    assert TamperEvent.objects.get().kind == TamperKind.BAD_SIGNATURE
    assert not Segment.objects.exists()


def test_an_unknown_recorder_or_camera_is_refused(nvr, frozen):
    with pytest.raises(UnknownRecorder):
        ingest_submission(data=rp.encode_submission("nvr-9", nvr.sign(nvr.segment("cam-1", NOW))))
    refusal, event = refused(nvr, nvr.segment("cam-7", NOW - timedelta(seconds=10)))
    assert (refusal["kind"], event.kind) == ("unknown_camera", TamperKind.UNKNOWN_CAMERA)


def test_a_malformed_envelope_answers_400_naming_the_field(nvr):
    response = post(b'{"v":1,"recorder":"nvr-1","messages":"x"}')
    assert response.status_code == 400
    assert response.json() == {"errors": [{"field": "messages", "error": "must be a list"}]}


def test_no_signal_is_committed_as_its_own_entry(nvr, frozen):
    start = int((NOW - timedelta(minutes=5)).timestamp() * 1000)
    message = rp.NoSignal(recorder="nvr-1", camera="cam-2", start=start, end=start + 120_000)
    result = post(nvr.submission(message)).json()
    assert result["accepted"] == [0]
    assert len(result["records"]) == 1
    row = Camera.objects.get(code="cam-2").no_signals.get()
    assert ledger.index_of(kind="camera:no_signal", subject=f"video.nosignal:{row.pk}") is not None
    assert post(nvr.submission(message)).json()["duplicates"] == [0]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(position=st.integers(0, 2000), byte=st.integers(0, 255))
def test_a_submission_with_any_byte_changed_is_answered_never_crashes(nvr, frozen, position, byte):
    data = bytearray(nvr.submission(nvr.segment("cam-1", NOW - timedelta(seconds=20), seq=0, prev=rp.ZERO_HASH)))
    data[position % len(data)] = byte
    response = post(bytes(data))
    assert response.status_code in (200, 400, 401)
    body = response.json()
    if response.status_code == 200:
        assert len(body["accepted"]) + len(body["duplicates"]) + len(body["refused"]) == 1
    else:
        assert body["errors"][0]["error"]


def test_the_ledger_record_hides_the_camera(nvr, frozen):
    post(nvr.submission(nvr.segment("cam-1", NOW - timedelta(seconds=20))))
    subject = f"video.segmentbatch:{Segment.objects.get().batch_id}"
    index = ledger.index_of(kind="segment", subject=subject)
    inclusion = ledger.inclusion_at_head(index=index)
    entry = json.loads(inclusion.entry)
    assert set(entry) == {"kind", "time", "commitment"}
    assert b"cam-1" not in inclusion.entry


def test_a_batch_signed_by_another_key_is_unauthorised_and_leaves_one_alarm(nvr, frozen):
    bodies = [rp.encode_message(nvr.segment("cam-1", NOW - timedelta(seconds=20)))]
    response = post(rp.encode_batch_submission("nvr-1", bodies, rp.generate_key()))
    assert response.status_code == 401
    assert TamperEvent.objects.get().kind == TamperKind.BAD_SIGNATURE
    assert not Segment.objects.exists()


def test_a_batch_with_one_manifest_altered_after_signing_is_refused_whole(nvr, frozen):
    data = nvr.batch(nvr.segment("cam-1", NOW - timedelta(seconds=20)),
                     nvr.segment("cam-2", NOW - timedelta(seconds=20)))
    envelope = json.loads(data)
    body = base64.b64decode(envelope["messages"][1]).replace(b'"size":', b'"size":1')
    envelope["messages"][1] = base64.b64encode(body).decode()
    response = post(rp.canonical_record(envelope))
    assert response.status_code == 401
    assert TamperEvent.objects.get().kind == TamperKind.BAD_SIGNATURE
    assert not Segment.objects.exists()


def test_a_malformed_manifest_in_a_signed_batch_is_refused_and_the_others_taken(nvr, frozen):
    good = rp.encode_message(nvr.segment("cam-1", NOW - timedelta(seconds=20)))
    result = post(nvr.batch(good, b'{"type":"segment"}')).json()
    assert result["accepted"] == [0]
    assert (result["refused"][0]["index"], result["refused"][0]["kind"]) == (1, "malformed")
    assert TamperEvent.objects.get().kind == TamperKind.MALFORMED


def test_a_manifest_of_a_batch_is_proven_on_its_own_by_its_batch_proof(nvr, frozen):
    messages = [nvr.segment(camera, NOW - timedelta(seconds=40 - 10 * i)) for i in range(3) for camera in nvr.cameras]
    post(nvr.batch(*messages))
    segments = list(Segment.objects.select_related("camera__recorder", "camera__facility").order_by("pk"))
    assert len(segments) == 6
    public = nvr.key.public_key()
    for doc in evidence.describe(segments, None):
        signed = rp.parse_signed(doc["manifest"], "manifest")
        assert signed.batch is not None
        assert signed.batch.size == 6
        assert rp.verify(signed, public)
        assert not rp.verify(rp.Signed(body=signed.body.replace(b'"seq":', b'"seq":9'), signature=b"",
                                       message=signed.message, batch=signed.batch), public)
        assert not rp.verify(signed, rp.generate_key().public_key())


def test_an_alarm_keeps_a_code_and_its_parameters_and_is_worded_in_the_readers_language(nvr, frozen):
    from django.utils import translation

    post(nvr.submission(nvr.segment("cam-1", NOW - timedelta(seconds=50))))
    post(nvr.submission(nvr.segment("cam-1", NOW - timedelta(seconds=10), seq=4)))
    event = TamperEvent.objects.get()
    assert (event.code, event.params) == ("sequence_gap", {"first": 1, "last": 3, "camera": "cam-1"})
    with translation.override("en"):
        assert event.message == event.detail == "segments 1 to 3 of camera cam-1 were never reported"
    with translation.override("ru"):
        assert event.message == "сегменты с 1 по 3 камеры cam-1 так и не были переданы"  # noqa: RUF001
    with translation.override("kk"):
        assert event.message == "cam-1 камерасының 1–3 сегменттері ешқашан хабарланбаған"  # noqa: RUF001


def test_an_alarm_recorded_before_codes_were_kept_shows_its_stored_wording(nvr, frozen):
    event = TamperEvent.objects.create(facility=nvr.recorder.facility, recorder=nvr.recorder, kind=TamperKind.CLOCK,
                                       detail="the recorder clock is far off", occurred_at=NOW)
    assert event.message == "the recorder clock is far off"


def test_a_segment_is_found_by_its_whole_hash_even_when_another_shares_its_indexed_prefix(personas, frozen):
    from video.models import sha256_prefix
    from video.testing import SimulatedRecorder

    recorder = SimulatedRecorder.create(personas.colony, code="nvr-prefix")
    ingest_submission(data=recorder.submission(*[recorder.segment("cam-1", NOW - timedelta(seconds=30 - 10 * i))
                                                 for i in range(2)]))
    first, second = Segment.objects.order_by("seq")
    assert [s.sha_prefix for s in (first, second)] == [sha256_prefix(first.sha256), sha256_prefix(second.sha256)]
    assert 0 <= first.sha_prefix < 2**60
    # Another file whose hash begins like the first one's (60 bits alike, the rest not).
    twin = first.sha256[:15] + ("0" if first.sha256[15] != "0" else "1") + first.sha256[16:]
    Segment.objects.filter(pk=second.pk).update(sha256=twin, sha_prefix=sha256_prefix(twin))

    assert [doc["seq"] for doc in evidence.for_hashes(personas.npm_monitor, [first.sha256])] == [0]
    assert [doc["seq"] for doc in evidence.for_hashes(personas.npm_monitor, [twin])] == [1]
    assert evidence.for_hashes(personas.npm_monitor, [first.sha256[:15] + "f" * 49]) == []
