"""Full audit of a tiled log and Merkle hashes read from tiles (for proofs against a checkpoint).

Pure Python; no Django. ``audit_tiles`` recomputes every leaf hash from the entry bundles, every
hash tile from level 0 upwards, and the root, and reports each discrepancy in plain words (which
leaf, which tile). ``TileHashes`` serves any complete-subtree hash of a tree size from its tiles,
so ``merkle.assemble`` can build inclusion and consistency proofs from a tile tree.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context

from custodywatch_log.merkle import HASH_SIZE, Subtree, root_from_leaf_hashes, root_subtrees
from custodywatch_log.tiles import (
    TILE_HEIGHT,
    TILE_WIDTH,
    TileError,
    TileReader,
    entries_path,
    read_tile,
    tile_path,
)

__all__ = ["AuditReport", "Problem", "TileHashes", "audit_tiles", "leaf_range_text"]

_sha256 = hashlib.sha256
_MAX_MISMATCHES_PER_TILE = 3
_BATCH_TILES = 64


@dataclass(frozen=True)
class Problem:
    """One discrepancy: the resource (path) concerned, the leaf index if one, and what is wrong."""

    path: str
    message: str
    index: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {"path": self.path, "index": self.index, "message": self.message}


@dataclass
class AuditReport:
    """Outcome of a full audit; ``ok`` only if the root matches and no problem was found."""

    size: int
    expected_root: bytes
    computed_root: bytes | None = None
    problems: list[Problem] = field(default_factory=list)
    leaves_checked: int = 0
    tiles_checked: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems and self.computed_root == self.expected_root


def leaf_range_text(level: int, index: int) -> str:
    """Describe the leaves a subtree covers, e.g. ``leaves 256..511``."""
    return f"leaves {index << level}..{((index + 1) << level) - 1}"


# Hashing with as little Python per hash as possible (the audit is measured against bare hashlib
# calls on the same leaves): a leaf hash continues a SHA-256 state that already absorbed the 0x00
# prefix (``copy`` of a prefixed object, fed a zero-copy memoryview slice of the bundle) instead
# of building ``b"\x00" + entry``; interior nodes pair consecutive digests with ``zip`` over one
# iterator rather than slicing the tile or the level list.
_LEAF_PREFIX = hashlib.sha256(b"\x00")
_NODE_PREFIX = b"\x01"


def _mth_of_hashes(level: list[bytes]) -> bytes:
    """Merkle tree hash of a power-of-two number of subtree hashes (a full tile: 256)."""
    sha, one = _sha256, _NODE_PREFIX
    while len(level) > 1:
        pairs = iter(level)
        level = [sha(one + a + b).digest() for a, b in zip(pairs, pairs, strict=False)]
    return level[0]


def _mth_of_tile(data: bytes) -> bytes:
    """Merkle tree hash of a full tile's 256 concatenated hashes."""
    return _mth_of_hashes([data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)])


def _hash_bundle(data: bytes, first_leaf: int, path: str) -> list[bytes]:
    """Decode an entry bundle and return its leaf hashes; ``TileError`` names the broken entry."""
    copy = _LEAF_PREFIX.copy
    view = memoryview(data)
    out: list[bytes] = []
    append = out.append
    pos, n = 0, len(data)
    # The hot loop: bounds are checked once at the end (a slice past the end is merely short).
    try:
        while pos < n:
            start = pos + 2
            pos = start + ((data[pos] << 8) | data[pos + 1])
            h = copy()
            h.update(view[start:pos])
            append(h.digest())
    except IndexError:
        raise TileError(f"{path} is truncated in the length of leaf {first_leaf + len(out)}") from None
    if pos != n:
        raise TileError(f"{path} is truncated inside leaf {first_leaf + len(out) - 1}")
    return out


@dataclass
class _Level0Result:
    index: int
    width: int
    tile_root: bytes | None = None  # MTH of a full tile's leaves
    leaves: list[bytes] | None = None  # leaf hashes of a partial tile
    problems: list[Problem] = field(default_factory=list)
    leaves_checked: int = 0
    # When the entry bundle and the hash tile disagree: both versions, until the level above (or
    # the checkpoint's root) tells which one the log signed. ``tile_root``/``leaves`` then hold
    # the hash tile's version.
    bundle_hashes: bytes | None = None
    tile_hashes: bytes | None = None


def _check_level0(reader: TileReader, index: int, width: int) -> _Level0Result:
    result = _Level0Result(index, width)
    first = index * TILE_WIDTH
    bpath, tpath = entries_path(index, width), tile_path(0, index, width)
    leaves: list[bytes] | None = None
    try:
        data, got = read_tile(reader, None, index, width)
        leaves = _hash_bundle(data, first, bpath)
        if len(leaves) > width and got == width:
            result.problems.append(
                Problem(
                    bpath,
                    f"{bpath} holds {len(leaves)} entries, expected {width}: "
                    f"{len(leaves) - width} extra entries were appended",
                    first + width,
                )
            )
        elif len(leaves) < width:
            result.problems.append(
                Problem(
                    bpath,
                    f"{bpath} holds {len(leaves)} entries, expected {width}: leaves "
                    f"{first + len(leaves)}..{first + width - 1} are missing",
                    first + len(leaves),
                )
            )
            leaves = None
        if leaves is not None:
            if len(leaves) > width:
                leaves = leaves[:width]
            result.leaves_checked = width
    except TileError as e:
        result.problems.append(Problem(bpath, str(e)))
    tile: bytes | None = None
    try:
        tile, got = read_tile(reader, 0, index, width)
        if got != width and len(tile) == HASH_SIZE * got:
            tile = tile[: HASH_SIZE * width]
        if len(tile) != HASH_SIZE * width:
            result.problems.append(Problem(tpath, f"{tpath} is {len(tile)} bytes, expected {HASH_SIZE * width}"))
            tile = None
    except TileError as e:
        result.problems.append(Problem(tpath, str(e)))
    if leaves is not None:
        joined = b"".join(leaves)
        if tile is not None and joined != tile:
            result.bundle_hashes, result.tile_hashes = joined, tile
            leaves = None  # go on with what the hash tile claims; audit_tiles settles who is right
    if leaves is None:
        if tile is None:
            return result
        # keep auditing the levels above with what the log claims
        leaves = [tile[i : i + HASH_SIZE] for i in range(0, len(tile), HASH_SIZE)]
    if width == TILE_WIDTH:
        result.tile_root = _mth_of_hashes(leaves)
    else:
        result.leaves = leaves
    return result


def _settle_dispute(problems: list[Problem], res: _Level0Result, bundle_signed: bool, tile_signed: bool) -> None:
    """Report a disagreement between an entry bundle and its hash tile, blaming the right one.

    ``tile_signed``/``bundle_signed``: whether the hash tile's / the bundle's version of the
    leaves leads to what the log signed (the level-1 tile above, or the checkpoint's root).
    """
    bpath, tpath = entries_path(res.index, res.width), tile_path(0, res.index, res.width)
    want, got = res.bundle_hashes or b"", res.tile_hashes or b""
    if tile_signed and not bundle_signed:
        bad = [i for i in range(0, len(want), HASH_SIZE) if want[i : i + HASH_SIZE] != got[i : i + HASH_SIZE]]
        for off in bad[:_MAX_MISMATCHES_PER_TILE]:
            i = res.index * TILE_WIDTH + off // HASH_SIZE
            problems.append(
                Problem(
                    bpath,
                    f"{bpath}: entry {i} was altered: it hashes to {want[off : off + HASH_SIZE].hex()}, but the "
                    f"signed tree holds {got[off : off + HASH_SIZE].hex()} for leaf {i} (the hash tile {tpath} "
                    "agrees with the checkpoint)",
                    i,
                )
            )
        if len(bad) > _MAX_MISMATCHES_PER_TILE:
            problems.append(Problem(bpath, f"{bpath}: {len(bad) - _MAX_MISMATCHES_PER_TILE} more entries were altered"))
    elif bundle_signed and not tile_signed:
        source = "the entry bundle (which agrees with the checkpoint)"
        _report_mismatches(problems, tpath, 0, res.index, want, got, source)
    else:
        _report_mismatches(problems, tpath, 0, res.index, want, got, f"the entry bundle {bpath}")


def _report_mismatches(
    problems: list[Problem], path: str, level: int, index: int, want: bytes, got: bytes, source: str
) -> None:
    bad = [i for i in range(0, len(want), HASH_SIZE) if want[i : i + HASH_SIZE] != got[i : i + HASH_SIZE]]
    sub_level = TILE_HEIGHT * level
    for off in bad[:_MAX_MISMATCHES_PER_TILE]:
        i = index * TILE_WIDTH + off // HASH_SIZE
        what = f"leaf {i}" if level == 0 else f"hash {off // HASH_SIZE} ({leaf_range_text(sub_level, i)})"
        problems.append(
            Problem(
                path,
                f"{path}: {what} is {got[off : off + HASH_SIZE].hex()} but {source} gives "
                f"{want[off : off + HASH_SIZE].hex()}",
                i << sub_level,
            )
        )
    if len(bad) > _MAX_MISMATCHES_PER_TILE:
        problems.append(Problem(path, f"{path}: {len(bad) - _MAX_MISMATCHES_PER_TILE} more hashes differ"))


def _check_level0_batch(reader: TileReader, tiles: list[tuple[int, int]]) -> list[_Level0Result]:
    return [_check_level0(reader, index, width) for index, width in tiles]


def _level0_results(reader: TileReader, size: int, jobs: int) -> Iterator[_Level0Result]:
    full, partial = divmod(size, TILE_WIDTH)
    tiles = [(n, TILE_WIDTH) for n in range(full)] + ([(full, partial)] if partial else [])
    batches = [tiles[i : i + _BATCH_TILES] for i in range(0, len(tiles), _BATCH_TILES)]
    if jobs <= 1 or len(batches) < 2:
        for batch in batches:
            yield from _check_level0_batch(reader, batch)
        return
    # Leaf hashing dominates and small hashlib calls hold the GIL, so use processes (fork is
    # cheap and needs no re-import); results come back in order.
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("fork")) as pool:
        for results in pool.map(_check_level0_batch, [reader] * len(batches), batches):
            yield from results


def default_jobs(size: int) -> int:
    """Worker processes worth using for an audit of ``size`` leaves."""
    if size < 200_000 or os.name != "posix":
        return 1
    return max(1, min(os.cpu_count() or 1, 8))


def audit_tiles(
    reader: TileReader,
    size: int,
    expected_root: bytes,
    *,
    jobs: int | None = None,
    max_problems: int = 200,
    progress: Callable[[int], None] | None = None,
) -> AuditReport:
    """Recompute the whole tree of ``size`` leaves from ``reader`` and compare with ``expected_root``.

    Never raises for bad log data: every discrepancy becomes a ``Problem`` in the report (up to
    ``max_problems``; the count message says how many were left out).
    """
    started = time.perf_counter()
    report = AuditReport(size, expected_root)
    jobs = default_jobs(size) if jobs is None else jobs
    problems: list[Problem] = []
    # hashes[q] holds the recomputed level-8q subtree hashes (None where unknown); level 0 keeps
    # only the rightmost partial tile, the only leaves the root needs directly.
    upper: list[bytes | None] = []
    partial_leaves: list[bytes] = []
    partial_dispute: _Level0Result | None = None
    for res in _level0_results(reader, size, jobs):
        problems.extend(res.problems)
        report.leaves_checked += res.leaves_checked
        report.tiles_checked += 1
        if res.width == TILE_WIDTH:
            if res.bundle_hashes is not None:
                upper.append(_settle_full_tile(reader, size, res, problems))
            else:
                upper.append(res.tile_root)
        else:
            if res.leaves is not None:
                partial_leaves = res.leaves
            if res.bundle_hashes is not None:
                partial_dispute = res
        if progress:
            progress(report.leaves_checked)
    levels: list[list[bytes | None]] = [list(partial_leaves)]
    base = [size - size % TILE_WIDTH]
    q = 1
    while size >> (TILE_HEIGHT * q):
        count = size >> (TILE_HEIGHT * q)
        levels.append(upper)
        base.append(0)
        upper = _check_upper_level(reader, q, count, upper, problems)
        report.tiles_checked += -(-count // TILE_WIDTH)
        q += 1
    report.computed_root = _root_from_levels(size, levels, base)
    if partial_dispute is not None:
        # The rightmost partial tile has no tile above it: the checkpoint's root decides.
        assert partial_dispute.bundle_hashes is not None
        tile_signed = report.computed_root == expected_root
        bundle_leaves = partial_dispute.bundle_hashes
        levels[0] = [bundle_leaves[i : i + HASH_SIZE] for i in range(0, len(bundle_leaves), HASH_SIZE)]
        bundle_root = _root_from_levels(size, levels, base)
        bundle_signed = bundle_root == expected_root
        _settle_dispute(problems, partial_dispute, bundle_signed, tile_signed)
        if bundle_signed:
            report.computed_root = bundle_root
    if report.computed_root is None:
        problems.append(Problem("checkpoint", "the root cannot be recomputed because tiles are missing"))
    elif report.computed_root != expected_root:
        problems.append(
            Problem(
                "checkpoint",
                f"the tree recomputed from the entries has root {report.computed_root.hex()}, but the "
                f"checkpoint says {expected_root.hex()} for size {size}",
            )
        )
    if len(problems) > max_problems:
        left_out = len(problems) - max_problems
        problems = [*problems[:max_problems], Problem("", f"{left_out} more problems not listed")]
    report.problems = problems
    report.seconds = time.perf_counter() - started
    return report


def _settle_full_tile(reader: TileReader, size: int, res: _Level0Result, problems: list[Problem]) -> bytes:
    """Settle a bundle/tile disagreement on full tile ``res.index`` with the level-1 hash above it.

    Returns the hash to carry upwards: the version the level above agrees with (the hash tile's
    when neither does, so the levels above are audited on what the log claims).
    """
    bundle_root = _mth_of_tile(res.bundle_hashes or b"")
    try:
        above = TileHashes(reader, size)[(TILE_HEIGHT, res.index)]
    except (TileError, KeyError):
        above = None
    _settle_dispute(problems, res, above == bundle_root, above == res.tile_root)
    return bundle_root if above == bundle_root or res.tile_root is None else res.tile_root


def _check_upper_level(
    reader: TileReader, q: int, count: int, recomputed: list[bytes | None], problems: list[Problem]
) -> list[bytes | None]:
    """Compare the level-``q`` tiles with ``recomputed`` hashes; return the level-(q+1) hashes."""
    above: list[bytes | None] = []
    for n in range(-(-count // TILE_WIDTH)):
        width = min(TILE_WIDTH, count - n * TILE_WIDTH)
        path = tile_path(q, n, width)
        want = recomputed[n * TILE_WIDTH : n * TILE_WIDTH + width]
        try:
            data, got = read_tile(reader, q, n, width)
            if got != width and len(data) == HASH_SIZE * got:
                data = data[: HASH_SIZE * width]
            if len(data) != HASH_SIZE * width:
                raise TileError(f"{path} is {len(data)} bytes, expected {HASH_SIZE * width}")
            if None not in want:
                joined = b"".join(want)  # type: ignore[arg-type]
                if joined != data:
                    _report_mismatches(problems, path, q, n, joined, data, "the level below")
            else:
                # Fill unknown hashes from the tile so later levels can still be audited.
                want = [w if w is not None else data[i * HASH_SIZE : (i + 1) * HASH_SIZE] for i, w in enumerate(want)]
                recomputed[n * TILE_WIDTH : n * TILE_WIDTH + width] = want
        except TileError as e:
            problems.append(Problem(path, str(e)))
        if width == TILE_WIDTH:
            above.append(None if None in want else root_from_leaf_hashes(want))  # type: ignore[arg-type]
    return above


def _root_from_levels(size: int, levels: list[list[bytes | None]], base: list[int]) -> bytes | None:
    acc: bytes | None = None
    for level, index in reversed(root_subtrees(size)):
        q, r = divmod(level, TILE_HEIGHT)
        start = (index << r) - base[q]
        hashes = levels[q][start : start + (1 << r)]
        if len(hashes) != 1 << r or None in hashes:
            return None
        h = root_from_leaf_hashes(hashes)  # type: ignore[arg-type]
        acc = h if acc is None else _sha256(b"\x01" + h + acc).digest()
    if acc is None:
        return hashlib.sha256(b"").digest()
    return acc


class TileHashes(Mapping[Subtree, bytes]):
    """Complete-subtree hashes of a tree of ``size`` leaves, read from its tiles on demand.

    A subtree at level ``8q + r`` is the Merkle hash of ``2**r`` hashes of one level-``q`` tile.
    Raises ``KeyError`` for subtrees not complete at ``size`` and ``TileError`` for bad tiles.
    """

    def __init__(self, reader: TileReader, size: int) -> None:
        self.reader = reader
        self.size = size
        self._cache: dict[tuple[int, int], bytes] = {}

    def tile(self, q: int, n: int) -> bytes:
        """Return the (possibly partial) tile ``(q, n)`` as it must exist at this tree size."""
        key = (q, n)
        if key not in self._cache:
            count = self.size >> (TILE_HEIGHT * q)
            width = min(TILE_WIDTH, count - n * TILE_WIDTH)
            if width <= 0:
                raise KeyError(key)
            data, got = read_tile(self.reader, q, n, width)
            if got != width and len(data) == HASH_SIZE * got:
                data = data[: HASH_SIZE * width]
            if len(data) != HASH_SIZE * width:
                raise TileError(f"{tile_path(q, n, width)} is {len(data)} bytes, expected {HASH_SIZE * width}")
            self._cache[key] = data
        return self._cache[key]

    def __getitem__(self, subtree: Subtree) -> bytes:
        level, index = subtree
        if level < 0 or index < 0 or (index + 1) << level > self.size:
            raise KeyError(subtree)
        q, r = divmod(level, TILE_HEIGHT)
        first = index << r
        data = self.tile(q, first // TILE_WIDTH)
        off = (first % TILE_WIDTH) * HASH_SIZE
        chunk = data[off : off + (HASH_SIZE << r)]
        return root_from_leaf_hashes([chunk[i : i + HASH_SIZE] for i in range(0, len(chunk), HASH_SIZE)])

    def __iter__(self) -> Iterator[Subtree]:
        raise TypeError("tile hashes are not iterable")

    def __len__(self) -> int:
        return 2 * self.size
