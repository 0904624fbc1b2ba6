"""What a CustodyWatch ledger entry may say in public, and how its record is committed and opened.

Pure Python (no Django): the log writes entries with it and any verifier checks them with it.

**Public entry.** An entry is the ASCII bytes of one JSON object with sorted keys and no
whitespace. It holds the entry kind, a coarse time and a *commitment* to the record it logs,
and nothing else: no model names, ids, facility, person, camera or complaint identifier. Each
kind's allowed public fields are written once, in ``SCHEMAS``; ``check_entry`` refuses any other
shape. (The one exception is ``key:rotation``, whose new public key must be public.)

**Commitment.** ``SHA-256(DOMAIN || 0x00 || kind || 0x00 || salt || JCS(record))`` in hex, where
``salt`` is 32 random bytes and ``JCS`` is the RFC 8785 canonical JSON of the record (a subset
without floats: objects, arrays, strings, integers within +-2**53, booleans and null). The salt
hides the record from anyone who could guess it (a facility code, a count); the hash binds it.

**Opening.** The record and its salt, kept by the log's operator and given only to a reader whose
mandate covers the record. ``Opening.format`` writes it as a small JSON document (conventionally
``*.opening.json`` next to the entry's ``*.tlog-proof``); ``verify_opening`` checks it against the
entry bytes the proof bundle proves. ``python -m custodywatch_log.entries BUNDLE OPENING --log-key
VKEY`` checks both in one go.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "DOMAIN",
    "SALT_SIZE",
    "SCHEMAS",
    "EntryShapeError",
    "KindSchema",
    "Opening",
    "OpeningError",
    "canonical_record",
    "check_entry",
    "coarse_time",
    "commitment",
    "encode_public_entry",
    "verify_opening",
]

DOMAIN = b"custodywatch/ledger/commitment/v1"
OPENING_FORMAT = "custodywatch/ledger/opening/v1"
SALT_SIZE = 32
MAX_ENTRY_BYTES = 4096
_SAFE_INT = 2**53 - 1

HEX64 = re.compile(r"^[0-9a-f]{64}$")
HEX8 = re.compile(r"^[0-9a-f]{8}$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
HOUR = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}Z$")
SECOND = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
VKEY = re.compile(r"^[A-Za-z0-9._/-]{1,200}\+[0-9a-f]{8}\+[A-Za-z0-9+/]{40,}={0,2}$")
KIND_RE = re.compile(r"^[a-z]+(?:_[a-z]+)*(?::[a-z]+(?:_[a-z]+)*)*$")


class EntryShapeError(ValueError):
    """An entry does not have the public shape its kind allows; names the field and the rule."""

    def __init__(self, field: str, error: str) -> None:
        super().__init__(f"{field}: {error}")
        self.field = field
        self.error = error


class OpeningError(ValueError):
    """An opening is malformed or does not open the entry's commitment."""


@dataclass(frozen=True)
class KindSchema:
    """The public fields one kind's entries carry: field name -> pattern its value must match.

    ``time`` is the granularity of the coarse time (``"day"`` or ``"hour"``); ``committed`` says
    whether the entry commits to a record (then it has ``time`` and ``commitment`` and nothing else).
    """

    fields: Mapping[str, re.Pattern[str]]
    time: str = "hour"
    committed: bool = True


def _committed(time: str) -> KindSchema:
    return KindSchema(fields={"time": DAY if time == "day" else HOUR, "commitment": HEX64}, time=time)


# One place for every kind's public shape. A complaint or footage access gets only the day: an
# hour could single out the one person who used a terminal at night.
SCHEMAS: Mapping[str, KindSchema] = {
    "segment": _committed("hour"),
    "camera:no_signal": _committed("hour"),
    "footage:access": _committed("day"),
    "complaint:receipt": _committed("day"),
    # An officer decrypted a complaint or was shown a complainant's identity.
    "complaint:access": _committed("day"),
    # An officer's status change, assignment, reply, note, classification; an escalation; a key change.
    "complaint:handling": _committed("day"),
    "registry:change": _committed("hour"),
    "visit:evidence": _committed("day"),
    # A version of the complaint terminals' signed routing list (to whom complaints are sealed).
    "complaint:routing": _committed("day"),
    # A finding's status change; a recommendation's issue, response, progress report or check.
    "visit:finding": _committed("day"),
    "visit:recommendation": _committed("day"),
    "retention:deletion": _committed("day"),
    # A custody register submission (its file's SHA-256 and counts) and an injury photo's SHA-256:
    # about people, so the day only.
    "custody:import": _committed("day"),
    "custody:photo": _committed("day"),
    "key:rotation": KindSchema(
        fields={"old_key_id": HEX8, "new_key_id": HEX8, "new_vkey": VKEY, "rotated_at": SECOND},
        time="second", committed=False,
    ),
}


def coarse_time(kind: str, at: datetime) -> str:
    """``at`` (an aware datetime) rounded down to the granularity ``kind`` allows, in UTC."""
    schema = _schema(kind)
    if at.tzinfo is None:
        raise ValueError("the time of an entry must be timezone-aware")
    utc = at.astimezone(UTC)
    if schema.time == "day":
        return utc.strftime("%Y-%m-%d")
    if schema.time == "hour":
        return utc.strftime("%Y-%m-%dT%HZ")
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def _schema(kind: str) -> KindSchema:
    if not isinstance(kind, str) or not KIND_RE.match(kind):
        raise EntryShapeError("kind", f"{kind!r} does not follow the kind grammar noun(:noun)*")
    schema = SCHEMAS.get(kind)
    if schema is None:
        raise EntryShapeError("kind", f"{kind!r} is not a known entry kind")
    return schema


def _dumps(obj: object) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def encode_public_entry(kind: str, fields: Mapping[str, str]) -> bytes:
    """The canonical bytes of an entry of ``kind`` with these public ``fields``; checked against ``SCHEMAS``."""
    data = _dumps({"kind": kind, **fields})
    check_entry(data)
    return data


def check_entry(data: bytes) -> dict[str, str]:
    """Parse entry bytes and check their shape against the kind's schema; return the fields.

    Raises ``EntryShapeError`` naming the first problem: not canonical JSON, an unknown kind, a
    missing or extra field, or a value of the wrong form.
    """
    if len(data) > MAX_ENTRY_BYTES:
        raise EntryShapeError("data", f"an entry is at most {MAX_ENTRY_BYTES} bytes")
    try:
        obj = json.loads(data.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        raise EntryShapeError("data", "not ASCII JSON") from None
    if not isinstance(obj, dict) or not isinstance(obj.get("kind"), str):
        raise EntryShapeError("data", "not an entry object with a kind")
    schema = _schema(obj["kind"])
    fields = {k: v for k, v in obj.items() if k != "kind"}
    for name in sorted(fields.keys() - schema.fields.keys()):
        raise EntryShapeError(name, f"entries of kind {obj['kind']} carry no field {name!r} in public")
    for name, pattern in schema.fields.items():
        value = fields.get(name)
        if not isinstance(value, str) or not pattern.match(value):
            raise EntryShapeError(name, f"missing, or not of the form {pattern.pattern}")
    if _dumps(obj) != data:
        raise EntryShapeError("data", "not in canonical form (sorted keys, no whitespace)")
    return fields


# ---------------------------------------------------------------------------------------------
# Records and commitments


def _jcs_key(key: str) -> bytes:
    # RFC 8785 sorts member names by their UTF-16 code units.
    return key.encode("utf-16-be")


def _check_value(value: object, path: str) -> bool:
    """Raise ``OpeningError`` for what cannot be committed; return whether a key sorts differently
    in UTF-16 than by code point (a key with a character from U+D800 up)."""
    if value is None or isinstance(value, (bool, str)):
        return False
    if isinstance(value, int):
        if not -_SAFE_INT <= value <= _SAFE_INT:
            raise OpeningError(f"record {path}: integers must be within +-2**53 (I-JSON)")
        return False
    if isinstance(value, list):
        odd = False
        for i, item in enumerate(value):
            odd = _check_value(item, f"{path}[{i}]") or odd
        return odd
    if isinstance(value, Mapping):
        odd = False
        for key, item in value.items():
            if not isinstance(key, str):
                raise OpeningError(f"record {path}: object keys must be strings")
            odd = _check_value(item, f"{path}.{key}") or odd or (bool(key) and max(key) >= "\ud800")
        return odd
    raise OpeningError(f"record {path}: {type(value).__name__} values cannot be committed (no floats)")


def _jcs(value: object) -> str:
    if isinstance(value, Mapping):
        items = sorted(value.items(), key=lambda kv: _jcs_key(kv[0]))
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + _jcs(v) for k, v in items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_jcs(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def canonical_record(record: Mapping[str, Any]) -> bytes:
    """The RFC 8785 (JCS) UTF-8 bytes of ``record``; raises ``OpeningError`` for what JCS-without-floats refuses."""
    if not isinstance(record, Mapping):
        raise OpeningError("a record is a JSON object")
    if _check_value(record, "$"):
        return _jcs(record).encode("utf-8")
    # Keys below U+D800 sort the same by code point as by UTF-16 code unit, and Python's JSON
    # writes strings, integers, booleans and null as RFC 8785 does.
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def commitment(kind: str, salt: bytes, record: Mapping[str, Any] | bytes) -> str:
    """The hex commitment to ``record`` (a mapping, or its canonical bytes) under ``salt``."""
    if len(salt) != SALT_SIZE:
        raise OpeningError(f"the salt must be {SALT_SIZE} bytes")
    body = record if isinstance(record, bytes) else canonical_record(record)
    return hashlib.sha256(DOMAIN + b"\x00" + kind.encode("ascii") + b"\x00" + salt + body).hexdigest()


@dataclass(frozen=True)
class Opening:
    """What opens one entry's commitment: the kind, the salt and the record's canonical bytes."""

    kind: str
    salt: bytes
    record: bytes
    index: int | None = None

    @property
    def record_object(self) -> dict[str, Any]:
        return json.loads(self.record.decode("utf-8"))

    def commitment(self) -> str:
        return commitment(self.kind, self.salt, self.record)

    def format(self) -> str:
        """The opening as a JSON document (the record embedded as a JSON value)."""
        doc: dict[str, Any] = {"format": OPENING_FORMAT, "kind": self.kind, "salt": self.salt.hex()}
        if self.index is not None:
            doc["index"] = self.index
        doc["record"] = self.record_object
        return json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n"

    @classmethod
    def parse(cls, text: str | bytes) -> Opening:
        """Parse an opening document; raises ``OpeningError`` naming what is wrong."""
        try:
            doc = json.loads(text)
        except ValueError as e:
            raise OpeningError(f"the opening is not JSON: {e}") from None
        if not isinstance(doc, dict) or doc.get("format") != OPENING_FORMAT:
            raise OpeningError(f"not an opening document (format {OPENING_FORMAT!r})")
        kind, salt, index = doc.get("kind"), doc.get("salt"), doc.get("index")
        if not isinstance(kind, str) or kind not in SCHEMAS:
            raise OpeningError(f"the opening names no known kind: {kind!r}")
        if not isinstance(salt, str) or not HEX64.match(salt):
            raise OpeningError("the opening's salt must be 64 lowercase hex digits")
        if index is not None and (not isinstance(index, int) or isinstance(index, bool) or index < 0):
            raise OpeningError("the opening's index must be a non-negative integer")
        if not isinstance(doc.get("record"), dict):
            raise OpeningError("the opening holds no record object")
        return cls(kind=kind, salt=bytes.fromhex(salt), record=canonical_record(doc["record"]), index=index)


def verify_opening(entry: bytes, opening: Opening) -> dict[str, Any]:
    """Check that ``opening`` opens the commitment in ``entry``; return the record.

    Raises ``EntryShapeError`` if the entry is not a well-formed public entry and ``OpeningError``
    if the kinds differ or the commitment does not match (the record or salt was changed).
    """
    fields = check_entry(entry)
    kind = json.loads(entry)["kind"]
    if not SCHEMAS[kind].committed:
        raise OpeningError(f"entries of kind {kind} are public in full and have no opening")
    if opening.kind != kind:
        raise OpeningError(f"the opening is for a {opening.kind} entry, the entry is {kind}")
    if opening.commitment() != fields["commitment"]:
        raise OpeningError("the record (or its salt) does not match the entry's commitment")
    return opening.record_object


def main(argv: list[str] | None = None) -> int:
    """``python -m custodywatch_log.entries BUNDLE OPENING --log-key VKEY``: prove and open one entry."""
    from custodywatch_log.proof import ProofBundleError, verify_proof_bundle

    parser = argparse.ArgumentParser(
        prog="python -m custodywatch_log.entries",
        description="Check an entry's tlog-proof bundle and the opening of its commitment together.",
    )
    parser.add_argument("bundle", help="the entry's .tlog-proof file")
    parser.add_argument("opening", help="the entry's .opening.json file")
    parser.add_argument("--log-key", required=True, action="append", help="the log's verifier key")
    args = parser.parse_args(argv)
    try:
        with open(args.bundle, "rb") as f:
            verified = verify_proof_bundle(f.read(), args.log_key)
        with open(args.opening, "rb") as f:
            opening = Opening.parse(f.read())
        if verified.bundle.extra is None:
            raise OpeningError("the bundle carries no entry (extra line) to open")
        if opening.index is not None and opening.index != verified.bundle.index:
            raise OpeningError(
                f"the opening is for entry {opening.index}, the bundle proves entry {verified.bundle.index}"
            )
        record = verify_opening(verified.bundle.extra, opening)
    except (OSError, ProofBundleError, OpeningError, EntryShapeError) as e:
        print(f"NOT VERIFIED: {e}", file=sys.stderr)
        return 1
    size = verified.quorum.checkpoint.size
    print(f"VERIFIED: entry {verified.bundle.index} is in the log of {size} entries, and it commits to this record:")
    print(json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
