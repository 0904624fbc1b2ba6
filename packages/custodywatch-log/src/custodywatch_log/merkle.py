"""RFC 9162 section 2.1 Merkle tree: hashing, proof generation plans and verification.

Pure Python (hashlib only); no Django. Terminology used throughout:

* A *leaf hash* is ``SHA-256(0x00 || entry)``; a *node hash* is ``SHA-256(0x01 || left || right)``.
* A ``Subtree`` ``(level, index)`` is the *complete* subtree of ``2**level`` leaves starting at
  leaf ``index * 2**level``; level 0 subtrees are the leaf hashes themselves. Storage keeps the
  hash of every complete subtree (about two hashes per leaf), so any root or proof element of any
  tree size is a right-to-left fold of a few stored hashes.
* A *plan* lists, for each proof element in RFC 9162 order, the subtrees whose fold gives that
  element, so a database can fetch every hash a proof needs in one query and call ``assemble``.

Old size 0 in consistency proofs: the transparency-dev test vectors reject it (a proof from the
empty tree proves nothing), while the C2SP witness protocol accepts old size 0 with an empty proof.
``verify_consistency`` rejects it by default and accepts it with ``allow_empty_old=True``; the
plans return an empty proof for old size 0 (what the witness protocol expects).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MerkleTree",
    "ProofError",
    "Subtree",
    "assemble",
    "completed_subtrees",
    "consistency_proof",
    "consistency_proof_plan",
    "fold_subtrees",
    "inclusion_proof",
    "inclusion_proof_plan",
    "leaf_hash",
    "new_subtree_hashes",
    "node_hash",
    "range_subtrees",
    "root_from_inclusion_proof",
    "root_from_leaf_hashes",
    "root_subtrees",
    "subtree_range",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT: bytes = hashlib.sha256(b"").digest()

Subtree = tuple[int, int]

_sha256 = hashlib.sha256


class ProofError(ValueError):
    """A Merkle proof (or its parameters) does not verify; the message says precisely why."""


def leaf_hash(data: bytes) -> bytes:
    """Return the RFC 9162 leaf hash ``SHA-256(0x00 || data)``."""
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the RFC 9162 interior node hash ``SHA-256(0x01 || left || right)``."""
    return _sha256(b"\x01" + left + right).digest()


def root_from_leaf_hashes(leaf_hashes: Sequence[bytes]) -> bytes:
    """Return the Merkle tree hash of ``leaf_hashes`` (``EMPTY_ROOT`` for no leaves).

    Hashes level by level; carrying an odd last node up unchanged yields exactly the RFC 9162
    split at the largest power of two smaller than the size.
    """
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    sha = _sha256
    level = leaf_hashes
    while n > 1:
        nxt = [sha(b"\x01" + a + b).digest() for a, b in zip(level[0::2], level[1::2], strict=False)]
        if n & 1:
            nxt.append(level[-1])
        level = nxt
        n = len(level)
    return level[0]


# ---------------------------------------------------------------------------------------------
# Subtree arithmetic


def subtree_range(subtree: Subtree) -> tuple[int, int]:
    """Return the half-open leaf range ``[start, end)`` covered by ``subtree``."""
    level, index = subtree
    return index << level, (index + 1) << level


def range_subtrees(start: int, end: int) -> list[Subtree]:
    """Return the complete subtrees, left to right, whose right-to-left fold is ``MTH(D[start:end])``.

    ``[start, end)`` must be a node of some RFC 9162 tree, i.e. ``start`` is a multiple of a power
    of two at least ``end - start`` (true of every range a proof or root refers to).
    """
    if not 0 <= start < end:
        raise ValueError(f"empty or negative leaf range [{start}, {end})")
    width = end - start
    if start and (start & -start) < width:
        raise ValueError(f"leaf range [{start}, {end}) is not a node of an RFC 9162 tree")
    out: list[Subtree] = []
    pos = start
    for level in range(width.bit_length() - 1, -1, -1):
        if width >> level & 1:
            out.append((level, pos >> level))
            pos += 1 << level
    return out


def root_subtrees(size: int) -> list[Subtree]:
    """Return the complete subtrees, left to right, whose right-to-left fold is the root of ``size`` leaves.

    Empty for ``size == 0`` (the root is then ``EMPTY_ROOT``).
    """
    if size < 0:
        raise ValueError(f"negative tree size {size}")
    return range_subtrees(0, size) if size else []


def completed_subtrees(old_size: int, new_size: int) -> list[Subtree]:
    """Return the complete subtrees that exist at ``new_size`` but not at ``old_size``.

    Ordered so every subtree comes after its two children (level 0 first, then upwards): the
    order in which a storage layer computes and inserts them after appending leaves.
    """
    if not 0 <= old_size <= new_size:
        raise ValueError(f"need 0 <= old_size <= new_size, got {old_size} and {new_size}")
    out: list[Subtree] = []
    level = 0
    while (1 << level) <= new_size:
        first = old_size >> level
        last = new_size >> level
        out.extend((level, i) for i in range(first, last))
        level += 1
    return out


def new_subtree_hashes(
    old_size: int, frontier: Mapping[Subtree, bytes], new_leaf_hashes: Sequence[bytes]
) -> dict[Subtree, bytes]:
    """Return the hash of every subtree completed by appending ``new_leaf_hashes`` to a tree of ``old_size``.

    ``frontier`` must hold the hashes of ``root_subtrees(old_size)`` (all that is needed from
    storage). The result includes the level-0 subtrees (the new leaf hashes themselves) and is
    ordered like ``completed_subtrees``.
    """
    new_size = old_size + len(new_leaf_hashes)
    out: dict[Subtree, bytes] = {}
    for i, h in enumerate(new_leaf_hashes):
        out[(0, old_size + i)] = h
    sha = _sha256
    level = 1
    while (1 << level) <= new_size:
        for i in range(old_size >> level, new_size >> level):
            left = (level - 1, 2 * i)
            right = (level - 1, 2 * i + 1)
            lh = out.get(left)
            if lh is None:
                lh = frontier[left]
            out[(level, i)] = sha(b"\x01" + lh + out[right]).digest()
        level += 1
    return out


def fold_subtrees(subtrees: Sequence[Subtree], hashes: Mapping[Subtree, bytes]) -> bytes:
    """Fold the hashes of ``subtrees`` right to left (``acc = node_hash(left, acc)``).

    ``EMPTY_ROOT`` for an empty sequence. Raises ``KeyError`` if a hash is missing.
    """
    if not subtrees:
        return EMPTY_ROOT
    acc = hashes[subtrees[-1]]
    for st in reversed(subtrees[:-1]):
        acc = _sha256(b"\x01" + hashes[st] + acc).digest()
    return acc


def assemble(plan: list[list[Subtree]], hashes: Mapping[Subtree, bytes]) -> list[bytes]:
    """Turn a proof plan into the proof: one folded hash per plan element, in order."""
    return [fold_subtrees(element, hashes) for element in plan]


def _largest_power_of_two_below(n: int) -> int:
    """Return the largest power of two strictly less than ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_proof_plan(index: int, size: int) -> list[list[Subtree]]:
    """Return the plan of the RFC 9162 inclusion proof of leaf ``index`` in a tree of ``size`` leaves.

    Elements are ordered from the leaf's sibling up to the root's child. Raises ``ValueError`` if
    ``index`` is not a leaf of the tree (including every index of the empty tree).
    """
    if size <= 0 or not 0 <= index < size:
        raise ValueError(f"leaf index {index} is not in a tree of size {size}")
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        mid = lo + _largest_power_of_two_below(hi - lo)
        if index < mid:
            ranges.append((mid, hi))
            hi = mid
        else:
            ranges.append((lo, mid))
            lo = mid
    ranges.reverse()
    return [range_subtrees(a, b) for a, b in ranges]


def consistency_proof_plan(old_size: int, new_size: int) -> list[list[Subtree]]:
    """Return the plan of the RFC 9162 consistency proof between trees of ``old_size`` and ``new_size``.

    Empty when ``old_size == new_size`` or ``old_size == 0`` (the C2SP witness protocol sends an
    empty proof from the empty tree). Raises ``ValueError`` unless ``0 <= old_size <= new_size``.
    """
    if not 0 <= old_size <= new_size:
        raise ValueError(f"no consistency proof from size {old_size} to size {new_size}")
    if old_size in (0, new_size):
        return []
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, new_size
    complete_old_subtree = True
    while old_size != hi:
        mid = lo + _largest_power_of_two_below(hi - lo)
        if old_size <= mid:
            ranges.append((mid, hi))
            hi = mid
        else:
            ranges.append((lo, mid))
            lo = mid
            complete_old_subtree = False
    if not complete_old_subtree:
        ranges.append((lo, hi))
    ranges.reverse()
    return [range_subtrees(a, b) for a, b in ranges]


class _LeafHashesView(Mapping[Subtree, bytes]):
    """Subtree hashes computed on demand from an in-memory list of leaf hashes."""

    def __init__(self, leaf_hashes: Sequence[bytes]) -> None:
        self._leaves = leaf_hashes

    def __getitem__(self, key: Subtree) -> bytes:
        start, end = subtree_range(key)
        if end > len(self._leaves):
            raise KeyError(key)
        if end - start == 1:
            return self._leaves[start]
        return root_from_leaf_hashes(self._leaves[start:end])

    def __iter__(self) -> Iterator[Subtree]:
        raise TypeError("subtree views are not iterable")

    def __len__(self) -> int:
        return 2 * len(self._leaves)


def inclusion_proof(index: int, size: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """Return the inclusion proof of leaf ``index`` in the tree of the first ``size`` of ``leaf_hashes``."""
    if size > len(leaf_hashes):
        raise ValueError(f"tree size {size} exceeds the {len(leaf_hashes)} leaf hashes given")
    return assemble(inclusion_proof_plan(index, size), _LeafHashesView(leaf_hashes))


def consistency_proof(old_size: int, new_size: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """Return the consistency proof between the trees of the first ``old_size`` and ``new_size`` leaf hashes."""
    if new_size > len(leaf_hashes):
        raise ValueError(f"tree size {new_size} exceeds the {len(leaf_hashes)} leaf hashes given")
    return assemble(consistency_proof_plan(old_size, new_size), _LeafHashesView(leaf_hashes))


# ---------------------------------------------------------------------------------------------
# Verification (RFC 9162 sections 2.1.3.2 and 2.1.4.2)


def _check_hashes(proof: Sequence[bytes]) -> None:
    for i, p in enumerate(proof):
        if len(p) != HASH_SIZE:
            raise ProofError(f"proof element {i} is {len(p)} bytes long, expected {HASH_SIZE}")


def root_from_inclusion_proof(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """Return the root implied by an inclusion proof (RFC 9162 section 2.1.3.2, steps 1-4).

    Raises ``ProofError`` if the index is outside the tree or the proof has the wrong length or
    malformed elements; the caller compares the result with a trusted root.
    """
    if size <= 0:
        raise ProofError(f"leaf index {index} cannot be in an empty tree (size {size})")
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    if len(leaf_hash) != HASH_SIZE:
        raise ProofError(f"leaf hash is {len(leaf_hash)} bytes long, expected {HASH_SIZE}")
    _check_hashes(proof)
    fn, sn = index, size - 1
    r = leaf_hash
    for p in proof:
        if sn == 0:
            raise ProofError(
                f"inclusion proof for leaf {index} in a tree of size {size} is too long ({len(proof)} elements)"
            )
        if fn & 1 or fn == sn:
            r = _sha256(b"\x01" + p + r).digest()
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = _sha256(b"\x01" + r + p).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(
            f"inclusion proof for leaf {index} in a tree of size {size} is too short ({len(proof)} elements)"
        )
    return r


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``size`` leaves with ``root``.

    Returns ``None`` on success; raises ``ProofError`` saying what is wrong otherwise.
    """
    computed = root_from_inclusion_proof(leaf_hash, index, size, proof)
    if computed != root:
        raise ProofError(
            f"inclusion proof for leaf {index} in a tree of size {size} leads to root "
            f"{computed.hex()}, not the expected {root.hex()}"
        )


def verify_consistency(
    old_size: int,
    new_size: int,
    old_root: bytes,
    new_root: bytes,
    proof: Sequence[bytes],
    *,
    allow_empty_old: bool = False,
) -> None:
    """Check that the tree of ``new_size`` with ``new_root`` extends the one of ``old_size`` with ``old_root``.

    RFC 9162 section 2.1.4.2, plus: equal sizes need an empty proof and equal roots. Old size 0
    is rejected (as the transparency-dev vectors expect) unless ``allow_empty_old`` is true, in
    which case the proof must be empty and ``old_root`` must be ``EMPTY_ROOT`` (the C2SP witness
    rule). Returns ``None`` on success; raises ``ProofError`` otherwise.
    """
    if old_size < 0 or new_size < 0:
        raise ProofError(f"negative tree size ({old_size}, {new_size})")
    if new_size < old_size:
        raise ProofError(f"new tree size {new_size} is smaller than old tree size {old_size}")
    if old_size == 0:
        if not allow_empty_old:
            raise ProofError(
                "old tree size is 0: the empty tree is consistent with every tree, so this "
                "consistency check proves nothing and is refused"
            )
        if proof:
            raise ProofError(f"old tree size is 0 so the proof must be empty, got {len(proof)} elements")
        if old_root != EMPTY_ROOT:
            raise ProofError("old tree size is 0 but the old root is not the hash of the empty string")
        if new_size == 0 and new_root != EMPTY_ROOT:
            raise ProofError("new tree size is 0 but the new root is not the hash of the empty string")
        return
    if old_size == new_size:
        if proof:
            raise ProofError(f"tree sizes are equal ({old_size}) so the proof must be empty, got {len(proof)}")
        if old_root != new_root:
            raise ProofError(f"tree sizes are equal ({old_size}) but the roots differ: the log has forked")
        return
    if not proof:
        raise ProofError(f"empty consistency proof from size {old_size} to size {new_size}")
    _check_hashes(proof)
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError(
                f"consistency proof from size {old_size} to size {new_size} is too long ({len(proof)} elements)"
            )
        if fn & 1 or fn == sn:
            fr = _sha256(b"\x01" + c + fr).digest()
            sr = _sha256(b"\x01" + c + sr).digest()
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = _sha256(b"\x01" + sr + c).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(
            f"consistency proof from size {old_size} to size {new_size} is too short ({len(proof)} elements)"
        )
    if fr != old_root:
        raise ProofError(
            f"consistency proof from size {old_size} to size {new_size} does not lead to the old root "
            f"{old_root.hex()} (got {fr.hex()})"
        )
    if sr != new_root:
        raise ProofError(
            f"consistency proof from size {old_size} to size {new_size} does not lead to the new root "
            f"{new_root.hex()} (got {sr.hex()}): the log is not append-only"
        )


# ---------------------------------------------------------------------------------------------
# In-memory tree


class _LevelsView(Mapping[Subtree, bytes]):
    """Read-only view of a ``MerkleTree``'s complete-subtree hashes."""

    def __init__(self, levels: list[list[bytes]]) -> None:
        self._levels = levels

    def __getitem__(self, key: Subtree) -> bytes:
        level, index = key
        try:
            if level < 0 or index < 0:
                raise IndexError
            return self._levels[level][index]
        except IndexError:
            raise KeyError(key) from None

    def __iter__(self) -> Iterator[Subtree]:
        for level, hashes in enumerate(self._levels):
            for index in range(len(hashes)):
                yield (level, index)

    def __len__(self) -> int:
        return sum(len(hashes) for hashes in self._levels)


class MerkleTree:
    """An append-only in-memory RFC 9162 tree keeping every complete-subtree hash.

    ``append`` is amortised O(1) hashes (O(log n) worst case); roots and proofs for any earlier
    size are available since complete subtrees never change.
    """

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._levels: list[list[bytes]] = [[]]
        for h in leaf_hashes:
            self.append_leaf_hash(h)

    @classmethod
    def from_entries(cls, entries: Iterable[bytes]) -> MerkleTree:
        """Build a tree whose leaves are the RFC 9162 leaf hashes of ``entries``."""
        return cls(_sha256(b"\x00" + e).digest() for e in entries)

    def __len__(self) -> int:
        return len(self._levels[0])

    @property
    def size(self) -> int:
        """Number of leaves."""
        return len(self._levels[0])

    @property
    def subtrees(self) -> Mapping[Subtree, bytes]:
        """Every complete-subtree hash, keyed by ``(level, index)``."""
        return _LevelsView(self._levels)

    def append(self, entry: bytes) -> int:
        """Append ``entry`` (hashing it as a leaf) and return its index."""
        return self.append_leaf_hash(_sha256(b"\x00" + entry).digest())

    def append_leaf_hash(self, leaf: bytes) -> int:
        """Append an already computed leaf hash and return its index."""
        if len(leaf) != HASH_SIZE:
            raise ValueError(f"leaf hash is {len(leaf)} bytes long, expected {HASH_SIZE}")
        levels = self._levels
        index = len(levels[0])
        levels[0].append(leaf)
        level, i, h = 0, index, leaf
        while i & 1:
            left = levels[level][i - 1]
            h = _sha256(b"\x01" + left + h).digest()
            level += 1
            i >>= 1
            if level == len(levels):
                levels.append([])
            levels[level].append(h)
        return index

    def extend(self, entries: Iterable[bytes]) -> None:
        """Append every entry of ``entries``."""
        for e in entries:
            self.append(e)

    def leaf_hash(self, index: int) -> bytes:
        """Return the leaf hash at ``index``."""
        return self._levels[0][index]

    def _check_size(self, size: int | None) -> int:
        if size is None:
            return self.size
        if not 0 <= size <= self.size:
            raise ValueError(f"tree size {size} is outside 0..{self.size}")
        return size

    def root(self, size: int | None = None) -> bytes:
        """Return the root hash at ``size`` leaves (default: the current size)."""
        return fold_subtrees(root_subtrees(self._check_size(size)), self.subtrees)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """Return the inclusion proof of leaf ``index`` in the tree of ``size`` leaves."""
        return assemble(inclusion_proof_plan(index, self._check_size(size)), self.subtrees)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """Return the consistency proof from ``old_size`` to ``new_size`` (default: current size)."""
        return assemble(consistency_proof_plan(old_size, self._check_size(new_size)), self.subtrees)
