"""Reads from the ledger: tree size, stored hashes, roots and proofs, checkpoints and entries.

Roots and proofs follow the plans of ``custodywatch_log.merkle``: every proof element is a fold of a few
complete subtrees, and all the subtree hashes one proof needs are fetched in a single query
(level 0 from ``Entry.leaf_hash``, higher levels from ``SubtreeHash``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from custodywatch_log import merkle
from custodywatch_log.entries import Opening
from custodywatch_log.merkle import Subtree
from ledger.errors import LedgerIntegrityError
from ledger.models import Checkpoint, Entry, EntryKind, Record, SubtreeHash


def log_size() -> int:
    """Number of entries in the log (committed ones, as seen by this transaction)."""
    entry = connection.ops.quote_name(Entry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT MAX("index") FROM {entry}')  # noqa: S608 - fixed names
        (last,) = cursor.fetchone()
    return 0 if last is None else last + 1


def _in_list(values: Sequence[int]) -> str:
    return ", ".join(["%s"] * len(values))


def subtree_hashes(subtrees: Iterable[Subtree]) -> dict[Subtree, bytes]:
    """Return the stored hash of each subtree found, in one query. Absent subtrees are left out."""
    leaves: list[int] = []
    levels: list[int] = []
    indices: list[int] = []
    for level, index in set(subtrees):
        if level == 0:
            leaves.append(index)
        else:
            levels.append(level)
            indices.append(index)
    if not leaves and not levels:
        return {}
    if connection.vendor == "postgresql":
        # One statement text whatever the proof's shape, so psycopg prepares it once per connection.
        sql, params = _PG_HASHES_SQL, [leaves, levels, indices]
    else:
        sql, params = _sqlite_hashes_sql(leaves, levels, indices)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {(level, index): bytes(h) for level, index, h in rows}


_ENTRY = f'"{Entry._meta.db_table}"'
_SUBTREE = f'"{SubtreeHash._meta.db_table}"'
_PG_HASHES_SQL = (
    f'SELECT 0, "index", "leaf_hash" FROM {_ENTRY} WHERE "index" = ANY(%s::bigint[]) '  # noqa: S608
    f'UNION ALL SELECT s."level", s."index", s."hash" FROM {_SUBTREE} s '
    'JOIN unnest(%s::smallint[], %s::bigint[]) AS k("level", "index") '
    'ON s."level" = k."level" AND s."index" = k."index"'
)


def _sqlite_hashes_sql(leaves: list[int], levels: list[int], indices: list[int]) -> tuple[str, list[int]]:
    # One SELECT per level keeps every lookup on the primary key; SQLite scans the table for a
    # row-value IN (VALUES ...) list instead.
    parts: list[str] = []
    params: list[int] = []
    if leaves:
        parts.append(f'SELECT 0, "index", "leaf_hash" FROM {_ENTRY} WHERE "index" IN ({_in_list(leaves)})')  # noqa: S608
        params.extend(leaves)
    by_level: dict[int, list[int]] = {}
    for level, index in zip(levels, indices, strict=True):
        by_level.setdefault(level, []).append(index)
    for level, at_level in by_level.items():
        parts.append(
            f'SELECT "level", "index", "hash" FROM {_SUBTREE} '  # noqa: S608
            f'WHERE "level" = %s AND "index" IN ({_in_list(at_level)})'
        )
        params.append(level)
        params.extend(at_level)
    return " UNION ALL ".join(parts), params


def _hashes_for(plan: Iterable[Iterable[Subtree]]) -> dict[Subtree, bytes]:
    needed = {st for element in plan for st in element}
    found = subtree_hashes(needed)
    if len(found) != len(needed):
        missing = sorted(needed - found.keys())
        raise LedgerIntegrityError(f"the log does not hold subtree hashes {missing[:5]}")
    return found


def _check_size(size: int) -> None:
    if size < 0:
        raise ValueError(f"negative tree size {size}")


def root(*, size: int) -> bytes:
    """Return the root hash of the log's first ``size`` entries (``EMPTY_ROOT`` for 0).

    Raises ``LedgerIntegrityError`` if the log holds fewer than ``size`` entries.
    """
    _check_size(size)
    subtrees = merkle.root_subtrees(size)
    return merkle.fold_subtrees(subtrees, _hashes_for([subtrees]))


def inclusion_proof(*, index: int, size: int) -> list[bytes]:
    """Return the RFC 9162 inclusion proof of entry ``index`` in the tree of ``size`` entries."""
    plan = merkle.inclusion_proof_plan(index, size)
    return merkle.assemble(plan, _hashes_for(plan))


def consistency_proof(*, old: int, new: int) -> list[bytes]:
    """Return the RFC 9162 consistency proof from tree size ``old`` to ``new`` (empty for old 0)."""
    plan = merkle.consistency_proof_plan(old, new)
    return merkle.assemble(plan, _hashes_for(plan))


def root_and_inclusion_proof(*, index: int, size: int) -> tuple[bytes, list[bytes]]:
    """Return ``(root, proof)`` for entry ``index`` at ``size``, fetching the hashes once."""
    plan = merkle.inclusion_proof_plan(index, size)
    subtrees = merkle.root_subtrees(size)
    hashes = _hashes_for([*plan, subtrees])
    return merkle.fold_subtrees(subtrees, hashes), merkle.assemble(plan, hashes)


# ---------------------------------------------------------------------------------------------
# Entries and checkpoints


def entry_by_leaf_hash(leaf_hash: bytes) -> Entry | None:
    """Return the entry whose RFC 9162 leaf hash is ``leaf_hash``, or None."""
    return Entry.objects.filter(leaf_hash=leaf_hash).order_by("index").first()


def entry_indices_by_leaf_hash(leaf_hash: bytes, *, since: int = 0) -> list[int]:
    """The indices, from `since` on, of the entries whose leaf hash is `leaf_hash`."""
    return list(
        Entry.objects.filter(leaf_hash=leaf_hash, index__gte=since).order_by("index").values_list("index", flat=True)
    )


def entry_by_index(index: int) -> Entry | None:
    return Entry.objects.filter(index=index).first()


@dataclass(frozen=True)
class EntrySummary:
    """What a list of entries shows of one: its index, kind, time and leaf hash (not its data)."""

    index: int
    kind: str
    created_at: datetime
    leaf_hash: bytes

    @property
    def kind_label(self) -> str:
        return EntryKind(self.kind).label if self.kind in EntryKind.values else self.kind

    @property
    def leaf_hash_hex(self) -> str:
        return self.leaf_hash.hex()


@dataclass(frozen=True)
class EntryPage:
    """Entries newest first; ``older`` is the ``before`` of the next page, None on the last one."""

    entries: list[EntrySummary]
    older: int | None


def entry_page(*, before: int | None = None, size: int = 20) -> EntryPage:
    """Up to ``size`` entries with an index below ``before`` (the newest if None), in one query."""
    entries = Entry.objects.order_by("-index")
    if before is not None:
        entries = entries.filter(index__lt=before)
    rows = list(entries.values_list("index", "kind", "created_at", "leaf_hash")[: size + 1])
    summaries = [EntrySummary(index, kind, at, bytes(h)) for index, kind, at, h in rows[:size]]
    older = summaries[-1].index if len(rows) > size else None
    return EntryPage(summaries, older)


def entries_in_range(start: int, end: int) -> QuerySet[Entry]:
    """Entries with ``start <= index < end`` in index order."""
    return Entry.objects.filter(index__gte=start, index__lt=end).order_by("index")


def leaf_hashes_in_range(start: int, end: int) -> list[bytes]:
    return [bytes(h) for h in entries_in_range(start, end).values_list("leaf_hash", flat=True)]


def subtree_hashes_in_range(level: int, start: int, end: int) -> list[bytes]:
    """Hashes of the subtrees at ``level`` with ``start <= index < end`` in order (level 0: leaf hashes)."""
    if level == 0:
        return leaf_hashes_in_range(start, end)
    rows = (
        SubtreeHash.objects.filter(level=level, index__gte=start, index__lt=end)
        .order_by("index")
        .values_list("hash", flat=True)
    )
    return [bytes(h) for h in rows]


def checkpoints() -> QuerySet[Checkpoint]:
    """Checkpoints, largest first, with their signing key and cosignatures."""
    return Checkpoint.objects.select_related("signing_key").prefetch_related("cosignatures")


def latest_checkpoint() -> Checkpoint | None:
    """The signed checkpoint of the largest size (the most recent one for that size)."""
    return checkpoints().order_by("-size", "-pk").first()


def checkpoint_at(size: int) -> Checkpoint | None:
    return checkpoints().filter(size=size).order_by("-pk").first()


# ---------------------------------------------------------------------------------------------
# Audit


@dataclass(frozen=True)
class StorageAudit:
    """What ``audit_storage`` checked: the entry range and the root it recomputed."""

    start: int
    end: int
    root: bytes


def _entry_chunks(start: int, end: int, chunk: int) -> Iterator[list[tuple[int, bytes, bytes]]]:
    for lo in range(start, end, chunk):
        hi = min(end, lo + chunk)
        rows = list(entries_in_range(lo, hi).values_list("index", "data", "leaf_hash"))
        yield [(i, bytes(d), bytes(h)) for i, d, h in rows]


def _compare_stored(computed: dict[Subtree, bytes], old_size: int, new_size: int) -> None:
    """Check the stored subtrees (level >= 1) completed between two sizes, one range read per level."""
    level = 1
    while (1 << level) <= new_size:
        first, last = old_size >> level, new_size >> level
        if first < last:
            stored = subtree_hashes_in_range(level, first, last)
            for offset, index in enumerate(range(first, last)):
                if offset >= len(stored):
                    raise LedgerIntegrityError(f"subtree {(level, index)} is missing in storage")
                if stored[offset] != computed[(level, index)]:
                    raise LedgerIntegrityError(f"subtree {(level, index)} is wrong in storage")
        level += 1


def audit_storage(*, start: int = 0, end: int | None = None, chunk: int = 65536) -> StorageAudit:
    """Recompute entries ``[start, end)`` from their data and check every stored hash they touch.

    Checks that indices are contiguous, that each leaf hash is ``SHA-256(0x00 || data)``, and that
    every subtree completed by those entries is stored with the right hash, starting from the
    stored right edge at ``start``. Raises ``LedgerIntegrityError`` naming the first problem.
    """
    end = log_size() if end is None else end
    if not 0 <= start <= end:
        raise ValueError(f"bad audit range [{start}, {end})")
    frontier = _hashes_for([merkle.root_subtrees(start)])
    size = start
    for rows in _entry_chunks(start, end, chunk):
        leaves: list[bytes] = []
        for index, data, stored in rows:
            if index != size + len(leaves):
                raise LedgerIntegrityError(f"entry {size + len(leaves)} is missing (next stored: {index})")
            if merkle.leaf_hash(data) != stored:
                raise LedgerIntegrityError(f"entry {index}: stored leaf hash does not match its data")
            leaves.append(stored)
        if not leaves:
            break
        computed = merkle.new_subtree_hashes(size, frontier, leaves)
        _compare_stored(computed, size, size + len(leaves))
        size += len(leaves)
        merged = {**frontier, **computed}
        frontier = {st: merged[st] for st in merkle.root_subtrees(size)}
    if size != end:
        raise LedgerIntegrityError(f"the log holds {size} entries, expected {end}")
    return StorageAudit(start=start, end=end, root=merkle.fold_subtrees(merkle.root_subtrees(end), frontier))


# ---------------------------------------------------------------------------------------------
# Openings, within the reader's mandate


def openings_for(user: Any, indices: Iterable[int]) -> dict[int, Opening]:
    """The openings of the entries at ``indices`` that ``user``'s mandate covers (others are left out).

    A record's scope is its facility: the opening is given when ``facilities_for(user)`` holds
    that facility. A record about no facility opens only to a national mandate. Fails closed:
    a user with no mandate gets nothing. One query for the records, one for the facilities.
    """
    from accounts.permissions import facility_scope
    from facilities.selectors import facilities_for

    wanted = sorted({i for i in indices if isinstance(i, int) and i >= 0})
    scope = facility_scope(user)
    if scope is None or not wanted:
        return {}
    rows: list[tuple[int, str, bytes, bytes, int | None]] = []
    for start in range(0, len(wanted), 500):
        rows += Record.objects.filter(index__in=wanted[start:start + 500]).values_list(
            "index", "kind", "record", "salt", "facility_id"
        )
    facility_ids = {row[4] for row in rows if row[4] is not None}
    visible: set[int] = set()
    if facility_ids:
        visible = set(facilities_for(user).filter(pk__in=facility_ids).values_list("pk", flat=True))
    national = scope == Q()
    return {
        index: Opening(kind=kind, salt=bytes(salt), record=bytes(body), index=index)
        for index, kind, body, salt, facility in rows
        if (facility in visible) or (facility is None and national)
    }
