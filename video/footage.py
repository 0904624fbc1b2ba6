"""Where the server finds copies of footage for an export: behind one small interface.

The footage stays on the recorders. A copy fetched from a recorder for an approved request is
placed where the configured store finds it by its SHA-256: ``VIDEO_FOOTAGE_STORE = "directory"``
reads ``VIDEO_FOOTAGE_DIR/<sha256>``; the default ``"null"`` store has none, and an export then
carries the manifests and proofs alone (the copies are checked against them later with
``verify-footage``).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from custodywatch_protocol.recorder import HEX64_RE


class NullFootageStore:
    def find(self, sha256: str) -> Path | None:
        return None


class DirectoryFootageStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def find(self, sha256: str) -> Path | None:
        if not HEX64_RE.match(sha256):
            return None
        path = self.directory / sha256
        return path if path.is_file() else None


def store() -> NullFootageStore | DirectoryFootageStore:
    kind = getattr(settings, "VIDEO_FOOTAGE_STORE", "null")
    if kind == "directory":
        return DirectoryFootageStore(Path(settings.VIDEO_FOOTAGE_DIR))
    if kind != "null":
        raise ValueError(f"VIDEO_FOOTAGE_STORE must be null or directory, not {kind!r}")
    return NullFootageStore()
