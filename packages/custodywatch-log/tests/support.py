"""Helpers for the pure ledger core tests: keys, entries and small signed tile trees. No Django."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from custodywatch_log.checkpoint import Checkpoint
from custodywatch_log.merkle import MerkleTree
from custodywatch_log.note import CosignatureSigner, Signer
from custodywatch_log.tiles import write_tiles

ORIGIN = "custodywatch.test/ledger"

# Fixed seeds keep failures reproducible; they protect nothing.
LOG_SEED = bytes(range(32))
WITNESS_SEEDS = [bytes([i + 1]) * 32 for i in range(3)]


def vectors_dir() -> Path | None:
    """The shared Merkle test vectors beside the checkout, or None (a failure under CI=true)."""
    path = Path(__file__).resolve().parents[3] / ".." / "shared" / "vectors" / "merkle"
    if path.is_dir():
        return path
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"Merkle test vectors are missing at {path}")
    return None


def make_entries(n: int, tag: bytes = b"entry") -> list[bytes]:
    """Distinct entries of varying length."""
    return [tag + b" %d " % i + b"x" * (i % 37) for i in range(n)]


@dataclass
class TiledLog:
    """A signed, cosigned tile tree written to ``directory``."""

    directory: Path
    entries: list[bytes]
    tree: MerkleTree
    note: str
    log: Signer
    witnesses: list[CosignatureSigner]

    @property
    def trust_args(self) -> list[str]:
        """Verifier CLI arguments: the log key and the first witness, quorum 1."""
        return ["--log-key", self.log.vkey, "--witness-key", self.witnesses[0].vkey, "--quorum", "1"]


def build_tiled_log(
    directory: Path, n: int, log: Signer, witnesses: list[CosignatureSigner], timestamp: int = 1_700_000_000
) -> TiledLog:
    """Write ``n`` entries as tiles with a checkpoint signed by ``log`` and cosigned by ``witnesses``."""
    entries = make_entries(n)
    tree = MerkleTree.from_entries(entries)
    body = Checkpoint(log.name, n, tree.root()).format()
    note = body + "\n" + log.signature_line(body)
    note += "".join(w.signature_line(body, timestamp) for w in witnesses)
    write_tiles(directory, entries, note, hashes=tree.subtrees)
    return TiledLog(directory, entries, tree, note, log, witnesses)
