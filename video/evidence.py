"""What proves a segment: its signed manifest, the recorder's key, and the ledger entry that
committed to the manifest (its opening and its proof). Used by the API, by export packages and,
on the other side, by ``verify-footage``."""

from __future__ import annotations

import base64
from typing import Any

from accounts.permissions import Capability
from custodywatch_protocol import recorder as rp
from ledger import interface as ledger
from video.models import Segment, with_sha256
from video.selectors import video_facilities_for


def describe(segments: list[Segment], user: Any) -> list[dict[str, Any]]:
    """One document per segment (in the order given); the opening only where the mandate covers it."""
    subjects = [f"video.segmentbatch:{s.batch_id}" for s in segments]
    indices = ledger.indices_of(kind="segment", subjects=subjects)
    openings = ledger.openings_for(user, [i for i in indices.values() if i is not None]) if user is not None else {}
    batches = {}
    out = []
    for segment, subject in zip(segments, subjects, strict=True):
        index = indices.get(subject)
        opening = openings.get(index) if index is not None else None
        bundle = ledger.proof_bundle(index=index) if index is not None else None
        out.append({
            "camera": segment.camera.code,
            "recorder": segment.camera.recorder.code,
            "recorder_key": segment.camera.recorder.public_key,
            "facility": segment.camera.facility.code,
            "zone": segment.camera.zone,
            "seq": segment.seq,
            "start": segment.start.isoformat(),
            "end": segment.end.isoformat(),
            "sha256": segment.sha256,
            "size": segment.size,
            "manifest": _manifest(segment, batches),
            "digest": segment.digest,
            "ledger_index": index,
            "opening": opening.format() if opening is not None else None,
            "proof": bundle,
        })
    return out


def _manifest(segment: Segment, batches: dict[int, rp.BatchSignature]) -> dict[str, Any]:
    """The signed manifest as the recorder sent it: with its own signature (v1) or with its
    batch proof (v2: its place in the batch, the inclusion path and the batch signature)."""
    body = base64.b64encode(bytes(segment.body)).decode("ascii")
    if segment.submission_id is None:
        return {"body": body, "sig": base64.b64encode(bytes(segment.signature)).decode("ascii")}
    if segment.submission_id not in batches:
        batches[segment.submission_id] = segment.submission.batch()
    return {"body": body, "batch": batches[segment.submission_id].proof(segment.leaf).wire()}


def for_hashes(user: Any, hashes: list[str]) -> list[dict[str, Any]]:
    facilities = video_facilities_for(user, Capability.VIEW_VIDEO_INTEGRITY)
    segments = list(Segment.objects.filter(with_sha256(hashes), camera__facility__in=facilities)
                    .select_related("camera__recorder", "camera__facility").order_by("camera_id", "seq"))
    return describe(segments, user)
