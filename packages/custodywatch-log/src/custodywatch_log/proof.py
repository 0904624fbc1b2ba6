"""C2SP tlog-proof: an offline-verifiable proof that one entry is in a witnessed checkpoint.

Pure Python; no Django. CustodyWatch puts the entry itself (its canonical encoding, which holds
only hashes and non-personal metadata) in the ``extra`` line, so a bundle alone is enough to check
an entry; a verifier given the entry or its leaf hash out of band uses that instead, and
``extra`` is trusted only because the inclusion proof binds it to the signed root.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from custodywatch_log.checkpoint import Checkpoint, CheckpointError
from custodywatch_log.merkle import HASH_SIZE, ProofError, leaf_hash, verify_inclusion
from custodywatch_log.note import NoteError, Verifier, decode_base64, parse_note
from custodywatch_log.policy import Policy, QuorumResult, evaluate

__all__ = ["HEADER", "ProofBundle", "ProofBundleError", "VerifiedBundle", "verify_proof_bundle"]

HEADER = "c2sp.org/tlog-proof@v1"
_MAX_PROOF_LINES = 64


class ProofBundleError(ValueError):
    """A proof bundle is malformed, or does not verify; the message says which step failed."""


@dataclass(frozen=True)
class ProofBundle:
    """The parts of a tlog-proof: index, inclusion proof, signed checkpoint note, optional extra."""

    index: int
    proof: tuple[bytes, ...]
    checkpoint_note: str
    extra: bytes | None = None

    def format(self) -> str:
        """Return the bundle text (conventionally stored as ``*.tlog-proof``)."""
        lines = [HEADER]
        if self.extra is not None:
            lines.append("extra " + base64.b64encode(self.extra).decode("ascii"))
        lines.append(f"index {self.index}")
        lines.extend(base64.b64encode(p).decode("ascii") for p in self.proof)
        return "\n".join(lines) + "\n\n" + self.checkpoint_note

    @classmethod
    def build(
        cls, index: int, proof: Sequence[bytes], signed_checkpoint: str, entry: bytes | None = None
    ) -> ProofBundle:
        """Make a bundle; ``entry`` (if given) travels in the extra line."""
        return cls(index, tuple(proof), signed_checkpoint, entry)

    @classmethod
    def parse(cls, text: str | bytes) -> ProofBundle:
        """Parse a bundle strictly; raises ``ProofBundleError`` naming the bad line."""
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError:
                raise ProofBundleError("proof bundle is not valid UTF-8") from None
        head, sep, note = text.partition("\n\n")
        if not sep:
            raise ProofBundleError("proof bundle has no empty line before the checkpoint")
        lines = head.split("\n")
        if lines[0] != HEADER:
            raise ProofBundleError(f"first line must be {HEADER!r}")
        rest = lines[1:]
        extra = None
        if rest and rest[0].startswith("extra "):
            extra = _b64(rest[0][len("extra ") :], "extra line")
            rest = rest[1:]
        if not rest or not rest[0].startswith("index "):
            raise ProofBundleError("missing 'index <n>' line")
        index = _decimal(rest[0][len("index ") :])
        if len(rest) - 1 > _MAX_PROOF_LINES:
            raise ProofBundleError(f"inclusion proof has more than {_MAX_PROOF_LINES} hashes")
        proof = []
        for number, line in enumerate(rest[1:], start=1):
            h = _b64(line, f"inclusion proof line {number}")
            if len(h) != HASH_SIZE:
                raise ProofBundleError(f"inclusion proof line {number} is not a {HASH_SIZE}-byte hash")
            proof.append(h)
        try:
            Checkpoint.parse(parse_note(note).text)
        except (NoteError, CheckpointError) as e:
            raise ProofBundleError(f"checkpoint in the bundle is malformed: {e}") from None
        return cls(index, tuple(proof), note, extra)


def _b64(text: str, what: str) -> bytes:
    try:
        return decode_base64(text, what)
    except NoteError as e:
        raise ProofBundleError(str(e)) from None


def _decimal(text: str) -> int:
    if not text or not text.isascii() or not text.isdigit() or (len(text) > 1 and text[0] == "0"):
        raise ProofBundleError(f"index {text!r} is not a decimal number without leading zeroes")
    if len(text) > 19:
        raise ProofBundleError(f"index {text} is too large")
    return int(text)


@dataclass(frozen=True)
class VerifiedBundle:
    """A bundle that verified: its parts, the leaf hash proven, and the quorum outcome."""

    bundle: ProofBundle
    leaf_hash: bytes
    quorum: QuorumResult
    leaf_source: str


def verify_proof_bundle(
    text: str | bytes,
    log_vkeys: Iterable[str | Verifier],
    policy: Policy | None = None,
    *,
    entry: bytes | None = None,
    entry_leaf_hash: bytes | None = None,
) -> VerifiedBundle:
    """Verify a proof bundle: log signature, witness quorum, then inclusion of the entry.

    The leaf is ``entry_leaf_hash`` if given, else the leaf hash of ``entry``, else of the bundle's
    extra data. Raises ``ProofBundleError`` saying which step failed (also when the quorum of
    ``policy`` is not met); with no policy no cosignatures are required.
    """
    bundle = ProofBundle.parse(text)
    try:
        logs = [k if isinstance(k, Verifier) else Verifier.from_vkey(k) for k in log_vkeys]
    except NoteError as e:
        raise ProofBundleError(f"bad log key: {e}") from None
    policy = policy or Policy(logs=[])
    try:
        quorum = evaluate(bundle.checkpoint_note, policy, extra_logs=logs)
    except (NoteError, CheckpointError) as e:
        raise ProofBundleError(f"checkpoint: {e}") from None
    if not quorum.satisfied:
        raise ProofBundleError(f"checkpoint: witness quorum not met: {quorum.explain()}")
    if entry_leaf_hash is not None:
        leaf, source = entry_leaf_hash, "leaf hash given"
    elif entry is not None:
        leaf, source = leaf_hash(entry), "entry given"
    elif bundle.extra is not None:
        leaf, source = leaf_hash(bundle.extra), "entry in the bundle's extra line"
    else:
        raise ProofBundleError("no entry: the bundle has no extra line and none was given")
    try:
        verify_inclusion(leaf, bundle.index, quorum.checkpoint.size, bundle.proof, quorum.checkpoint.root_hash)
    except ProofError as e:
        raise ProofBundleError(f"inclusion: {e}") from None
    return VerifiedBundle(bundle, leaf, quorum, source)
