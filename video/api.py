"""The video part of the JSON API (mounted at /api/v1/video/).

``POST /manifests`` is where recorders submit their signed batches (no user token: every message
is signed by the recorder's registered key, see ``custodywatch_protocol.recorder``).
``GET /segments/{sha256}`` gives what ``verify-footage`` needs to check a copy: the manifest, the
recorder's key, the ledger entry's opening and its proof, for readers whose mandate covers it.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema, Status

from accounts.permissions import Capability, require
from custodywatch_protocol import recorder as rp
from lib.api import COMMON_ERRORS, error_body
from video import evidence
from video.ingest import UnknownRecorder, ingest_submission

router = Router()


class RefusalOut(Schema):
    index: int
    kind: str
    field: str
    error: str


class IngestOut(Schema):
    accepted: list[int]
    duplicates: list[int]
    refused: list[RefusalOut]
    records: list[int]


@router.post("/manifests", auth=None, response={200: IngestOut, **COMMON_ERRORS}, url_name="video-manifests")
def submit_manifests(request: HttpRequest):
    """Take a recorder's batch; each refused message is listed with its reason (and kept as an alarm)."""
    try:
        result = ingest_submission(data=request.body)
    except rp.ProtocolError as e:
        return Status(400, error_body((e.field, e.error)))
    except UnknownRecorder as e:
        return Status(401, error_body(("recorder", str(e))))
    return Status(200, result.as_json())


@router.get("/segments/{sha256}", response={200: dict, **COMMON_ERRORS}, url_name="video-segment-evidence")
def segment_evidence(request: HttpRequest, sha256: str):
    """Every manifest naming a file with this SHA-256, with its recorder key, opening and proof."""
    require(request.auth, Capability.VIEW_VIDEO_INTEGRITY)
    if not rp.HEX64_RE.match(sha256):
        return Status(400, error_body(("sha256", "64 lower-case hex digits")))
    found = evidence.for_hashes(request.auth, [sha256])
    if not found:
        return Status(404, error_body(("sha256", "no segment with this SHA-256 within your mandate")))
    return Status(200, {"segments": found})
