"""The one way apps use the ledger. Apps import this module, never the ledger's models.

Writing (inside the service's own transaction)::

    from ledger import interface as ledger

    with transaction.atomic():
        change = ...  # the service's own write
        recorded = ledger.record(kind="registry:change", record={...}, scope=facility.pk,
                                 subject=f"facilities.registrychange:{change.pk}")
    index = ledger.wait_for_index(recorded, timeout=5)  # only if the caller needs the index now

``record`` commits to the record (a salted SHA-256, see ``custodywatch_log.entries``) and writes
a pending row; it takes no log-wide lock, so writers never wait for each other's transactions.
The sequencer appends the entry after the caller commits. The public entry holds the kind, the
hour (or day) and the commitment; the record and salt stay in the database, readable through
``openings_for`` only within the reader's mandate over ``scope`` (a facility's primary key, or
None for records about no facility, which only national mandates may open).

Reading and checking: ``index_of`` / ``indices_of`` (by subject), ``verify_record`` (does this
record still match what the log committed?), ``recorded_subjects`` (what was logged, for audits),
``openings_for(user, indices)`` (the openings a reader may see).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from custodywatch_log.entries import (
    SCHEMAS,
    Opening,
    OpeningError,
    canonical_record,
    check_entry,
    coarse_time,
    commitment,
)
from ledger import sequencer
from ledger.encoding import EntryError, decode_entry, validate_kind
from ledger.models import Entry, Record
from ledger.selectors import openings_for
from ledger.sequencer import SequencingError

__all__ = [
    "Item",
    "Opening",
    "Recorded",
    "SequencingError",
    "Verification",
    "VerificationStatus",
    "index_of",
    "indices_of",
    "openings_for",
    "record",
    "record_many",
    "recorded_subjects",
    "sequence_pending",
    "verify_record",
    "verify_records",
    "wait_for_index",
]


@dataclass(frozen=True)
class Recorded:
    """A record written to the outbox: its id, kind and (once known) its index in the log."""

    id: int
    kind: str
    index: int | None = None


@dataclass(frozen=True)
class Item:
    """One record for ``record_many``."""

    record: Mapping[str, Any]
    scope: int | None
    subject: str


def _row(kind: str, item: Item, time: str, created_at: Any) -> tuple[Any, ...]:
    if not isinstance(item.subject, str) or not 1 <= len(item.subject) <= 100:
        raise EntryError("subject", "a subject (app.model:pk) of 1 to 100 characters is required")
    if item.scope is not None and (not isinstance(item.scope, int) or isinstance(item.scope, bool)):
        raise EntryError("scope", "the scope is a facility's primary key or None")
    body = canonical_record(item.record)
    salt = secrets.token_bytes(32)
    # The canonical form of {"commitment", "kind", "time"} (sorted keys, no whitespace), as
    # encode_public_entry writes it; record_many checks the first row of each call against it.
    data = b'{"commitment":"%s","kind":"%s","time":"%s"}' % (
        commitment(kind, salt, body).encode("ascii"), kind.encode("ascii"), time.encode("ascii")
    )
    return (kind, data, body, salt, item.scope, item.subject, created_at)


_INSERT = (
    f'INSERT INTO "{Record._meta.db_table}" ("kind", "data", "record", "salt", "facility_id", "subject", '  # noqa: S608
    '"created_at") VALUES (%s, %s, %s, %s, %s, %s, %s)'
)


def record_many(*, kind: str, items: Sequence[Item], now: datetime | None = None) -> list[Recorded]:
    """Commit to each record and queue its entry; in the caller's transaction if there is one.

    Raises ``EntryError`` (naming the field) before writing anything if a kind or record cannot
    be logged. Returns the records in order; ``index`` is set only when sequencing is inline.
    """
    validate_kind(kind)
    if not SCHEMAS[kind].committed:
        raise EntryError("kind", f"{kind} entries are written by the ledger itself")
    if not items:
        return []
    now = now or timezone.now()
    time, created_at = coarse_time(kind, now), connection.ops.adapt_datetimefield_value(now)
    rows = [_row(kind, item, time, created_at) for item in items]
    check_entry(rows[0][1])  # the kind's schema (the same template made every row)
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    f'INSERT INTO "{Record._meta.db_table}" ("kind", "data", "record", "salt", "facility_id", '  # noqa: S608
                    '"subject", "created_at") SELECT * FROM unnest(%s::varchar[], %s::bytea[], %s::bytea[], '
                    '%s::bytea[], %s::bigint[], %s::varchar[], %s::timestamptz[]) RETURNING "id"',
                    [list(column) for column in zip(*rows, strict=True)],
                )
                ids = sorted(row[0] for row in cursor.fetchall())
            else:
                cursor.executemany(_INSERT, rows)
                cursor.execute("SELECT last_insert_rowid()")
                last = cursor.fetchone()[0]
                ids = list(range(last - len(rows) + 1, last + 1))
        if sequencer.mode() == "inline":
            sequencer.sequence_pending()
            found = dict(Record.objects.filter(pk__in=ids).values_list("pk", "index"))
            return [Recorded(id=i, kind=kind, index=found[i]) for i in ids]
        transaction.on_commit(sequencer.kick)
    return [Recorded(id=i, kind=kind) for i in ids]


def record(
    *, kind: str, record: Mapping[str, Any], scope: int | None, subject: str, now: datetime | None = None
) -> Recorded:
    """Commit to one record and queue its entry (see the module docstring and ``record_many``)."""
    [recorded] = record_many(kind=kind, items=[Item(record=record, scope=scope, subject=subject)], now=now)
    return recorded


def _lookup(record_id: int) -> int | None:
    return Record.objects.filter(pk=record_id).values_list("index", flat=True).first()


def wait_for_index(recorded: Recorded, timeout: float = 10.0) -> int:
    """The record's index in the log, waiting up to ``timeout`` seconds for the sequencer.

    Call after the writing transaction committed. Raises ``TimeoutError`` when the index is not
    there in time and ``SequencingError`` as soon as this process's sequencer fails meanwhile
    (the record is saved either way and will be logged once the sequencer recovers).
    """
    if recorded.index is not None:
        return recorded.index
    if connection.in_atomic_block and sequencer.mode() != "inline":
        raise RuntimeError("wait_for_index inside a transaction would wait for ever: the record is not committed yet")
    return sequencer.wait_until(recorded.id, timeout=timeout, lookup=_lookup)


def sequence_pending() -> int:
    """Sequence every pending record now in this thread (commands, the demo loader, tests)."""
    return sequencer.sequence_pending()


def index_of(*, kind: str, subject: str) -> int | None:
    """The index of the latest record logged about ``subject`` (None while pending or if none)."""
    return indices_of(kind=kind, subjects=[subject]).get(subject)


def indices_of(*, kind: str, subjects: Iterable[str]) -> dict[str, int | None]:
    """Each subject's latest record's index (None while pending); subjects never recorded are left out."""
    subjects = list(dict.fromkeys(subjects))
    found: dict[str, tuple[int, int | None]] = {}
    for start in range(0, len(subjects), 500):
        rows = Record.objects.filter(kind=kind, subject__in=subjects[start:start + 500])
        for pk, subject, index in rows.values_list("pk", "subject", "index"):
            if subject not in found or found[subject][0] < pk:
                found[subject] = (pk, index)
    return {subject: index for subject, (_pk, index) in found.items()}


def recorded_subjects(*, kind: str) -> Iterable[tuple[str, int | None]]:
    """Every (subject, index) recorded of ``kind``, in the order written (for audits)."""
    return Record.objects.filter(kind=kind).order_by("pk").values_list("subject", "index").iterator(chunk_size=2000)


class VerificationStatus(StrEnum):
    MATCHES = "matches"
    PENDING = "pending"
    NOT_RECORDED = "not_recorded"
    DIFFERS = "differs"


@dataclass(frozen=True)
class Verification:
    """What ``verify_record`` found, with the reason in plain words when it is not a match."""

    status: VerificationStatus
    index: int | None = None
    reason: str = ""


def verify_record(*, kind: str, subject: str, record: Mapping[str, Any]) -> Verification:
    """Whether ``record`` is what the log committed for ``subject`` (its latest record of ``kind``).

    Recomputes the commitment from ``record`` and the stored salt and compares it with the entry
    in the log (and the stored opening with both), so a record rewritten in the database, a
    rewritten opening or a missing entry are all found.
    """
    return verify_records(kind=kind, records={subject: record})[subject]


def verify_records(*, kind: str, records: Mapping[str, Mapping[str, Any]]) -> dict[str, Verification]:
    """``verify_record`` for many subjects at once, in a few queries per 500 subjects."""
    result: dict[str, Verification] = {}
    subjects = list(records)
    for start in range(0, len(subjects), 500):
        chunk = subjects[start:start + 500]
        latest: dict[str, tuple[int, int | None, bytes, bytes]] = {}
        rows = Record.objects.filter(kind=kind, subject__in=chunk).values_list(
            "pk", "subject", "index", "salt", "record"
        )
        for pk, subject, index, salt, body in rows:
            if subject not in latest or latest[subject][0] < pk:
                latest[subject] = (pk, index, bytes(salt), bytes(body))
        indices = [row[1] for row in latest.values() if row[1] is not None]
        entries = dict(Entry.objects.filter(index__in=indices).values_list("index", "data")) if indices else {}
        for subject in chunk:
            found = latest.get(subject)
            if found is None:
                result[subject] = Verification(VerificationStatus.NOT_RECORDED, reason="no ledger record")
                continue
            _pk, index, salt, stored = found
            result[subject] = _verify_one(kind, records[subject], index, salt, stored, entries.get(index))
    return result


def _verify_one(
    kind: str, record: Mapping[str, Any], index: int | None, salt: bytes, stored: bytes, entry: bytes | None
) -> Verification:
    try:
        given = commitment(kind, salt, canonical_record(record))
    except OpeningError as e:
        return Verification(VerificationStatus.DIFFERS, index, f"the record cannot be committed: {e}")
    if index is None:
        if given != commitment(kind, salt, stored):
            return Verification(VerificationStatus.DIFFERS, None, "the record differs from what was recorded")
        return Verification(VerificationStatus.PENDING, None, "recorded, not yet in the log")
    if entry is None:
        return Verification(VerificationStatus.DIFFERS, index, f"ledger entry {index} is missing")
    try:
        logged = decode_entry(bytes(entry))
    except EntryError as e:
        return Verification(VerificationStatus.DIFFERS, index, f"ledger entry {index} is malformed: {e}")
    if logged["kind"] != kind:
        return Verification(VerificationStatus.DIFFERS, index, f"ledger entry {index} is about something else")
    if logged["commitment"] != given:
        return Verification(
            VerificationStatus.DIFFERS, index, f"the record differs from what ledger entry {index} committed"
        )
    if commitment(kind, salt, stored) != given:
        return Verification(VerificationStatus.DIFFERS, index, "the stored opening was rewritten")
    return Verification(VerificationStatus.MATCHES, index)


# ---------------------------------------------------------------------------------------------
# Proofs, for acknowledgements (terminals) and export packages (footage, evidence)


@dataclass(frozen=True)
class Inclusion:
    """Entry ``index`` (its canonical bytes ``entry``) is in the tree of ``size`` entries with ``root``."""

    index: int
    size: int
    root: bytes
    proof: list[bytes]
    entry: bytes


def inclusion_at_head(*, index: int) -> Inclusion | None:
    """Prove entry ``index`` against the log as stored now (before any checkpoint signs it).

    None if the entry is not sequenced yet. A terminal checks the proof against the root the server
    signs in its acknowledgement; the next signed, witnessed checkpoint must be consistent with it.
    """
    from ledger import selectors

    size = selectors.log_size()
    if not 0 <= index < size:
        return None
    found = selectors.entry_by_index(index)
    if found is None:
        return None
    root, proof = selectors.root_and_inclusion_proof(index=index, size=size)
    return Inclusion(index=index, size=size, root=root, proof=proof, entry=bytes(found.data))


def proof_bundle(*, index: int) -> str | None:
    """Entry ``index``'s offline C2SP tlog-proof against the latest published (cosigned) checkpoint,
    or None while no published checkpoint covers it. ``custodywatch-verify`` and the browser
    verifier check it."""
    from ledger import publication

    proven = publication.entry_proof(index=index)
    return None if proven is None else proven.bundle


def published_size() -> int:
    """How many entries the latest published checkpoint covers."""
    from ledger import publication

    return publication.published_size()


def receipt_opening(*, kind: str, subject: str) -> Opening | None:
    """The opening (salt and record) of the latest record of ``kind`` about ``subject``, for the
    system itself to hand to the party the record is about: a complaint terminal checks that its
    acknowledged ledger entry commits to its own record. Not for readers (``openings_for``)."""
    found = Record.objects.filter(kind=kind, subject=subject).order_by("-pk").values_list("salt", "record").first()
    if found is None:
        return None
    return Opening(kind=kind, salt=bytes(found[0]), record=bytes(found[1]))
def published_log_key() -> str | None:
    """The public key (vkey) that signed the latest published checkpoint, for export packages
    (None while nothing is published). A reader should still compare it with the published key."""
    from ledger import publication

    checkpoint = publication.published_checkpoint()
    return None if checkpoint is None else checkpoint.signing_key.vkey
