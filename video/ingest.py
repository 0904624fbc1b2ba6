"""Taking a recorder's submission: check every message, keep what holds, report what does not.

Each segment manifest is checked for its signature (the recorder's registered key), its camera
(registered on that recorder), its place in the camera's sequence and chain, and its clock. What
holds is stored and committed to the ledger, one ``segment`` entry per camera and submission
(its record lists the digests of the manifests); what does not is refused with its reason and
kept as a tamper event for the oversight bodies. A manifest already accepted is acknowledged
again and changes nothing, so a recorder may resend whatever it is unsure of.
"""

from __future__ import annotations

import base64
import binascii
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import connection, transaction
from django.utils import timezone

from custodywatch_protocol import recorder as rp
from ledger import interface as ledger
from video import alarms, conf, retention
from video.models import (
    Camera,
    NoSignal,
    Recorder,
    Segment,
    SegmentBatch,
    SignedSubmission,
    TamperEvent,
    TamperKind,
    sha256_prefix,
)

# What the recorder's frame sampling may report that is an alarm (custodywatch_protocol.recorder.PICTURES).
PICTURE_ALARMS = frozenset({TamperKind.BLACK, TamperKind.FROZEN, TamperKind.COVERED, TamperKind.UNREADABLE})


class UnknownRecorder(Exception):
    """The submission names no active registered recorder."""


@dataclass
class Refusal:
    index: int
    kind: str
    field: str
    error: str


@dataclass
class IngestResult:
    accepted: list[int] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    records: list[ledger.Recorded] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "refused": [{"index": r.index, "kind": r.kind, "field": r.field, "error": r.error} for r in self.refused],
            "records": [r.id for r in self.records],
        }


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_MS = timedelta(milliseconds=1)


def ms_to_datetime(ms: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=ms)


def datetime_to_ms(value: datetime) -> int:
    return (value - _EPOCH) // _MS


def _db_datetime():
    """How a time in milliseconds is written in a raw query on this connection (SQLite: Django's
    text form of the UTC time; other engines take the datetime itself)."""
    if connection.vendor == "sqlite":
        return lambda ms: (_NAIVE_EPOCH + timedelta(milliseconds=ms)).isoformat(" ")
    return lambda ms: connection.ops.adapt_datetimefield_value(ms_to_datetime(ms))


def public_key(recorder: Recorder) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(recorder.public_key, validate=True))
    except (binascii.Error, ValueError) as e:
        raise UnknownRecorder(f"recorder {recorder.code} has no usable key") from e


class _Run:
    """One submission's checks, in the order its messages came."""

    def __init__(self, recorder: Recorder, now: datetime, batch: rp.BatchSignature | None) -> None:
        self.recorder = recorder
        self.now = now
        self.result = IngestResult()
        self.tamper: list[TamperEvent] = []
        self.batch = batch
        # Read once per submission, not once per manifest.
        self.max_offset_ms = conf.max_clock_offset().total_seconds() * 1000
        self.tolerance = conf.future_tolerance()
        self.tolerance_ms = self.tolerance // _MS
        self.latest_end_ms = datetime_to_ms(now + self.tolerance)
        self.db_datetime = _db_datetime()
        self.cameras: dict[str, Camera] = {}

    def lock_cameras(self) -> None:
        """Read the recorder's cameras (their chains' heads) for this submission's transaction."""
        self.cameras = {c.code: c for c in Camera.objects.select_for_update().filter(recorder=self.recorder)}

    def alarm(self, kind: str, field_name: str, code: str, params: dict, *, camera: Camera | None = None,
              seq: int | None = None, digest: str = "") -> str:
        """Keep a tamper event (its wording as a code and parameters); returns the English wording."""
        error = alarms.english(code, params)
        self.tamper.append(TamperEvent(
            facility_id=self.recorder.facility_id, recorder=self.recorder, camera=camera, kind=kind,
            field=field_name[:100], detail=error[:500], code=code, params=params, seq=seq, digest=digest,
            occurred_at=self.now,
        ))
        return error

    def refuse(self, index: int, kind: str, field_name: str, code: str, params: dict, *,
               camera: Camera | None = None, seq: int | None = None, digest: str = "") -> None:
        error = self.alarm(kind, field_name, code, params, camera=camera, seq=seq, digest=digest)
        self.result.refused.append(Refusal(index, kind, field_name, error))

    def camera_of(self, index: int, signed: rp.Signed) -> Camera | None:
        camera = self.cameras.get(signed.message.camera)
        if camera is None or not camera.is_active:
            self.refuse(index, TamperKind.UNKNOWN_CAMERA, "camera", "unknown_camera",
                        {"camera": signed.message.camera, "recorder": self.recorder.code}, digest=signed.digest)
        return camera

    def clock_error(self, message: rp.Segment | rp.Heartbeat) -> tuple[str, str, dict] | None:
        """(field, code, parameters) of what is wrong with the message's clock, or None."""
        if abs(message.clock_offset_ms) > self.max_offset_ms:
            return "clock_offset_ms", "clock_offset", {"offset": message.clock_offset_ms,
                                                       "reference": message.clock_ref,
                                                       "limit": int(self.max_offset_ms // 1000)}
        if isinstance(message, rp.Segment) and message.end - message.clock_offset_ms > self.latest_end_ms:
            end = ms_to_datetime(message.end - message.clock_offset_ms)
            return "end", "clock_future", {"end": end.isoformat(), "now": self.now.isoformat()}
        return None


def ingest_submission(*, data: bytes, now: datetime | None = None) -> IngestResult:
    """Check and take one submission (see the module docstring).

    Raises ``rp.ProtocolError`` for an unusable envelope and ``UnknownRecorder`` when the
    recorder is not registered or no message carries its signature; neither writes anything.
    """
    now = now or timezone.now()
    parsed = rp.parse_submission(data)
    recorder = Recorder.objects.select_related("facility").filter(code=parsed.recorder, is_active=True).first()
    if recorder is None:
        raise UnknownRecorder(f"recorder {parsed.recorder} is not registered")
    key = public_key(recorder)
    good: list[tuple[int, rp.Signed]] = []
    forged: list[tuple[int, rp.Signed]] = []
    if parsed.batch is not None:
        # v2: one signature for the whole batch; it holds for every message or for none.
        signed_by_recorder = parsed.batch.verify(key)
        if signed_by_recorder:
            good.extend(parsed.messages)
    else:
        for index, signed in parsed.messages:
            try:
                key.verify(signed.signature, rp.MESSAGE_DOMAIN + signed.body)
            except InvalidSignature:
                forged.append((index, signed))
            else:
                good.append((index, signed))
        signed_by_recorder = bool(good)
    if not signed_by_recorder:
        # Nothing in it is from this recorder: one alarm for the whole forgery, and a refusal.
        code = "batch_not_signed" if parsed.batch is not None else "not_signed"
        params = {"count": len(parsed.messages) + len(parsed.errors)}
        TamperEvent.objects.create(
            facility_id=recorder.facility_id, recorder=recorder, kind=TamperKind.BAD_SIGNATURE,
            field="sig" if parsed.batch is not None else "messages", detail=alarms.english(code, params)[:500],
            code=code, params=params, occurred_at=now)
        raise UnknownRecorder(f"no message is signed by recorder {parsed.recorder}'s key")
    run = _Run(recorder, now, parsed.batch)
    # What each manifest says on its own is worked out before the transaction (on SQLite, the
    # writer's turn), which is only for what depends on the cameras' chains.
    segments = [_Candidate.of(run, index, signed) for index, signed in good if isinstance(signed.message, rp.Segment)]
    with transaction.atomic():
        run.lock_cameras()
        for index, error in parsed.errors:
            run.refuse(index, TamperKind.MALFORMED, error.field, "malformed",
                       {"field": error.field, "error": error.error})
        for index, signed in forged:
            run.refuse(index, TamperKind.BAD_SIGNATURE, f"messages[{index}].sig", "bad_signature", {},
                       digest=signed.digest)
        _take_segments(run, segments)
        for index, signed in good:
            message = signed.message
            if isinstance(message, rp.Heartbeat):
                _take_heartbeat(run, index, message)
            elif isinstance(message, rp.NoSignal):
                _take_no_signal(run, index, signed)
            elif isinstance(message, rp.Inventory):
                retention.check_inventory(run, index, signed)
            elif isinstance(message, rp.Deletion):
                retention.take_deletion(run, index, signed)
        TamperEvent.objects.bulk_create(run.tamper)
    return run.result


def _take_heartbeat(run: _Run, index: int, message: rp.Heartbeat) -> None:
    error = run.clock_error(message)
    if error:
        run.refuse(index, TamperKind.CLOCK, *error)
        return
    at = ms_to_datetime(message.at - message.clock_offset_ms)
    recorder = run.recorder
    if recorder.last_heartbeat_at is None or at > recorder.last_heartbeat_at:
        Recorder.objects.filter(pk=recorder.pk).update(last_heartbeat_at=at, clock_offset_ms=message.clock_offset_ms)
        recorder.last_heartbeat_at = at
    run.result.accepted.append(index)


def _take_no_signal(run: _Run, index: int, signed: rp.Signed) -> None:
    message = signed.message
    camera = run.camera_of(index, signed)
    if camera is None:
        return
    if NoSignal.objects.filter(camera=camera, digest=signed.digest).exists():
        run.result.duplicates.append(index)
        return
    row = NoSignal.objects.create(camera=camera, start=ms_to_datetime(message.start), end=ms_to_datetime(message.end),
                                  digest=signed.digest)
    run.result.records.append(ledger.record(
        kind="camera:no_signal", scope=camera.facility_id, subject=row.subject,
        record={"recorder": run.recorder.code, "camera": camera.code, "start": message.start, "end": message.end,
                "manifest": signed.digest}))
    run.result.accepted.append(index)


@dataclass(slots=True)
class _Candidate:
    """A segment manifest with what it says on its own: its times on the reference clock in
    milliseconds (and as the database writes them), and what is wrong with its clock, if anything."""

    index: int
    signed: rp.Signed
    start_ms: int
    end_ms: int
    clock_error: tuple[str, str, dict] | None
    db_start: object
    db_end: object

    @classmethod
    def of(cls, run: _Run, index: int, signed: rp.Signed) -> _Candidate:
        m: rp.Segment = signed.message
        start, end = m.start - m.clock_offset_ms, m.end - m.clock_offset_ms
        return cls(index, signed, start, end, run.clock_error(m), run.db_datetime(start), run.db_datetime(end))


def _take_segments(run: _Run, segments: list[_Candidate]) -> None:
    by_camera: dict[str, list[_Candidate]] = defaultdict(list)
    for candidate in segments:
        camera = run.camera_of(candidate.index, candidate.signed)
        if camera is not None:
            by_camera[camera.code].append(candidate)
    batches: list[tuple[Camera, SegmentBatch, list[_Candidate]]] = []
    for code, items in by_camera.items():
        camera = run.cameras[code]
        taken = _check_chain(run, camera, sorted(items, key=lambda c: c.signed.message.seq))
        if taken:
            seqs = [t.signed.message.seq for t in taken]
            batches.append((camera, SegmentBatch(camera=camera, first_seq=min(seqs), last_seq=max(seqs),
                                                 created_at=run.now), taken))
    if not batches:
        return
    SegmentBatch.objects.bulk_create([batch for _c, batch, _t in batches])
    submission_id = None
    if run.batch is not None:
        submission_id = SignedSubmission.objects.create(
            recorder=run.recorder, signature=run.batch.signature, leaves=b"".join(run.batch.leaves),
            received_at=run.now).pk
    rows = []
    items = []
    for camera, batch, taken in batches:
        camera_id, batch_id = camera.pk, batch.pk
        for t in taken:
            m, signed = t.signed.message, t.signed
            rows.append((camera_id, batch_id, m.seq, t.db_start, t.db_end, m.sha256, sha256_prefix(m.sha256), m.size,
                         signed.digest, signed.body, signed.signature, submission_id,
                         t.index if submission_id else None))
        items.append(ledger.Item(
            record={"recorder": run.recorder.code, "camera": camera.code, "first_seq": batch.first_seq,
                    "last_seq": batch.last_seq, "manifests": [t.signed.digest for t in taken]},
            scope=camera.facility_id, subject=batch.subject))
    heads = [(camera.next_seq, camera.last_sha256, run.db_datetime(datetime_to_ms(camera.last_end)), camera.pk)
             for camera, _b, _t in batches]
    # Plain SQL: the ORM's bulk_create and bulk_update cost more than every check of a manifest together.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_UPDATE_HEADS_PG, [list(column) for column in zip(*heads, strict=True)])
            # COPY in binary: a fifth of the time of one INSERT of arrays, whose values psycopg
            # would first quote as text (and executemany waits for each row).
            with cursor.copy(_COPY_SEGMENTS_PG) as copy:
                copy.set_types(_SEGMENT_TYPES_PG)
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(_UPDATE_HEAD, heads)
            cursor.executemany(_INSERT_SEGMENT, rows)
    run.result.records.extend(ledger.record_many(kind="segment", items=items, now=run.now))


_SEGMENT_COLUMNS = ("camera_id", "batch_id", "seq", "start", "end", "sha256", "sha_prefix", "size", "digest", "body",
                    "signature", "submission_id", "leaf")
_SEGMENT_TYPES_PG = ("int8", "int8", "int8", "timestamptz", "timestamptz", "varchar", "int8", "int8", "varchar",
                     "bytea", "bytea", "int8", "int4")
_SEGMENT_LIST = f'"{Segment._meta.db_table}" (' + ", ".join(f'"{c}"' for c in _SEGMENT_COLUMNS) + ")"
_INSERT_SEGMENT = f"INSERT INTO {_SEGMENT_LIST} VALUES ({', '.join(['%s'] * len(_SEGMENT_COLUMNS))})"  # noqa: S608
_COPY_SEGMENTS_PG = f"COPY {_SEGMENT_LIST} FROM STDIN (FORMAT BINARY)"
_UPDATE_HEAD = (
    f'UPDATE "{Camera._meta.db_table}" SET "next_seq" = %s, "last_sha256" = %s, "last_end" = %s '  # noqa: S608
    'WHERE "id" = %s'
)
_UPDATE_HEADS_PG = (
    f'UPDATE "{Camera._meta.db_table}" AS c SET "next_seq" = v.next_seq, "last_sha256" = v.last_sha256, '  # noqa: S608
    '"last_end" = v.last_end FROM unnest(%s::bigint[], %s::varchar[], %s::timestamptz[], %s::bigint[]) '
    'AS v(next_seq, last_sha256, last_end, id) WHERE c."id" = v.id'
)


def _check_chain(run: _Run, camera: Camera, items: list[_Candidate]) -> list[_Candidate]:
    """The manifests that continue the camera's chain, in order; the others refused or acknowledged."""
    seqs = [c.signed.message.seq for c in items if c.signed.message.seq < camera.next_seq]
    known = dict(Segment.objects.filter(camera=camera, seq__in=seqs).values_list("seq", "digest")) if seqs else {}
    taken: list[_Candidate] = []
    seen: dict[int, str] = {}
    last_end_ms = datetime_to_ms(camera.last_end) if camera.last_end is not None else None
    for candidate in items:
        index, signed = candidate.index, candidate.signed
        m: rp.Segment = signed.message
        if m.seq in seen or m.seq in known:
            if (seen.get(m.seq) or known.get(m.seq)) == signed.digest:
                run.result.duplicates.append(index)
            else:
                run.refuse(index, TamperKind.CONFLICT, "seq", "conflict", {"seq": m.seq, "camera": camera.code},
                           camera=camera, seq=m.seq, digest=signed.digest)
            continue
        if m.seq < camera.next_seq:
            run.refuse(index, TamperKind.OUT_OF_ORDER, "seq", "out_of_order",
                       {"seq": m.seq, "last": camera.next_seq - 1, "camera": camera.code},
                       camera=camera, seq=m.seq, digest=signed.digest)
            continue
        if candidate.clock_error:
            run.refuse(index, TamperKind.CLOCK, *candidate.clock_error, camera=camera, seq=m.seq,
                       digest=signed.digest)
            continue
        if m.seq == camera.next_seq:
            expected = camera.last_sha256 or rp.ZERO_HASH
            if m.prev != expected:
                run.refuse(index, TamperKind.CHAIN_BREAK, "prev", "chain_break",
                           {"seq": m.seq, "prev": m.prev[:16], "previous": m.seq - 1, "camera": camera.code,
                            "expected": expected[:16]}, camera=camera, seq=m.seq, digest=signed.digest)
                continue
        else:
            # Accepted, since what follows must still be taken; the missing ones are the evidence.
            run.alarm(TamperKind.SEQUENCE_GAP, "seq", "sequence_gap",
                      {"first": camera.next_seq, "last": m.seq - 1, "camera": camera.code},
                      camera=camera, seq=m.seq, digest=signed.digest)
        if last_end_ms is not None and candidate.start_ms < last_end_ms - run.tolerance_ms:
            run.refuse(index, TamperKind.CLOCK, "start", "clock_before_previous",
                       {"seq": m.seq, "start": ms_to_datetime(candidate.start_ms).isoformat(),
                        "previous": camera.next_seq - 1, "previous_end": ms_to_datetime(last_end_ms).isoformat()},
                       camera=camera, seq=m.seq, digest=signed.digest)
            continue
        seen[m.seq] = signed.digest
        taken.append(candidate)
        if m.picture in PICTURE_ALARMS:
            run.alarm(m.picture, "picture", "picture", {"seq": m.seq, "camera": camera.code, "picture": m.picture},
                      camera=camera, seq=m.seq, digest=signed.digest)
        camera.next_seq = m.seq + 1
        camera.last_sha256 = m.sha256
        last_end_ms = candidate.end_ms
        run.result.accepted.append(index)
    if taken:
        camera.last_end = ms_to_datetime(last_end_ms)
    return taken
