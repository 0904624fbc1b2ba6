"""What a ledger entry is on the Django side: the public bytes the log stores and their leaf hash.

The rules live in the pure core, ``custodywatch_log.entries`` (so a verifier applies the same
ones): an entry is canonical JSON with the kind, a coarse time and a commitment to the record it
logs, and each kind's public fields are fixed by ``entries.SCHEMAS``. Nothing else can be logged:
``encode_entry`` refuses any field the kind's schema does not list. Apps do not build entries
themselves; they call ``ledger.interface.record``, which commits to their record.

The leaf hash is RFC 9162 ``SHA-256(0x00 || bytes)``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from custodywatch_log.entries import KIND_RE as KIND_RE
from custodywatch_log.entries import MAX_ENTRY_BYTES, SCHEMAS, EntryShapeError, check_entry, encode_public_entry
from ledger.models import EntryKind

__all__ = [
    "HEX_HASH_RE",
    "KIND_RE",
    "MAX_ENTRY_BYTES",
    "EntryError",
    "NewEntry",
    "decode_entry",
    "encode_entry",
    "entry_from_data",
    "validate_kind",
]

HEX_HASH_RE = re.compile(r"^[0-9a-f]{64}$")

# An entry that may not be logged; ``field`` and ``error`` say which field and why.
EntryError = EntryShapeError

if set(SCHEMAS) != set(EntryKind.values):  # pragma: no cover - caught by every test run
    raise RuntimeError("ledger.models.EntryKind and custodywatch_log.entries.SCHEMAS list different kinds")


@dataclass(frozen=True, slots=True)
class NewEntry:
    """An entry ready to be sequenced: kind, canonical bytes and leaf hash."""

    kind: str
    data: bytes
    leaf_hash: bytes


def validate_kind(kind: str) -> str:
    """Return ``kind`` if it follows the grammar and has a schema; raise ``EntryError`` otherwise."""
    if not isinstance(kind, str) or not KIND_RE.match(kind):
        raise EntryError("kind", f"{kind!r} does not follow the kind grammar noun(:noun)*")
    if kind not in SCHEMAS:
        raise EntryError("kind", f"{kind!r} is not a registered entry kind")
    return kind


def entry_from_data(kind: str, data: bytes) -> NewEntry:
    return NewEntry(kind=kind, data=data, leaf_hash=hashlib.sha256(b"\x00" + data).digest())


def encode_entry(*, kind: str, payload: Mapping[str, str]) -> NewEntry:
    """The entry of ``kind`` with these public fields; raises ``EntryError`` unless its schema allows exactly them."""
    validate_kind(kind)
    if not isinstance(payload, Mapping) or "kind" in payload:
        raise EntryError("payload", "must be a mapping of the kind's public fields (without 'kind')")
    return entry_from_data(kind, encode_public_entry(kind, payload))


def decode_entry(data: bytes) -> dict[str, str]:
    """Parse canonical entry bytes back into a dict (kind included); raise ``EntryError`` if malformed."""
    fields = check_entry(data)
    return {"kind": json.loads(data)["kind"], **fields}
