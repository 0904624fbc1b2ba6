"""Every transparency-dev Merkle vector in the shared folder: verifiers must accept or reject as listed."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from support import vectors_dir

from custodywatch_log.merkle import EMPTY_ROOT, ProofError, verify_consistency, verify_inclusion

VECTORS = vectors_dir()


def _files(kind: str) -> list[Path]:
    if VECTORS is None:
        return []
    return sorted((VECTORS / kind).rglob("*.json"))


def _id(path: Path) -> str:
    return str(path.relative_to(VECTORS)) if VECTORS else str(path)


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value or "")


def _proof(v: dict) -> list[bytes]:
    return [_b64(p) for p in v["proof"] or []]


pytestmark = pytest.mark.skipif(VECTORS is None, reason="shared Merkle vectors not present beside the checkout")


def test_the_vector_set_is_complete():
    assert len(_files("inclusion")) >= 80
    assert len(_files("consistency")) >= 90


@pytest.mark.parametrize("path", _files("inclusion"), ids=_id)
def test_inclusion_vector(path: Path):
    v = json.loads(path.read_text())
    args = (_b64(v["leafHash"]), v["leafIdx"], v["treeSize"], _proof(v), _b64(v["root"]))
    if v["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("path", _files("consistency"), ids=_id)
def test_consistency_vector(path: Path):
    v = json.loads(path.read_text())
    args = (v["size1"], v["size2"], _b64(v["root1"]), _b64(v["root2"]), _proof(v))
    if v["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)


def test_old_size_zero_is_refused_by_default_but_accepted_for_the_witness_protocol():
    root = _b64(json.loads((VECTORS / "consistency/1/happy-path.json").read_text())["root2"])
    with pytest.raises(ProofError, match="old tree size is 0"):
        verify_consistency(0, 5, EMPTY_ROOT, root, [])
    verify_consistency(0, 5, EMPTY_ROOT, root, [], allow_empty_old=True)
    with pytest.raises(ProofError, match="must be empty"):
        verify_consistency(0, 5, EMPTY_ROOT, root, [root], allow_empty_old=True)
