"""Test helpers of the video module: a recorder with its key, and manifests it signs."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from custodywatch_protocol import recorder as rp
from video import services
from video.models import Camera, Recorder


@dataclass
class SimulatedRecorder:
    """A registered recorder and its cameras, writing the manifests a real one would."""

    recorder: Recorder
    key: Ed25519PrivateKey
    cameras: dict[str, Camera]
    heads: dict[str, tuple[int, str]] = field(default_factory=dict)
    segment_ms: int = 10_000
    # The submission format ``submission`` writes: 1 (each message signed) or 2 (one batch signature).
    version: int = rp.FORMAT_VERSION

    @classmethod
    def create(cls, facility, *, code: str = "nvr-1", cameras: dict[str, str] | None = None) -> SimulatedRecorder:
        key = rp.generate_key()
        recorder = services.register_recorder(facility=facility, code=code, public_key=rp.public_key_b64(key), by=None)
        made = {name: services.register_camera(recorder=recorder, code=name, zone=zone, by=None)
                for name, zone in (cameras or {"cam-1": "corridor"}).items()}
        return cls(recorder=recorder, key=key, cameras=made)

    def segment(self, camera: str, start: datetime, *, content: bytes | None = None, seq: int | None = None,
                prev: str | None = None, offset_ms: int = 0, length_ms: int | None = None) -> rp.Segment:
        """The next segment of ``camera`` starting at ``start`` (advancing the camera's head)."""
        next_seq, last = self.heads.get(camera, (0, rp.ZERO_HASH))
        seq = next_seq if seq is None else seq
        content = content if content is not None else f"{camera}:{seq}".encode()
        digest = hashlib.sha256(content).hexdigest()
        start_ms = int(start.timestamp() * 1000) + offset_ms
        message = rp.Segment(recorder=self.recorder.code, camera=camera, seq=seq, start=start_ms,
                             end=start_ms + (length_ms or self.segment_ms), clock_offset_ms=offset_ms,
                             clock_ref="ntp:test", codec="h264", width=320, height=240, container="mpegts",
                             size=len(content), sha256=digest, prev=prev if prev is not None else last)
        self.heads[camera] = (seq + 1, digest)
        return message

    def sign(self, *messages: rp.Message) -> list[rp.Signed]:
        return [rp.sign(m, self.key) for m in messages]

    def submission(self, *messages: rp.Message | rp.Signed) -> bytes:
        """A submission in this recorder's ``version``."""
        if self.version == rp.BATCH_VERSION:
            return self.batch(*(m.body if isinstance(m, rp.Signed) else m for m in messages))
        signed = [m if isinstance(m, rp.Signed) else rp.sign(m, self.key) for m in messages]
        return rp.encode_submission(self.recorder.code, signed)

    def batch(self, *messages: rp.Message | bytes) -> bytes:
        """A v2 submission: the bodies of ``messages`` under one batch signature."""
        bodies = [m if isinstance(m, bytes) else rp.encode_message(m) for m in messages]
        return rp.encode_batch_submission(self.recorder.code, bodies, self.key)
