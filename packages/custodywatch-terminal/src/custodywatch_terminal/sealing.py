"""What a complainant's words become before they touch the disk: a padded, age-sealed blob.

**Plaintext.** A complaint, a later message or an officer's reply is one JSON object in UTF-8
(field names fixed by the complaint module's contract; ``Complaint``, ``Message``, ``Reply``
below). It is padded with ASCII spaces up to the smallest size bucket that holds it (``BUCKETS``):
JSON allows trailing whitespace, so the output of ``age -d`` parses as it is, and the length of a
sealed blob says only which bucket it fell in. Larger documents are refused (``TooLarge``).

**Recipients.** ``custodywatch_protocol.routing.recipients_for`` (the one rule, shared with the
server) names who may open a complaint: the National Preventive Mechanism always, the Children's
Rights Commissioner when the complainant is a minor or the facility holds children, the
prosecutor for a torture allegation; ``priority_of`` says whether it is urgent (torture, or
urgent danger). ``seal_complaint`` encrypts in the age format (pyrage, X25519) to those
bodies' keys from the signed routing list plus the oversight body's offline recovery key, and to
nobody else: the facility holds no key.

Every refusal is a ``PlaintextError`` naming the field and a stable code, so the kiosk can say
in the complainant's language what to change.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import pyrage
from pyrage import x25519

from custodywatch_protocol.routing import RoutingList, recipients_for

__all__ = [
    "BUCKETS",
    "MAX_NAME_CHARS",
    "MAX_TEXT_CHARS",
    "MAX_VOICE_BYTES",
    "Category",
    "Complaint",
    "Language",
    "Message",
    "PlaintextError",
    "Priority",
    "Reply",
    "ReprisalRisk",
    "Sealed",
    "TooLarge",
    "bucket_for",
    "open_sealed",
    "pad",
    "parse_plaintext",
    "priority_of",
    "seal",
    "seal_complaint",
    "seal_message",
    "unpad",
]

KIB = 1024
# The last bucket is there for voice recordings; text alone always fits the first three.
BUCKETS: tuple[int, ...] = (4 * KIB, 16 * KIB, 64 * KIB, 256 * KIB, 1024 * KIB)
MAX_TEXT_CHARS = 10_000  # about four pages; at most 40 KB of UTF-8, inside the 64 KiB bucket
MAX_NAME_CHARS = 200
# Three minutes of Opus at 32 kbit/s; base64 makes it 960 KiB, inside the largest bucket.
MAX_VOICE_BYTES = 720 * KIB
VERSION = 1


class Category(StrEnum):
    TORTURE = "torture"  # torture or ill-treatment
    HEALTH = "health"
    CONDITIONS = "conditions"
    FAMILY = "family"  # contact with family
    LEGAL_AID = "legal_aid"
    REPRISAL = "reprisal"  # threats or reprisals
    OTHER = "other"


class ReprisalRisk(StrEnum):
    NONE = "none"
    SOME = "some"
    HIGH = "high"
    UNKNOWN = "unknown"


class Language(StrEnum):
    KK = "kk"
    RU = "ru"
    EN = "en"


class Priority(StrEnum):
    URGENT = "urgent"
    STANDARD = "standard"


class PlaintextError(ValueError):
    """A complaint, message or reply cannot be sealed or read: ``field`` and ``code`` say why."""

    def __init__(self, field: str, code: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.code = code
        self.message = message


class TooLarge(PlaintextError):
    """The document does not fit the largest size bucket."""


# ---------------------------------------------------------------------------------------------
# Field rules, written once and used by every document kind


def _text(value: object, field_name: str, *, limit: int, required: bool) -> str:
    if not isinstance(value, str):
        raise PlaintextError(field_name, "invalid", "must be text")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PlaintextError(field_name, "bad_encoding", "contains characters that are not valid Unicode") from None
    if "\x00" in value:
        raise PlaintextError(field_name, "bad_encoding", "contains a NUL character")
    if len(value) > limit:
        raise TooLarge(field_name, "too_long", f"is {len(value)} characters long; at most {limit} are accepted")
    if required and not value.strip():
        raise PlaintextError(field_name, "required", "must not be empty")
    return value


def _voice(value: object) -> bytes | None:
    if value is None:
        return None
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise PlaintextError("voice", "invalid", "must be the bytes of a recording")
    data = bytes(value)
    if len(data) > MAX_VOICE_BYTES:
        raise TooLarge("voice", "too_long",
                       f"the recording is {len(data)} bytes; at most {MAX_VOICE_BYTES} are accepted")
    return data or None


def _flag(value: object, field_name: str) -> bool:
    if not isinstance(value, bool):
        raise PlaintextError(field_name, "invalid", "must be true or false")
    return value


def _choice(value: object, field_name: str, choices: type[StrEnum]) -> Any:
    try:
        return choices(value)
    except ValueError:
        allowed = ", ".join(c.value for c in choices)  # type: ignore[attr-defined]
        raise PlaintextError(field_name, "invalid", f"{value!r} is not one of {allowed}") from None


def _when(value: object, field_name: str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise PlaintextError(field_name, "invalid", "is not an ISO 8601 date and time") from None
    if not isinstance(value, datetime):
        raise PlaintextError(field_name, "invalid", "must be a date and time")
    if value.tzinfo is None or value.utcoffset() is None:
        raise PlaintextError(field_name, "invalid", "must carry its time zone")
    return value


def _require_text_or_voice(text: str, voice: bytes | None) -> None:
    if not text.strip() and voice is None:
        raise PlaintextError("text", "required", "write something or record a voice message")


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode("ascii")


def _unb64(value: object) -> bytes | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise PlaintextError("voice", "invalid", "must be base64 text or null")
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise PlaintextError("voice", "invalid", "is not valid base64") from None


# ---------------------------------------------------------------------------------------------
# The documents


@dataclass(frozen=True)
class Complaint:
    """A complaint as the detainee filed it. Only ever held in memory, then sealed."""

    category: Category
    text: str
    filed_at: datetime
    language: Language
    voice: bytes | None = None
    anonymous: bool = True
    name: str | None = None
    minor: bool = False
    private_visit: bool = False
    urgent_danger: bool = False
    reprisal_risk: ReprisalRisk = ReprisalRisk.UNKNOWN

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "category", _choice(self.category, "category", Category))
        set_(self, "text", _text(self.text, "text", limit=MAX_TEXT_CHARS, required=False))
        set_(self, "voice", _voice(self.voice))
        _require_text_or_voice(self.text, self.voice)
        anonymous = _flag(self.anonymous, "anonymous")
        if anonymous:
            if self.name not in (None, ""):
                raise PlaintextError("name", "not_anonymous", "an anonymous complaint carries no name")
            set_(self, "name", None)
        else:
            set_(self, "name", _text(self.name if self.name is not None else "", "name",
                                     limit=MAX_NAME_CHARS, required=True).strip())
        for flag in ("minor", "private_visit", "urgent_danger"):
            _flag(getattr(self, flag), flag)
        set_(self, "reprisal_risk", _choice(self.reprisal_risk, "reprisal_risk", ReprisalRisk))
        set_(self, "language", _choice(self.language, "language", Language))
        set_(self, "filed_at", _when(self.filed_at, "filed_at"))

    def to_json(self) -> dict[str, Any]:
        return {
            "v": VERSION, "category": self.category.value, "text": self.text, "voice": _b64(self.voice),
            "anonymous": self.anonymous, "name": self.name, "minor": self.minor,
            "private_visit": self.private_visit, "urgent_danger": self.urgent_danger,
            "reprisal_risk": self.reprisal_risk.value, "language": self.language.value,
            "filed_at": self.filed_at.isoformat(),
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Complaint:
        _check_keys(doc, {"v", "category", "text", "voice", "anonymous", "name", "minor", "private_visit",
                          "urgent_danger", "reprisal_risk", "language", "filed_at"})
        return cls(category=doc["category"], text=doc["text"], voice=_unb64(doc["voice"]),
                   anonymous=doc["anonymous"], name=doc["name"], minor=doc["minor"],
                   private_visit=doc["private_visit"], urgent_danger=doc["urgent_danger"],
                   reprisal_risk=doc["reprisal_risk"], language=doc["language"], filed_at=doc["filed_at"])


@dataclass(frozen=True)
class Message:
    """A later message from the complainant (after a follow-up with the receipt code)."""

    text: str
    filed_at: datetime
    voice: bytes | None = None
    kind: str = field(default="message", init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", _text(self.text, "text", limit=MAX_TEXT_CHARS, required=False))
        object.__setattr__(self, "voice", _voice(self.voice))
        _require_text_or_voice(self.text, self.voice)
        object.__setattr__(self, "filed_at", _when(self.filed_at, "filed_at"))

    def to_json(self) -> dict[str, Any]:
        return {"v": VERSION, "kind": "message", "text": self.text, "voice": _b64(self.voice),
                "filed_at": self.filed_at.isoformat()}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Message:
        _check_keys(doc, {"v", "kind", "text", "voice", "filed_at"})
        return cls(text=doc["text"], voice=_unb64(doc["voice"]), filed_at=doc["filed_at"])


@dataclass(frozen=True)
class Reply:
    """An officer's reply to the complainant, sealed on the server to the receipt's reply key."""

    text: str
    by_organisation: str
    sent_at: datetime
    kind: str = field(default="reply", init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", _text(self.text, "text", limit=MAX_TEXT_CHARS, required=True))
        object.__setattr__(self, "by_organisation",
                           _text(self.by_organisation, "by_organisation", limit=MAX_NAME_CHARS, required=True))
        object.__setattr__(self, "sent_at", _when(self.sent_at, "sent_at"))

    def to_json(self) -> dict[str, Any]:
        return {"v": VERSION, "kind": "reply", "text": self.text, "by_organisation": self.by_organisation,
                "sent_at": self.sent_at.isoformat()}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Reply:
        _check_keys(doc, {"v", "kind", "text", "by_organisation", "sent_at"})
        return cls(text=doc["text"], by_organisation=doc["by_organisation"], sent_at=doc["sent_at"])


Document = Complaint | Message | Reply


def _check_keys(doc: dict[str, Any], expected: set[str]) -> None:
    missing = sorted(expected - doc.keys())
    if missing:
        raise PlaintextError(missing[0], "required", "is missing")
    extra = sorted(doc.keys() - expected)
    if extra:
        raise PlaintextError(extra[0], "unknown", "is not a field of this document")
    if doc["v"] != VERSION:
        raise PlaintextError("v", "invalid", f"version {doc['v']!r} is not {VERSION}")


# ---------------------------------------------------------------------------------------------
# Padding


def bucket_for(size: int) -> int:
    """The smallest bucket holding ``size`` bytes; ``TooLarge`` if none does."""
    for bucket in BUCKETS:
        if size <= bucket:
            return bucket
    raise TooLarge("document", "too_large", f"is {size} bytes; the largest accepted is {BUCKETS[-1]} bytes")


def pad(doc: dict[str, Any]) -> bytes:
    """The UTF-8 JSON of ``doc`` padded with spaces to its bucket."""
    body = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return body + b" " * (bucket_for(len(body)) - len(body))


def unpad(data: bytes) -> dict[str, Any]:
    """Parse a padded plaintext; ``PlaintextError`` if it is not a padded JSON object."""
    if len(data) not in BUCKETS:
        raise PlaintextError("document", "invalid", f"{len(data)} bytes is not one of the size buckets")
    try:
        doc = json.loads(data.rstrip(b" ").decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise PlaintextError("document", "bad_encoding", "is not UTF-8 JSON") from None
    if not isinstance(doc, dict):
        raise PlaintextError("document", "invalid", "is not a JSON object")
    return doc


def parse_plaintext(data: bytes) -> Document:
    """The document in a padded plaintext (a complaint, a message or a reply)."""
    doc = unpad(data)
    kind = doc.get("kind")
    if kind is None:
        return Complaint.from_json(doc)
    if kind == "message":
        return Message.from_json(doc)
    if kind == "reply":
        return Reply.from_json(doc)
    raise PlaintextError("kind", "invalid", f"{kind!r} is not a known document kind")


# ---------------------------------------------------------------------------------------------
# Routing and sealing


def priority_of(complaint: Complaint) -> Priority:
    """Urgent iff a torture or ill-treatment allegation, or urgent danger (visible to the server)."""
    urgent = complaint.category is Category.TORTURE or complaint.urgent_danger
    return Priority.URGENT if urgent else Priority.STANDARD


@dataclass(frozen=True)
class Sealed:
    """An age ciphertext (binary format) and what may be said about it in the open."""

    ciphertext: bytes
    sha256: str
    bucket: int
    recipients: tuple[str, ...] = ()  # organisation codes (the recovery key is always added)
    priority: Priority | None = None


def _recipient(key: str) -> x25519.Recipient:
    try:
        return x25519.Recipient.from_str(key)
    except Exception:  # pyrage raises its own RecipientError or ValueError, depending on version
        raise PlaintextError("recipients", "invalid", f"{key[:16]!r}... is not an age X25519 public key") from None


def seal(doc: Document, public_keys: Iterable[str], *, organisations: Sequence[str] = (),
         priority: Priority | None = None) -> Sealed:
    """Pad ``doc`` and encrypt it in the age format to ``public_keys`` ("age1..."), and no one else."""
    keys = list(dict.fromkeys(public_keys))
    if not keys:
        raise PlaintextError("recipients", "required", "a sealed document needs at least one recipient")
    plaintext = pad(doc.to_json())
    ciphertext = pyrage.encrypt(plaintext, [_recipient(k) for k in keys])
    return Sealed(ciphertext=ciphertext, sha256=hashlib.sha256(ciphertext).hexdigest(), bucket=len(plaintext),
                  recipients=tuple(organisations), priority=priority)


def open_sealed(ciphertext: bytes, identities: Iterable[str | x25519.Identity]) -> Document:
    """Decrypt an age ciphertext with one of ``identities`` and parse it.

    Raises ``PlaintextError`` (field ``sealed``, code ``not_a_recipient``) when none of the
    identities is a recipient or the ciphertext is damaged.
    """
    ids = [i if isinstance(i, x25519.Identity) else x25519.Identity.from_str(i) for i in identities]
    try:
        plaintext = pyrage.decrypt(ciphertext, ids)
    except pyrage.DecryptError:
        raise PlaintextError("sealed", "not_a_recipient", "cannot be opened with these keys") from None
    return parse_plaintext(plaintext)


def seal_complaint(complaint: Complaint, *, routing: RoutingList, facility_holds_children: bool) -> Sealed:
    """Seal ``complaint`` to the bodies the routing rules name (``recipients_for``, shared with the
    server) from the verified routing list, and to its recovery key."""
    chosen = recipients_for(routing, torture=complaint.category is Category.TORTURE,
                            minor_or_children=complaint.minor or facility_holds_children)
    return seal(complaint, [*(r.age for r in chosen), routing.recovery],
                organisations=tuple(sorted(r.organisation for r in chosen)), priority=priority_of(complaint))


def seal_message(message: Message, *, recipients: Iterable[str]) -> Sealed:
    """Seal a follow-up message to the complaint's recipients' keys (as the server names them)."""
    return seal(message, recipients)
