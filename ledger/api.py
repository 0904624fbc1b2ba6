"""The ledger's part of the JSON API (mounted at /api/v1/ledger/ by custodywatch.api).

Read-only: the latest checkpoint with its cosignatures, an entry looked up by its leaf hash, and
an inclusion proof for that entry against the latest published checkpoint (also as a C2SP
tlog-proof bundle). Callers need ``Capability.VIEW_LEDGER``.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from accounts.permissions import Capability, can
from ledger import conf, publication, selectors
from ledger.encoding import HEX_HASH_RE
from ledger.models import Checkpoint, Entry
from lib.api import COMMON_ERRORS

router = Router()


class CosignatureOut(Schema):
    witness: str
    timestamp: datetime
    line: str


class SignerOut(Schema):
    name: str
    key_id: str
    vkey: str


class CheckpointOut(Schema):
    origin: str
    size: int
    root_hash: str  # base64, as in the checkpoint
    created_at: datetime
    signer: SignerOut
    status: str
    quorum: int
    cosignatures: list[CosignatureOut]
    note: str  # the signed checkpoint with every cosignature line


class EntryOut(Schema):
    index: int
    kind: str
    leaf_hash: str  # hex
    data: dict[str, Any]  # the canonical entry, decoded
    data_base64: str  # the exact bytes that were hashed
    created_at: datetime


class ProofOut(Schema):
    index: int
    tree_size: int
    leaf_hash: str
    inclusion_proof: list[str]  # base64 hashes, from the leaf's sibling up
    checkpoint: str
    tlog_proof: str  # the same as a c2sp.org/tlog-proof@v1 bundle


def _require(request: HttpRequest) -> None:
    if not can(request.auth, Capability.VIEW_LEDGER):
        raise PermissionDenied(_("Your role does not allow this."))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _checkpoint_out(checkpoint: Checkpoint) -> dict[str, Any]:
    key = checkpoint.signing_key
    return {
        "origin": key.name,
        "size": checkpoint.size,
        "root_hash": _b64(bytes(checkpoint.root)),
        "created_at": checkpoint.created_at,
        "signer": {"name": key.name, "key_id": key.key_id, "vkey": key.vkey},
        "status": publication.publication_status(checkpoint),
        "quorum": conf.witness_quorum(),
        "cosignatures": [
            {"witness": c.witness, "timestamp": datetime.fromtimestamp(c.timestamp, UTC), "line": c.line}
            for c in checkpoint.cosignatures.all()
        ],
        "note": publication.cosigned_note(checkpoint),
    }


def _entry_for(leaf_hash: str) -> Entry:
    if not HEX_HASH_RE.match(leaf_hash):
        raise Http404
    entry = selectors.entry_by_leaf_hash(bytes.fromhex(leaf_hash))
    if entry is None:
        raise Http404
    return entry


@router.get("/checkpoint", response={200: CheckpointOut, **COMMON_ERRORS}, summary="The latest signed checkpoint")
def latest_checkpoint(request: HttpRequest) -> dict[str, Any]:
    """The largest signed checkpoint, its witness cosignatures and whether the quorum is met."""
    _require(request)
    checkpoint = selectors.latest_checkpoint()
    if checkpoint is None:
        raise Http404
    return _checkpoint_out(checkpoint)


@router.get("/entries/{leaf_hash}", response={200: EntryOut, **COMMON_ERRORS}, summary="An entry by leaf hash")
def entry_by_hash(request: HttpRequest, leaf_hash: str) -> dict[str, Any]:
    """``leaf_hash`` is SHA-256(0x00 || entry) in lowercase hex."""
    _require(request)
    entry = _entry_for(leaf_hash)
    data = bytes(entry.data)
    return {
        "index": entry.index,
        "kind": entry.kind,
        "leaf_hash": leaf_hash,
        "data": json.loads(data),
        "data_base64": _b64(data),
        "created_at": entry.created_at,
    }


@router.get(
    "/entries/{leaf_hash}/proof", response={200: ProofOut, **COMMON_ERRORS}, summary="Inclusion proof of an entry"
)
def entry_proof(request: HttpRequest, leaf_hash: str) -> dict[str, Any]:
    """Proof against the latest published checkpoint; 404 until a published checkpoint covers the entry."""
    _require(request)
    proven = publication.entry_proof(index=_entry_for(leaf_hash).index)
    if proven is None:
        raise Http404
    return {
        "index": proven.index,
        "tree_size": proven.checkpoint.size,
        "leaf_hash": leaf_hash,
        "inclusion_proof": [_b64(p) for p in proven.proof],
        "checkpoint": publication.cosigned_note(proven.checkpoint),
        "tlog_proof": proven.bundle,
    }
