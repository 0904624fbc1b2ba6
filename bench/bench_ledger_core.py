"""Benchmark of the pure ledger core against bare hashlib and pymerkle, measured in the same run.

Run: .venv/bin/python bench/bench_ledger_core.py [--leaves N] [--audit-leaves N] [--runs R]

Every row with a target is compared with a baseline measured in the same run on the same
entries, and the script exits 1 if any target is missed:

* the incremental ``MerkleTree`` (which keeps every subtree hash, as the log does) builds a tree
  at >= 40% of the rate of bare hashlib calls for the same leaf and node hashes;
* the verifier's single-process audit of a tile directory (reading files, decoding bundles,
  recomputing and comparing every leaf, tile and the root) checks leaves at >= 80% of the rate
  of bare leaf-and-node hashing of the same leaves (inputs prepared outside the timed region).

Baseline and measured runs are interleaved and the ratio is the median of the paired ratios, so
load from other processes on the machine affects both sides alike. Rows without a target
(``root_from_leaf_hashes``, a one-shot root that keeps nothing; the multi-process audit; the
pymerkle comparisons) are printed for information.
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
from dataclasses import dataclass
from pathlib import Path

import harness

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from custodywatch_log.audit import audit_tiles
from custodywatch_log.merkle import MerkleTree, root_from_leaf_hashes
from custodywatch_log.tiles import DirectoryTileReader, write_tiles

ENTRY_SIZE = 150  # a canonical entry: a few hashes, ids and timestamps


@dataclass
class Row:
    name: str
    items: int
    seconds: float
    unit: str
    ratio: float | None = None  # against the row's baseline, measured in the same run
    baseline: str = ""
    target: float | None = None  # minimum ratio

    @property
    def missed(self) -> bool:
        return self.target is not None and (self.ratio is None or self.ratio < self.target)


def entries(n: int) -> list[bytes]:
    seed = os.urandom(ENTRY_SIZE)
    return [i.to_bytes(8, "big") + seed[8:] for i in range(n)]


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def paired(baseline: Callable[[], object], measured: Callable[[], object], runs: int) -> tuple[float, float, float]:
    """Interleaved runs: (median baseline s, median measured s, median of baseline/measured ratios)."""
    base, meas, ratios = [], [], []
    for _ in range(runs):
        b = timed(baseline)
        m = timed(measured)
        base.append(b)
        meas.append(m)
        ratios.append(b / m)
    return statistics.median(base), statistics.median(meas), statistics.median(ratios)


def raw_inputs(data: list[bytes]) -> tuple[list[bytes], list[bytes]]:
    """Prefixed leaf inputs and (n-1) 65-byte node inputs, prepared outside the timed region."""
    pair = b"\x01" + bytes(64)
    return [b"\x00" + e for e in data], [pair] * (len(data) - 1)


def raw_hashlib(inputs: tuple[list[bytes], list[bytes]]) -> None:
    """The hash operations of a tree over these leaves (n leaf hashes, n-1 node hashes) and nothing else."""
    sha = hashlib.sha256
    leaves, nodes = inputs
    [sha(x).digest() for x in leaves]
    [sha(x).digest() for x in nodes]


def one_shot_root(data: list[bytes]) -> bytes:
    sha = hashlib.sha256
    return root_from_leaf_hashes([sha(b"\x00" + e).digest() for e in data])


def tree_rows(args: argparse.Namespace) -> list[Row]:
    data = entries(args.leaves)
    ops = 2 * len(data) - 1
    inputs = raw_inputs(data)
    rows = []
    raw_s, tree_s, tree_ratio = paired(lambda: raw_hashlib(inputs), lambda: MerkleTree.from_entries(data), args.runs)
    rows.append(Row("bare hashlib: leaf + node hashes", ops, raw_s, "hashes"))
    rows.append(
        Row("MerkleTree.from_entries (incremental, keeps every subtree)", ops, tree_s, "hashes",
            tree_ratio, "bare hashlib", 0.40)
    )  # fmt: skip
    _, root_s, root_ratio = paired(lambda: raw_hashlib(inputs), lambda: one_shot_root(data), args.runs)
    rows.append(
        Row("root_from_leaf_hashes (one-shot root, keeps nothing; not the tree)", ops, root_s, "hashes",
            root_ratio, "bare hashlib")
    )  # fmt: skip
    return rows


def pymerkle_rows(args: argparse.Namespace) -> list[Row]:
    try:
        from pymerkle import InmemoryTree
    except ImportError:
        return []
    small = entries(args.pymerkle_leaves)

    def pymerkle_build() -> InmemoryTree:
        tree = InmemoryTree(algorithm="sha256")
        for e in small:
            tree.append_entry(e)
        return tree

    runs = max(1, args.runs // 2)
    py_s, ours_s, ratio = paired(pymerkle_build, lambda: MerkleTree.from_entries(small), runs)
    rows = [
        Row("pymerkle InmemoryTree.append_entry", len(small), py_s, "entries"),
        Row("MerkleTree, same entries", len(small), ours_s, "entries", ratio, "pymerkle"),
    ]
    py_tree, ours = pymerkle_build(), MerkleTree.from_entries(small)
    indexes = list(range(0, len(small), max(1, len(small) // 2000)))[:2000]
    py_p, our_p, ratio = paired(
        lambda: [py_tree.prove_inclusion(i + 1) for i in indexes], lambda: [ours.inclusion_proof(i) for i in indexes],
        args.runs,
    )
    rows.append(Row("pymerkle prove_inclusion", len(indexes), py_p, "proofs"))
    rows.append(Row("MerkleTree.inclusion_proof, same tree", len(indexes), our_p, "proofs", ratio, "pymerkle"))
    return rows


def audit_rows(args: argparse.Namespace) -> list[Row]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-tiles-") as tmp:
        big = entries(args.audit_leaves)
        tree = MerkleTree.from_entries(big)
        write_tiles(tmp, big, hashes=tree.subtrees)
        root = tree.root()
        del tree
        reader = DirectoryTileReader(tmp)
        inputs = raw_inputs(big)
        n = len(big)
        for jobs in (1, None):
            report = audit_tiles(reader, n, root, jobs=jobs)
            if not report.ok:
                raise SystemExit(f"the audit of an intact log failed: {report.problems[:3]}")
        runs = max(3, args.runs)
        raw_s, audit_s, ratio = paired(lambda: raw_hashlib(inputs), lambda: audit_tiles(reader, n, root, jobs=1), runs)
        rows.append(Row("bare hashlib: leaf + node hashes of the audited leaves", n, raw_s, "leaves"))
        rows.append(
            Row("verifier audit from a tiles dir (1 process)", n, audit_s, "leaves", ratio, "bare hashlib", 0.80)
        )
        _, multi_s, multi_ratio = paired(
            lambda: raw_hashlib(inputs), lambda: audit_tiles(reader, n, root, jobs=None), max(1, runs // 2)
        )
        rows.append(Row("verifier audit (automatic processes)", n, multi_s, "leaves", multi_ratio, "bare hashlib"))
    return rows


def print_table(rows: list[Row], header_note: str) -> None:
    width = max(len(r.name) for r in rows)
    head = f"{'benchmark':<{width}}  {'items':>10}  {'median s':>9}  {'rate /s':>12}  {'ratio':>7}  {'target':>7}"
    head += "  verdict"
    print(header_note)
    print(head)
    print("-" * len(head))
    for r in rows:
        ratio = f"{r.ratio:6.0%}" if r.ratio is not None else "   base"
        target = f">={r.target:.0%}" if r.target is not None else ""
        verdict = ("MISSED" if r.missed else "ok") if r.target is not None else ""
        rate = r.items / r.seconds
        line = f"{r.name:<{width}}  {r.items:>10,}  {r.seconds:>9.3f}  {rate:>12,.0f}  {ratio:>7}  {target:>7}"
        print(f"{line}  {verdict}")
    print("ratio: rate against the row's baseline (bare hashlib or pymerkle), median of paired interleaved runs")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaves", type=int, default=200_000, help="entries for the tree rows")
    parser.add_argument("--pymerkle-leaves", type=int, default=20_000, help="entries for the pymerkle rows")
    parser.add_argument("--audit-leaves", type=int, default=1_000_000, help="entries in the audited tile tree")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rows = tree_rows(args) + pymerkle_rows(args) + audit_rows(args)
    print_table(rows, f"ledger core benchmark: {args.runs} paired runs; {harness.load_line()}")
    return harness.verdict([r.name for r in rows if r.missed], label="TARGETS MISSED")


if __name__ == "__main__":
    sys.exit(main())
