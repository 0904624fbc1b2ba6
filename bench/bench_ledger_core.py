"""Benchmark of the pure ledger core against raw hashlib and pymerkle.

Run: .venv/bin/python bench/bench_ledger_core.py [--leaves N] [--audit-leaves N] [--runs R]

Prints one table of medians over several runs. Targets: building a tree reaches >= 40% of the raw
hashlib rate for the same hash operations; a full audit from a tiles directory reaches >= 1 million
leaves per second.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from custodywatch_log.audit import audit_tiles
from custodywatch_log.merkle import MerkleTree, root_from_leaf_hashes
from custodywatch_log.tiles import DirectoryTileReader, write_tiles

ENTRY_SIZE = 150  # a canonical entry: a few hashes, ids and timestamps


def entries(n: int) -> list[bytes]:
    seed = os.urandom(ENTRY_SIZE)
    return [i.to_bytes(8, "big") + seed[8:] for i in range(n)]


def median_seconds(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def raw_inputs(data: list[bytes]) -> tuple[list[bytes], list[bytes]]:
    """Prefixed leaf inputs and (n-1) 65-byte node inputs, prepared outside the timed region."""
    pair = b"\x01" + bytes(64)
    return [b"\x00" + e for e in data], [pair] * (len(data) - 1)


def raw_hashlib(inputs: tuple[list[bytes], list[bytes]]) -> None:
    """The same hash operations as a tree build (n leaf hashes, n-1 node hashes) and nothing else."""
    sha = hashlib.sha256
    leaves, nodes = inputs
    [sha(x).digest() for x in leaves]
    [sha(x).digest() for x in nodes]


def tree_build(data: list[bytes]) -> bytes:
    sha = hashlib.sha256
    return root_from_leaf_hashes([sha(b"\x00" + e).digest() for e in data])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaves", type=int, default=200_000, help="entries for the hashing rows")
    parser.add_argument("--pymerkle-leaves", type=int, default=20_000, help="entries for the pymerkle rows")
    parser.add_argument("--audit-leaves", type=int, default=1_500_000, help="entries in the audited tile tree")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from pymerkle import InmemoryTree

    rows: list[tuple[str, int, float, str, float | None]] = []  # name, items, seconds, unit, baseline rate

    data = entries(args.leaves)
    ops = 2 * len(data) - 1
    inputs = raw_inputs(data)
    raw = median_seconds(lambda: raw_hashlib(inputs), args.runs)
    raw_rate = ops / raw
    rows.append(("raw hashlib: leaf + node hashes", ops, raw, "hashes", None))
    rows.append(
        (
            "root_from_leaf_hashes (incl. leaf hashing)",
            ops,
            median_seconds(lambda: tree_build(data), args.runs),
            "hashes",
            raw_rate,
        )
    )
    rows.append(
        (
            "MerkleTree.append (incremental, keeps subtrees)",
            ops,
            median_seconds(lambda: MerkleTree.from_entries(data), args.runs),
            "hashes",
            raw_rate,
        )
    )

    small = data[: args.pymerkle_leaves]
    ours_small = MerkleTree.from_entries(small)

    def pymerkle_build() -> InmemoryTree:
        tree = InmemoryTree(algorithm="sha256")
        for e in small:
            tree.append_entry(e)
        return tree

    py_build = median_seconds(pymerkle_build, max(1, args.runs // 2))
    ours_append = median_seconds(lambda: MerkleTree.from_entries(small), args.runs)
    rows.append(("pymerkle InmemoryTree.append_entry", len(small), py_build, "entries", None))
    rows.append(("MerkleTree.append, same entries", len(small), ours_append, "entries", len(small) / py_build))
    py_tree = pymerkle_build()
    n_proofs = 2000
    step = max(1, len(small) // n_proofs)
    indexes = list(range(0, len(small), step))[:n_proofs]
    py_proof = median_seconds(lambda: [py_tree.prove_inclusion(i + 1) for i in indexes], args.runs)
    our_proof = median_seconds(lambda: [ours_small.inclusion_proof(i) for i in indexes], args.runs)
    rows.append(("pymerkle prove_inclusion", len(indexes), py_proof, "proofs", None))
    rows.append(("MerkleTree.inclusion_proof, same tree", len(indexes), our_proof, "proofs", len(indexes) / py_proof))

    with tempfile.TemporaryDirectory(prefix="bench-tiles-") as tmp:
        big = entries(args.audit_leaves)
        tree = MerkleTree.from_entries(big)
        write_tiles(tmp, big, hashes=tree.subtrees)
        root = tree.root()
        del tree
        reader = DirectoryTileReader(tmp)
        audit_runs = max(1, args.runs // 2)
        for jobs in (1, None):
            report = audit_tiles(reader, len(big), root, jobs=jobs)
            assert report.ok, report.problems[:3]
            seconds = median_seconds(lambda j=jobs: audit_tiles(reader, len(big), root, jobs=j), audit_runs)
            label = "1 process" if jobs == 1 else "automatic processes"
            rows.append((f"verifier audit from tiles dir ({label})", len(big), seconds, "leaves", 1_000_000.0))

    name_width = max(len(r[0]) for r in rows)
    header = f"{'benchmark':<{name_width}}  {'items':>10}  {'median s':>9}  {'rate /s':>12}  {'ratio':>7}"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    audit_runs = max(1, args.runs // 2)
    print(
        f"ledger core benchmark: medians of {args.runs} runs (audit {audit_runs}); {os.cpu_count()} CPUs, load {load}"
    )
    print(header)
    print("-" * len(header))
    for name, items, seconds, unit, baseline in rows:
        rate = items / seconds
        ratio = f"{rate / baseline:6.0%}" if baseline else "   base"
        print(f"{name:<{name_width}}  {items:>10,}  {seconds:>9.3f}  {rate:>12,.0f}  {ratio:>7}  {unit}")
    print("ratio: against raw hashlib (tree rows), pymerkle (pymerkle rows), or the 1M leaves/s target (audit)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
