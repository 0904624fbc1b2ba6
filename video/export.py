"""The footage export package: a zip a court can check offline.

It holds ``manifest.json`` (format ``custodywatch/footage-export/v1``: for each segment its
camera, time, signed manifest, the recorder's key, the ledger entry's opening and its C2SP
tlog-proof bundle, and the file's place in the package), the segment files the package carries
under ``segments/``, and ``README.txt`` saying how to check it with ``verify-footage`` and
``custodywatch-verify``. The footage itself never passes through the ledger.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ledger import interface as ledger
from video import evidence
from video.models import Segment

FORMAT = "custodywatch/footage-export/v1"

README = """CustodyWatch footage export

Each file under segments/ is one segment exactly as its recorder wrote it. manifest.json holds,
for each, the recorder's signed manifest, the recorder's public key, and the ledger proof (the
entry's opening and a C2SP tlog-proof bundle).

Check every file offline (LOG_KEY is the ledger's published public key):

    verify-footage segments/*/* --package THIS.zip --log-key LOG_KEY

Each proof bundle is also checked by the standalone verifier or the browser verifier:

    custodywatch-verify proof proofs/ENTRY.tlog-proof --log-key LOG_KEY
"""


def segment_name(segment: Segment) -> str:
    suffix = ".mp4" if b'"container":"mp4"' in bytes(segment.body) else ".ts"
    return f"segments/{segment.camera.code}/{segment.seq:08d}{suffix}"


def build_package(*, segments: list[Segment], user: Any, files: Mapping[str, bytes | Path] | None = None,
                  about: Mapping[str, Any] | None = None) -> bytes:
    """The zip for ``segments`` (evidence as ``user`` may read it); ``files`` maps a segment's
    SHA-256 to its footage (bytes or a path), which the package then carries."""
    files = files or {}
    described = evidence.describe(segments, user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        written: set[int] = set()
        for segment, doc in zip(segments, described, strict=True):
            doc["file"] = segment_name(segment)
            footage = files.get(segment.sha256)
            if footage is not None:
                data = footage.read_bytes() if isinstance(footage, Path) else footage
                archive.writestr(doc["file"], data)
            index = doc["ledger_index"]
            if index is None or index in written:
                continue  # the segments of one batch share their entry
            written.add(index)
            if doc["proof"]:
                archive.writestr(f"proofs/{index}.tlog-proof", doc["proof"])
            if doc["opening"]:
                archive.writestr(f"proofs/{index}.opening.json", doc["opening"])
        manifest = {"format": FORMAT, "log_key": ledger.published_log_key(), "about": dict(about or {}),
                    "segments": described}
        archive.writestr("manifest.json", json.dumps(manifest, indent=1, sort_keys=True, default=str))
        archive.writestr("README.txt", README)
    return buffer.getvalue()
