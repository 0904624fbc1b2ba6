"""Keys and records for the terminal protocol's tests."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from custodywatch_log import merkle
from custodywatch_log.entries import commitment
from custodywatch_protocol import terminal as p

TERMINAL = "3f2b8c1e-4d5a-4b6c-8d7e-9f0a1b2c3d4e"
AGE = "age1" + "q" * 58


@dataclass
class Keys:
    device: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    transport: X25519PrivateKey = field(default_factory=X25519PrivateKey.generate)
    server: X25519PrivateKey = field(default_factory=X25519PrivateKey.generate)
    ack: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    routing: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)


def complaint_fields(blob: bytes, **over) -> dict:
    fields = {
        "blob": p.Blob.of(blob), "bucket": 4096, "priority": "urgent", "recipients": ["npm-kz", "prosecutor-kz"],
        "routing_version": 1, "locator": "12345678", "lookup_salt": "ab" * 16,
        "lookup_digest": hashlib.sha256(b"token").hexdigest(), "reply_recipient": AGE,
    }
    fields.update(over)
    return fields


def ledger_proof(record: p.SignedRecord, *, index: int = 5, size: int = 9) -> p.LedgerProof:
    """A receipt entry for ``record`` placed at ``index`` in a small tree, with its proof."""
    salt = secrets.token_bytes(32)
    body = p.receipt_record(terminal=record.terminal, seq=record.seq, record_hash=record.hash,
                            blob_sha256=record.blob.sha256)
    entry = json.dumps({"commitment": commitment(p.RECEIPT_KIND, salt, body), "kind": p.RECEIPT_KIND,
                        "time": "2026-12-01"}, sort_keys=True, separators=(",", ":")).encode()
    leaves = [merkle.leaf_hash(b"other %d" % i) for i in range(size)]
    leaves[index] = merkle.leaf_hash(entry)
    root = merkle.root_from_leaf_hashes(leaves)
    return p.LedgerProof(index, size, root, merkle.inclusion_proof(index, size, leaves), entry, salt)
