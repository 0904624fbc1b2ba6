"""What a ledger entry is: its kind, its payload rules and its canonical bytes.

Canonical encoding (version 1). An entry is the UTF-8 bytes of one JSON object holding the kind
under ``"kind"`` and the payload fields beside it, written with

* keys sorted by code point, no whitespace (separators ``,`` and ``:``), no trailing newline;
* ASCII only (``ensure_ascii``; the string grammar below admits no character that needs escaping);
* integers in decimal within the signed 64-bit range, booleans as ``true``/``false``;
* no floats, nulls, arrays or nested objects.

The same payload therefore always gives the same bytes, and anyone can rebuild and hash an entry
from its fields (``json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True)``).
The leaf hash is RFC 9162 ``SHA-256(0x00 || bytes)``.

What may be logged: hashes, commitments, identifiers and non-personal metadata. Keys follow
``[a-z][a-z0-9_]*``; values are booleans, integers, short tokens without spaces (identifiers,
timestamps, codes) or hashes. Keys naming a hash (``sha256``, ``..._sha256``, ``hash``,
``..._hash``) must hold 64 lowercase hex digits; ``bytes`` values are taken as 32-byte hashes and
written in hex. Keys that name personal data (``name``, ``iin``, ``birth_date``, ``address``,
``phone``, ``text`` and the like, alone or as a ``_``-separated part) are refused, and because
strings cannot contain spaces, prose cannot be smuggled in under another key.

Kinds follow one grammar, ``noun(_noun)*(:noun(_noun)*)*`` (``segment``, ``camera:no_signal``), and
must be registered in ``models.EntryKind``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from ledger.models import EntryKind

__all__ = [
    "KIND_RE",
    "MAX_ENTRY_BYTES",
    "EntryError",
    "NewEntry",
    "decode_entry",
    "encode_entry",
    "validate_kind",
]

KIND_RE = re.compile(r"^[a-z]+(?:_[a-z]+)*(?::[a-z]+(?:_[a-z]+)*)*$")
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
TOKEN_RE = re.compile(r"^[A-Za-z0-9._:/+=@-]{0,256}$")
HEX_HASH_RE = re.compile(r"^[0-9a-f]{64}$")

_REGISTERED_KINDS = frozenset(EntryKind.values)

# Entry bundles (tlog-tiles) prefix each entry with a uint16 length; stay well below it.
MAX_ENTRY_BYTES = 4096
MAX_FIELDS = 32
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1

# Whole keys that name personal data.
PERSONAL_KEYS = frozenset({
    "fio", "full_name", "first_name", "last_name", "middle_name", "given_name", "family_name",
    "maiden_name", "date_of_birth", "dob", "birthday", "birth_date", "birthplace", "place_of_birth",
    "address", "home_address", "phone", "phone_number", "mobile", "email", "e_mail", "text", "message",
    "body", "comment", "comments", "description", "note", "notes", "statement", "username", "login",
    "passport", "document_number", "id_card", "photo", "face", "ip", "ip_address", "diagnosis",
    "nationality", "ethnicity", "religion", "gender", "sex", "age",
})
# Key parts (between underscores) that name personal data wherever they appear.
PERSONAL_PARTS = frozenset({
    "name", "surname", "patronymic", "fio", "iin", "birth", "address", "phone", "email", "text",
    "passport", "diagnosis",
})


class EntryError(ValueError):
    """A kind or payload cannot be logged; the message names the field and the rule."""

    def __init__(self, field: str, error: str) -> None:
        super().__init__(f"{field}: {error}")
        self.field = field
        self.error = error


@dataclass(frozen=True, slots=True)
class NewEntry:
    """An entry ready to be sequenced: kind, canonical bytes and leaf hash."""

    kind: str
    data: bytes
    leaf_hash: bytes


def validate_kind(kind: str) -> str:
    """Return ``kind`` if it follows the grammar and is registered; raise ``EntryError`` otherwise."""
    if not isinstance(kind, str) or not KIND_RE.match(kind):
        raise EntryError("kind", f"{kind!r} does not follow the kind grammar noun(:noun)*")
    if kind not in _REGISTERED_KINDS:
        raise EntryError("kind", f"{kind!r} is not a registered entry kind")
    return kind


@lru_cache(maxsize=1024)
def _key_problem(key: str) -> str | None:
    """Why ``key`` cannot name a payload field, or None. Cached: producers reuse a few keys."""
    if not KEY_RE.match(key):
        return "field names must match [a-z][a-z0-9_]* (at most 64 characters)"
    if key == "kind":
        return "'kind' is reserved for the entry kind"
    if key in PERSONAL_KEYS or any(part in PERSONAL_PARTS for part in key.split("_")):
        return "personal data may not be logged; log a hash or commitment instead"
    return None


@lru_cache(maxsize=1024)
def _is_hash_key(key: str) -> bool:
    return key in ("sha256", "hash") or key.endswith(("_sha256", "_hash"))


def _canonical_value(key: str, value: object) -> bool | int | str:
    if isinstance(value, bool):
        return value
    if isinstance(value, bytes):
        if len(value) != 32:
            raise EntryError(key, f"bytes values must be 32-byte hashes, got {len(value)} bytes")
        value = value.hex()
    if _is_hash_key(key):
        if not isinstance(value, str) or not HEX_HASH_RE.match(value):
            raise EntryError(key, "a hash must be 64 lowercase hex digits (or 32 bytes)")
        return value
    if isinstance(value, int):
        if not _INT_MIN <= value <= _INT_MAX:
            raise EntryError(key, "integers must fit in 64 signed bits")
        return value
    if isinstance(value, str):
        if not TOKEN_RE.match(value):
            raise EntryError(
                key, "strings must be tokens of at most 256 characters from [A-Za-z0-9._:/+=@-], no spaces"
            )
        return value
    raise EntryError(key, f"values must be str, int, bool or a hash, not {type(value).__name__}")


def encode_entry(*, kind: str, payload: Mapping[str, object]) -> NewEntry:
    """Validate ``kind`` and ``payload`` and return the canonical entry; raise ``EntryError`` if refused."""
    validate_kind(kind)
    if not isinstance(payload, Mapping):
        raise EntryError("payload", "must be a mapping of field names to values")
    if len(payload) > MAX_FIELDS:
        raise EntryError("payload", f"at most {MAX_FIELDS} fields")
    obj: dict[str, bool | int | str] = {"kind": kind}
    for key, value in payload.items():
        problem = _key_problem(key) if isinstance(key, str) else "field names must be strings"
        if problem:
            raise EntryError(str(key), problem)
        obj[key] = _canonical_value(key, value)
    data = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    if len(data) > MAX_ENTRY_BYTES:
        raise EntryError("payload", f"the encoded entry is {len(data)} bytes, more than {MAX_ENTRY_BYTES}")
    return NewEntry(kind=kind, data=data, leaf_hash=hashlib.sha256(b"\x00" + data).digest())


def decode_entry(data: bytes) -> dict[str, bool | int | str]:
    """Parse canonical entry bytes back into a dict (kind included); raise ``EntryError`` if not canonical."""
    try:
        obj = json.loads(data.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        raise EntryError("data", "not ASCII JSON") from None
    if not isinstance(obj, dict) or not isinstance(obj.get("kind"), str):
        raise EntryError("data", "not an entry object with a kind")
    kind = obj.pop("kind")
    if encode_entry(kind=kind, payload=obj).data != data:
        raise EntryError("data", "not in canonical form")
    obj["kind"] = kind
    return obj
