"""What the ledger publishes: the cosigned checkpoint, tlog-tiles, entry bundles and proof bundles.

Everything is generated from the database on request: hash tiles from ``SubtreeHash`` (level
``8*L``; level 0 from the entries' leaf hashes), entry bundles from ``Entry.data``. Only what a
published checkpoint covers is served, so every tile a client can fetch is committed to by a
signed, witnessed root. ``export_tiles`` writes the same files to a directory for static hosting
or offline audit with ``custodywatch-verify audit --log DIR``.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.db.models import Count, Q, QuerySet

from custodywatch_log.proof import ProofBundle
from custodywatch_log.tiles import (
    TILE_HEIGHT,
    TILE_WIDTH,
    TileRef,
    encode_entry_bundle,
    encode_hash_tile,
    tiles_for_size,
)
from ledger import conf, selectors
from ledger.errors import LedgerIntegrityError
from ledger.models import Checkpoint, PublicationStatus


@dataclass(frozen=True)
class WitnessView:
    """One configured witness as the ledger page shows it."""

    name: str
    cosigned_at: datetime | None


@dataclass(frozen=True)
class LedgerOverview:
    """What the ledger page shows: the log size and the latest checkpoint with its witnesses."""

    log_size: int
    checkpoint: Checkpoint | None
    status: PublicationStatus | None
    witnesses: list[WitnessView]
    quorum: int
    published: Checkpoint | None

    @property
    def root_base64(self) -> str:
        return base64.b64encode(bytes(self.checkpoint.root)).decode("ascii") if self.checkpoint else ""

    @property
    def unsigned_entries(self) -> int:
        """Entries appended since the latest checkpoint."""
        return self.log_size - (self.checkpoint.size if self.checkpoint else 0)

    @property
    def cosigned(self) -> int:
        return sum(1 for w in self.witnesses if w.cosigned_at)

    @property
    def published_size(self) -> int:
        """Entries with an index below this have a proof in the published checkpoint."""
        return self.published.size if self.published else 0


def overview() -> LedgerOverview:
    """The ledger page's figures, in a handful of queries."""
    configured = conf.witnesses()
    checkpoint = selectors.latest_checkpoint()
    cosigned = {c.witness: c.timestamp for c in checkpoint.cosignatures.all()} if checkpoint else {}
    witnesses = [
        WitnessView(w.name, datetime.fromtimestamp(cosigned[w.name], UTC) if w.name in cosigned else None)
        for w in configured
    ]
    return LedgerOverview(
        log_size=selectors.log_size(),
        checkpoint=checkpoint,
        status=publication_status(checkpoint) if checkpoint else None,
        witnesses=witnesses,
        quorum=conf.witness_quorum(configured),
        published=published_checkpoint(),
    )


def publication_status(checkpoint: Checkpoint) -> PublicationStatus:
    """Whether enough configured witnesses have cosigned ``checkpoint`` (uses prefetched cosignatures)."""
    configured = conf.witnesses()
    names = {w.name for w in configured}
    cosigned = sum(1 for c in checkpoint.cosignatures.all() if c.witness in names)
    if cosigned >= conf.witness_quorum(configured):
        return PublicationStatus.PUBLISHED
    return PublicationStatus.AWAITING_WITNESSES


def _published_candidates() -> QuerySet[Checkpoint]:
    configured = conf.witnesses()
    quorum = conf.witness_quorum(configured)
    candidates = selectors.checkpoints().order_by("-size", "-pk")
    if quorum:
        names = [w.name for w in configured]
        candidates = candidates.annotate(
            witnessed=Count("cosignatures", filter=Q(cosignatures__witness__in=names))
        ).filter(witnessed__gte=quorum)
    return candidates


def published_checkpoint() -> Checkpoint | None:
    """The largest checkpoint whose cosignatures meet the witness quorum, or None."""
    return _published_candidates().first()


def published_size() -> int:
    """The size of the published checkpoint (0 if none), in one query: entries below it are provable."""
    size = _published_candidates().prefetch_related(None).values_list("size", flat=True).first()
    return size or 0


def cosigned_note(checkpoint: Checkpoint) -> str:
    """The checkpoint note with every stored cosignature line appended."""
    lines = "".join(c.line for c in sorted(checkpoint.cosignatures.all(), key=lambda c: c.witness))
    return checkpoint.note + lines


def _covered(level: int | None, index: int, width: int, size: int) -> bool:
    if not 1 <= width <= TILE_WIDTH or index < 0:
        return False
    tile_level = 0 if level is None else level
    return (index * TILE_WIDTH + width) << (TILE_HEIGHT * tile_level) <= size


def hash_tile(level: int, index: int, width: int, *, size: int) -> bytes | None:
    """The hash tile ``(level, index)`` of ``width`` hashes, if a tree of ``size`` entries holds it."""
    if not _covered(level, index, width, size):
        return None
    first = index * TILE_WIDTH
    hashes = selectors.subtree_hashes_in_range(TILE_HEIGHT * level, first, first + width)
    if len(hashes) != width:
        raise LedgerIntegrityError(f"tile {level}/{index} is missing hashes in storage")
    return encode_hash_tile(hashes)


def entry_bundle(index: int, width: int, *, size: int) -> bytes | None:
    """The entry bundle ``index`` of ``width`` entries, if a tree of ``size`` entries holds it."""
    if not _covered(None, index, width, size):
        return None
    first = index * TILE_WIDTH
    data = [bytes(d) for d in selectors.entries_in_range(first, first + width).values_list("data", flat=True)]
    if len(data) != width:
        raise LedgerIntegrityError(f"entry bundle {index} is missing entries in storage")
    return encode_entry_bundle(data)


@dataclass(frozen=True)
class EntryProof:
    """Entry ``index``'s inclusion proof in a published checkpoint, and the same as a tlog-proof."""

    index: int
    checkpoint: Checkpoint
    proof: list[bytes]
    bundle: str


def entry_proof(*, index: int) -> EntryProof | None:
    """Prove entry ``index`` against the latest published checkpoint; None if none covers it yet.

    The bundle is a C2SP tlog-proof whose ``extra`` line carries the entry's canonical bytes.
    """
    checkpoint = published_checkpoint()
    if checkpoint is None or not 0 <= index < checkpoint.size:
        return None
    entry = selectors.entry_by_index(index)
    if entry is None:
        raise LedgerIntegrityError(f"entry {index} is missing from storage")
    root, proof = selectors.root_and_inclusion_proof(index=index, size=checkpoint.size)
    if root != bytes(checkpoint.root):
        raise LedgerIntegrityError(f"the stored tree at size {checkpoint.size} does not match its checkpoint")
    bundle = ProofBundle.build(index, proof, cosigned_note(checkpoint), bytes(entry.data)).format()
    return EntryProof(index=index, checkpoint=checkpoint, proof=proof, bundle=bundle)


# ---------------------------------------------------------------------------------------------
# Export


@dataclass(frozen=True)
class ExportResult:
    """What ``export_tiles`` did."""

    size: int
    written: int
    skipped: int


def _write(root: Path, relative: str, data: bytes) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _tile_data(ref: TileRef, size: int) -> list[tuple[str, bytes]]:
    out = []
    if ref.level == 0:
        bundle = entry_bundle(ref.index, ref.width, size=size)
        assert bundle is not None
        out.append((ref.entries_path, bundle))
    tile = hash_tile(ref.level, ref.index, ref.width, size=size)
    assert tile is not None
    out.append((ref.path, tile))
    return out


def export_tiles(*, directory: Path | str, progress: Callable[[int, int], None] | None = None) -> ExportResult:
    """Write the published checkpoint's tiles, entry bundles and (last) checkpoint to ``directory``.

    Full tiles already present are skipped: they never change. Raises ``LookupError`` when no
    checkpoint is published yet.
    """
    checkpoint = published_checkpoint()
    if checkpoint is None:
        raise LookupError("no published checkpoint yet: sign one and collect witness cosignatures")
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    refs = tiles_for_size(checkpoint.size)
    written = skipped = 0
    for number, ref in enumerate(refs, start=1):
        if ref.full and (root / ref.path).exists() and (ref.level or (root / ref.entries_path).exists()):
            skipped += 1
        else:
            for relative, data in _tile_data(ref, checkpoint.size):
                _write(root, relative, data)
            written += 1
        if progress:
            progress(number, len(refs))
    _write(root, "checkpoint", cosigned_note(checkpoint).encode("utf-8"))
    return ExportResult(size=checkpoint.size, written=written, skipped=skipped)
