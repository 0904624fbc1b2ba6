"""Fixtures for the pure ledger core tests (no database, no Django)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import LOG_SEED, ORIGIN, WITNESS_SEEDS, TiledLog, build_tiled_log

from custodywatch_log.note import CosignatureSigner, Signer


@pytest.fixture
def log_signer() -> Signer:
    return Signer(ORIGIN, LOG_SEED)


@pytest.fixture
def witness_signers() -> list[CosignatureSigner]:
    return [CosignatureSigner(f"witness{i}.test", seed) for i, seed in enumerate(WITNESS_SEEDS)]


@pytest.fixture
def tiled_log(tmp_path: Path, log_signer: Signer, witness_signers: list[CosignatureSigner]) -> TiledLog:
    return build_tiled_log(tmp_path / "log", 600, log_signer, witness_signers[:1])
