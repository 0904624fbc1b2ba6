"""C2SP signed-note: parsing, formatting, Ed25519 signing and verification, cosignature/v1 keys.

Pure Python plus the ``cryptography`` package; no Django.

* A note is UTF-8 text ending in a newline, a blank line, then one or more lines
  ``— <key name> base64(key id || signature)``.
* Ed25519 keys (signature type 0x01) sign the note text itself.
* Cosignature/v1 keys (type 0x04, tlog-cosignature) sign ``"cosignature/v1\\ntime <t>\\n" + text``
  and their signature is ``8-byte big-endian timestamp || Ed25519 signature``.
* Verifier keys: ``<name>+<hex key id>+base64(type || public key)``; signer keys:
  ``PRIVATE+KEY+<name>+<hex key id>+base64(type || 32-byte seed)``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "ALG_COSIGNATURE_V1",
    "ALG_ED25519",
    "MAX_SIGNATURES",
    "CosignatureSigner",
    "CosignatureVerifier",
    "Note",
    "NoteError",
    "NoteSignature",
    "Signer",
    "UnverifiedNoteError",
    "VerifiedNote",
    "Verifier",
    "add_signature_lines",
    "check_key_name",
    "compute_key_id",
    "decode_base64",
    "open_note",
    "parse_note",
    "parse_signer_key",
    "parse_verifier_key",
    "sign_note",
    "verify_note",
]

ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04
# The spec asks verifiers to accept at least 16 signatures; a cap keeps hostile notes cheap.
MAX_SIGNATURES = 100
EM_DASH = "\u2014"
_MAX_TIMESTAMP = 2**63 - 1


class NoteError(ValueError):
    """A note, key or signature line is malformed; the message says which part and why."""


class UnverifiedNoteError(NoteError):
    """A well-formed note is not acceptable: no trusted signature, or a trusted key's signature fails."""


def decode_base64(text: str, what: str) -> bytes:
    """Decode strict, canonical standard base64 (RFC 4648 section 4) or raise ``NoteError``."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise NoteError(f"{what} is not valid base64") from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise NoteError(f"{what} is not canonical base64")
    return raw


def check_key_name(name: str) -> None:
    """Raise ``NoteError`` unless ``name`` is a valid key name (non-empty, no spaces, no ``+``)."""
    if not name:
        raise NoteError("key name is empty")
    for ch in name:
        if ch.isspace() or ch == "+" or ord(ch) < 0x20:
            raise NoteError(f"key name {name!r} contains a space, a plus sign or a control character")


def compute_key_id(name: str, sig_type: int, public_key: bytes) -> bytes:
    """Return the 4-byte key id ``SHA-256(name || 0x0A || type || public key)[:4]``."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([sig_type]) + public_key).digest()[:4]


def _check_text(text: str, what: str) -> None:
    for i, ch in enumerate(text):
        if ord(ch) < 0x20 and ch != "\n":
            raise NoteError(f"{what} contains control character U+{ord(ch):04X} at position {i}")


# ---------------------------------------------------------------------------------------------
# Structure


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: key name, 4-byte key id and the signature bytes after the id."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        """Return the signature line including its final newline."""
        payload = base64.b64encode(self.key_id + self.signature).decode("ascii")
        return f"{EM_DASH} {self.name} {payload}\n"


@dataclass(frozen=True)
class Note:
    """A parsed (not yet verified) note: its text, ending in newline, and its signatures."""

    text: str
    signatures: tuple[NoteSignature, ...]

    def format(self) -> str:
        """Return the note in its wire form."""
        return self.text + "\n" + "".join(s.line() for s in self.signatures)


def _parse_signature_line(line: str, number: int) -> NoteSignature:
    prefix = EM_DASH + " "
    if not line.startswith(prefix):
        raise NoteError(f"signature line {number} does not start with an em dash (U+2014) and a space")
    name, sep, payload = line[len(prefix) :].partition(" ")
    if not sep:
        raise NoteError(f"signature line {number} has no space between key name and signature")
    try:
        check_key_name(name)
    except NoteError as e:
        raise NoteError(f"signature line {number}: {e}") from None
    raw = decode_base64(payload, f"signature line {number}")
    if len(raw) < 5:
        raise NoteError(f"signature line {number} is too short to hold a key id and a signature")
    return NoteSignature(name, raw[:4], raw[4:])


def parse_note(note: str | bytes) -> Note:
    """Split a note into text and signatures, checking the format only (no cryptography).

    Raises ``NoteError`` for invalid UTF-8, control characters, a missing final newline, a missing
    blank line, no signature lines, malformed signature lines or more than ``MAX_SIGNATURES``.
    """
    if isinstance(note, bytes):
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError as e:
            raise NoteError(f"note is not valid UTF-8 (byte {e.start})") from None
    _check_text(note, "note")
    if not note.endswith("\n"):
        raise NoteError("note does not end with a newline")
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("note has no blank line separating its text from its signatures")
    text, block = note[: split + 1], note[split + 2 :]
    if not block:
        raise NoteError("note has no signature lines after the blank line")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"note has {len(lines)} signatures, more than the limit of {MAX_SIGNATURES}")
    sigs = tuple(_parse_signature_line(line, i + 1) for i, line in enumerate(lines))
    return Note(text, sigs)


def add_signature_lines(note: str, lines: Iterable[str]) -> str:
    """Append signature lines (e.g. cosignatures returned by a witness) to a signed note."""
    extra = "".join(lines)
    parsed = parse_note(note + extra)
    return parsed.format()


# ---------------------------------------------------------------------------------------------
# Keys


def _split_key(key: str, parts: int, what: str) -> list[str]:
    # The base64 tail may itself contain '+', so split only as often as there are separators.
    fields = key.strip().split("+", parts - 1)
    if len(fields) != parts:
        raise NoteError(f"{what} must have {parts} parts separated by '+', got {len(fields)}")
    return fields


def _parse_key_id(text: str, what: str) -> bytes:
    if len(text) != 8 or any(c not in "0123456789abcdef" for c in text):
        raise NoteError(f"{what} key id {text!r} is not 8 lowercase hex digits")
    return bytes.fromhex(text)


class Verifier:
    """An Ed25519 signed-note verifier (signature type 0x01) for one key name."""

    sig_type = ALG_ED25519

    def __init__(self, name: str, public_key: bytes) -> None:
        check_key_name(name)
        if len(public_key) != 32:
            raise NoteError(f"Ed25519 public key for {name!r} is {len(public_key)} bytes, expected 32")
        try:
            self._key = Ed25519PublicKey.from_public_bytes(public_key)
        except ValueError:
            raise NoteError(f"Ed25519 public key for {name!r} is invalid") from None
        self.name = name
        self.public_key = public_key
        self.key_id = compute_key_id(name, self.sig_type, public_key)

    @classmethod
    def from_vkey(cls, vkey: str) -> Verifier:
        """Parse a verifier key of this class's signature type (see ``parse_verifier_key``)."""
        verifier = parse_verifier_key(vkey)
        if not isinstance(verifier, cls) or verifier.sig_type != cls.sig_type:
            raise NoteError(
                f"verifier key {vkey.split('+')[0]!r} has signature type 0x{verifier.sig_type:02x}, "
                f"expected 0x{cls.sig_type:02x}"
            )
        return verifier

    @property
    def vkey(self) -> str:
        """The verifier key string ``name+hex(id)+base64(type || public key)``."""
        payload = base64.b64encode(bytes([self.sig_type]) + self.public_key).decode("ascii")
        return f"{self.name}+{self.key_id.hex()}+{payload}"

    def matches(self, sig: NoteSignature) -> bool:
        """True if the signature line claims to be from this key (same name and key id)."""
        return sig.name == self.name and sig.key_id == self.key_id

    def verify(self, text: bytes, signature: bytes) -> bool:
        """True if ``signature`` (the bytes after the key id) is valid over the note ``text``."""
        try:
            self._key.verify(signature, text)
        except InvalidSignature:
            return False
        return True

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.vkey!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Verifier) and (self.sig_type, self.vkey) == (other.sig_type, other.vkey)

    def __hash__(self) -> int:
        return hash((self.sig_type, self.vkey))


class CosignatureVerifier(Verifier):
    """A tlog-cosignature/v1 verifier (signature type 0x04): timestamped Ed25519 over a checkpoint."""

    sig_type = ALG_COSIGNATURE_V1

    @staticmethod
    def timestamp(signature: bytes) -> int | None:
        """Return the timestamp of a cosignature, or ``None`` if it is not 8 + 64 bytes."""
        if len(signature) != 72:
            return None
        return int.from_bytes(signature[:8], "big")

    def verify(self, text: bytes, signature: bytes) -> bool:
        """True if ``signature`` is ``timestamp || Ed25519`` over the cosignature/v1 message."""
        ts = self.timestamp(signature)
        if ts is None or ts > _MAX_TIMESTAMP:
            return False
        message = b"cosignature/v1\ntime %d\n" % ts + text
        return super().verify(message, signature[8:])


def parse_verifier_key(vkey: str) -> Verifier:
    """Parse ``name+hex(id)+base64(type || key)`` into a ``Verifier`` or ``CosignatureVerifier``.

    Raises ``NoteError`` for a malformed key, an unsupported signature type, or a key id that is
    not the one computed from the name and key.
    """
    name, key_id_text, payload = _split_key(vkey, 3, "verifier key")
    check_key_name(name)
    key_id = _parse_key_id(key_id_text, "verifier")
    raw = decode_base64(payload, f"verifier key {name!r}")
    classes = {ALG_ED25519: Verifier, ALG_COSIGNATURE_V1: CosignatureVerifier}
    return _key_from_material(raw, name, key_id, classes, f"verifier key {name!r}")


class Signer:
    """An Ed25519 signed-note signer (signature type 0x01)."""

    sig_type = ALG_ED25519
    verifier_class: type[Verifier] = Verifier

    def __init__(self, name: str, seed: bytes) -> None:
        check_key_name(name)
        if len(seed) != 32:
            raise NoteError(f"Ed25519 seed for {name!r} is {len(seed)} bytes, expected 32")
        self.name = name
        self._seed = seed
        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        self.public_key = self._key.public_key().public_bytes_raw()
        self.key_id = compute_key_id(name, self.sig_type, self.public_key)

    @classmethod
    def generate(cls, name: str) -> Signer:
        """Return a signer with a fresh random key."""
        return cls(name, Ed25519PrivateKey.generate().private_bytes_raw())

    @classmethod
    def from_skey(cls, skey: str) -> Signer:
        """Parse a signer key of this class's signature type (see ``parse_signer_key``)."""
        signer = parse_signer_key(skey)
        if type(signer) is not cls:
            raise NoteError(f"signer key has signature type 0x{signer.sig_type:02x}, expected 0x{cls.sig_type:02x}")
        return signer

    @property
    def skey(self) -> str:
        """The secret signer key string; keep it secret."""
        payload = base64.b64encode(bytes([self.sig_type]) + self._seed).decode("ascii")
        return f"PRIVATE+KEY+{self.name}+{self.key_id.hex()}+{payload}"

    @property
    def verifier(self) -> Verifier:
        """The matching verifier."""
        return self.verifier_class(self.name, self.public_key)

    @property
    def vkey(self) -> str:
        """The matching verifier key string."""
        return self.verifier.vkey

    def sign(self, text: bytes) -> bytes:
        """Return the raw signature over note ``text`` (without the key id)."""
        return self._key.sign(text)

    def signature_line(self, text: str) -> str:
        """Return the signature line for note ``text``."""
        return NoteSignature(self.name, self.key_id, self.sign(text.encode("utf-8"))).line()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, key_id={self.key_id.hex()})"


class CosignatureSigner(Signer):
    """A tlog-cosignature/v1 signer (type 0x04) used by witnesses to cosign checkpoints."""

    sig_type = ALG_COSIGNATURE_V1
    verifier_class = CosignatureVerifier

    def sign_at(self, text: bytes, timestamp: int) -> bytes:
        """Return ``timestamp || Ed25519 signature`` over the cosignature/v1 message for ``text``."""
        if not 0 < timestamp <= _MAX_TIMESTAMP:
            raise NoteError(f"cosignature timestamp {timestamp} is outside 1..2^63-1")
        message = b"cosignature/v1\ntime %d\n" % timestamp + text
        return timestamp.to_bytes(8, "big") + self._key.sign(message)

    def sign(self, text: bytes) -> bytes:
        """Cosign ``text`` with the current time as timestamp."""
        return self.sign_at(text, int(time.time()))

    def signature_line(self, text: str, timestamp: int | None = None) -> str:
        """Return the cosignature line for checkpoint body ``text``."""
        ts = int(time.time()) if timestamp is None else timestamp
        return NoteSignature(self.name, self.key_id, self.sign_at(text.encode("utf-8"), ts)).line()


def parse_signer_key(skey: str) -> Signer:
    """Parse ``PRIVATE+KEY+name+hex(id)+base64(type || seed)`` into a ``Signer`` or ``CosignatureSigner``."""
    fields = _split_key(skey, 5, "signer key")
    if fields[0] != "PRIVATE" or fields[1] != "KEY":
        raise NoteError("signer key does not start with PRIVATE+KEY+")
    name, key_id_text, payload = fields[2:]
    check_key_name(name)
    key_id = _parse_key_id(key_id_text, "signer")
    raw = decode_base64(payload, "signer key")
    classes = {ALG_ED25519: Signer, ALG_COSIGNATURE_V1: CosignatureSigner}
    return _key_from_material(raw, name, key_id, classes, "signer key")


def _key_from_material(raw: bytes, name: str, key_id: bytes, classes: dict[int, type], what: str) -> Any:
    """Build the key of the type its first byte names, and check it has the key id it declares."""
    if not raw:
        raise NoteError(f"{what} has no key material")
    cls = classes.get(raw[0])
    if cls is None:
        raise NoteError(f"{what} has unsupported signature type 0x{raw[0]:02x}")
    key = cls(name, raw[1:])
    if key.key_id != key_id:
        raise NoteError(f"{what} declares key id {key_id.hex()} but its key gives {key.key_id.hex()}")
    return key


# ---------------------------------------------------------------------------------------------
# Signing and opening


def sign_note(text: str, signers: Sequence[Signer] | Signer) -> str:
    """Return the signed note for ``text`` (which must end in a newline) signed by ``signers``."""
    if isinstance(signers, Signer):
        signers = [signers]
    if not signers:
        raise NoteError("a note needs at least one signer")
    _check_text(text, "note text")
    if not text.endswith("\n"):
        raise NoteError("note text does not end with a newline")
    return text + "\n" + "".join(s.signature_line(text) for s in signers)


@dataclass(frozen=True)
class VerifiedNote:
    """A note with at least one verified trusted signature.

    ``verified`` pairs each verified signature with the trusted key that checked it; signatures
    from unknown keys are kept in ``note.signatures`` but carry no meaning.
    """

    note: Note
    verified: tuple[tuple[Verifier, NoteSignature], ...]

    @property
    def text(self) -> str:
        """The note text (body), ending in a newline."""
        return self.note.text

    @property
    def verified_names(self) -> list[str]:
        """Names of the keys whose signatures verified, without repeats, in note order."""
        return list(dict.fromkeys(v.name for v, _ in self.verified))

    def verified_by(self, verifier: Verifier) -> bool:
        """True if ``verifier`` signed the note."""
        return any(v == verifier for v, _ in self.verified)


def verify_note(note: str | bytes | Note, verifiers: Iterable[Verifier]) -> VerifiedNote:
    """Verify a note against trusted ``verifiers``.

    Signatures whose (name, key id) match no trusted key are ignored. Raises ``NoteError`` if the
    note is malformed and ``UnverifiedNoteError`` if a trusted key's signature fails or no trusted
    signature is present.
    """
    parsed = note if isinstance(note, Note) else parse_note(note)
    keys = list(verifiers)
    text = parsed.text.encode("utf-8")
    verified: list[tuple[Verifier, NoteSignature]] = []
    for sig in parsed.signatures:
        for v in keys:
            if v.matches(sig):
                if not v.verify(text, sig.signature):
                    raise UnverifiedNoteError(f"signature by trusted key {v.name} ({v.key_id.hex()}) does not verify")
                verified.append((v, sig))
    if not verified:
        names = ", ".join(sorted({v.name for v in keys})) or "none configured"
        raise UnverifiedNoteError(f"note carries no signature from a trusted key (trusted: {names})")
    return VerifiedNote(parsed, tuple(verified))


def open_note(note: str | bytes, verifiers: Iterable[Verifier]) -> tuple[str, list[str]]:
    """Verify ``note`` and return ``(text, verified key names)``; raises like ``verify_note``."""
    result = verify_note(note, verifiers)
    return result.text, result.verified_names
