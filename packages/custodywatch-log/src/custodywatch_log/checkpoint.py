"""C2SP tlog-checkpoint note bodies: origin, tree size, root hash, optional extension lines.

Pure Python; no Django. ``Checkpoint.parse`` is strict: it accepts exactly what
``Checkpoint.format`` produces for some valid checkpoint, and raises ``CheckpointError`` otherwise.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass

from custodywatch_log.merkle import HASH_SIZE
from custodywatch_log.note import NoteError, Signer, VerifiedNote, Verifier, decode_base64, sign_note, verify_note

__all__ = ["MAX_TREE_SIZE", "Checkpoint", "CheckpointError", "SignedCheckpoint", "open_checkpoint"]

MAX_TREE_SIZE = 2**63 - 1


class CheckpointError(ValueError):
    """A checkpoint body is malformed, or a signed checkpoint is not acceptable."""


def _parse_size(text: str) -> int:
    if not text or not text.isascii() or not text.isdigit():
        raise CheckpointError(f"tree size line {text!r} is not a decimal number")
    if len(text) > 1 and text[0] == "0":
        raise CheckpointError(f"tree size line {text!r} has leading zeroes")
    if len(text) > 19 or int(text) > MAX_TREE_SIZE:
        raise CheckpointError(f"tree size {text} is larger than 2^63-1")
    return int(text)


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint body. ``root_hash`` claims to be the RFC 9162 root of the first ``size`` entries.

    Only the form is checked here; whether the root is right (e.g. ``EMPTY_ROOT`` for size 0) is
    for the verifier or witness to decide, since a well-formed lie must be reported as such.
    """

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin:
            raise CheckpointError("origin must be a non-empty single line")
        if any(ord(c) < 0x20 for c in self.origin):
            raise CheckpointError("origin contains a control character")
        if not 0 <= self.size <= MAX_TREE_SIZE:
            raise CheckpointError(f"tree size {self.size} is outside 0..2^63-1")
        if len(self.root_hash) != HASH_SIZE:
            raise CheckpointError(f"root hash is {len(self.root_hash)} bytes, expected {HASH_SIZE}")
        for ext in self.extensions:
            if not ext or any(ord(c) < 0x20 for c in ext):
                raise CheckpointError("extension lines must be non-empty and free of control characters")

    def format(self) -> str:
        """Return the note text of this checkpoint, ending in a newline."""
        root = base64.b64encode(self.root_hash).decode("ascii")
        return "".join(f"{line}\n" for line in (self.origin, str(self.size), root, *self.extensions))

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Parse a checkpoint note text (the body, without signatures).

        Raises ``CheckpointError`` naming the offending line.
        """
        if not isinstance(text, str):
            raise CheckpointError("checkpoint text must be a string")
        if not text.endswith("\n"):
            raise CheckpointError("checkpoint text does not end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise CheckpointError(f"checkpoint has {len(lines)} lines, needs origin, tree size and root hash")
        for number, line in enumerate(lines, start=1):
            if not line:
                raise CheckpointError(f"checkpoint line {number} is empty")
        origin, size_text, root_text, *extensions = lines
        size = _parse_size(size_text)
        try:
            root = decode_base64(root_text, "root hash line")
        except NoteError as e:
            raise CheckpointError(str(e)) from None
        return cls(origin, size, root, tuple(extensions))

    def sign(self, signers: Iterable[Signer] | Signer) -> str:
        """Return this checkpoint as a signed note."""
        return sign_note(self.format(), signers if isinstance(signers, Signer) else list(signers))


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint whose note verified against trusted log keys (and maybe witness keys)."""

    checkpoint: Checkpoint
    note: VerifiedNote
    text: str

    @property
    def log_names(self) -> list[str]:
        """Names of the log keys whose signatures verified."""
        return [v.name for v, _ in self.note.verified if v.sig_type == 0x01]


def open_checkpoint(
    note_text: str | bytes,
    log_verifiers: Iterable[Verifier],
    other_verifiers: Iterable[Verifier] = (),
    *,
    origin: str | None = None,
) -> SignedCheckpoint:
    """Verify a signed checkpoint note and parse its body.

    Requires a valid signature from a trusted log key. Without ``origin``, the key's name must
    equal the checkpoint's origin line (what C2SP says logs SHOULD do); with ``origin``, the
    checkpoint must carry exactly that origin and a key of any name counts (C2SP does not require
    the names to match). Signatures from ``other_verifiers`` (e.g. witnesses) are verified if
    present. Raises ``NoteError`` for a malformed or unverified note and ``CheckpointError`` for a
    malformed body or a wrong origin.
    """
    logs = list(log_verifiers)
    verified = verify_note(note_text, [*logs, *other_verifiers])
    checkpoint = Checkpoint.parse(verified.text)
    if origin is not None and checkpoint.origin != origin:
        raise CheckpointError(f"checkpoint is for origin {checkpoint.origin!r}, not the expected {origin!r}")
    by_origin = [
        v for v, _ in verified.verified if v in logs and (origin is not None or v.name == checkpoint.origin)
    ]
    if not by_origin:
        trusted = ", ".join(sorted({v.name for v in logs})) or "none configured"
        raise CheckpointError(
            f"checkpoint for origin {checkpoint.origin!r} is not signed by a trusted log key for that "
            f"origin (trusted logs: {trusted})"
        )
    text = note_text.decode("utf-8") if isinstance(note_text, bytes) else note_text
    return SignedCheckpoint(checkpoint, verified, text)
