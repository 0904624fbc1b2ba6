"""Responses and acknowledgements (server to terminal); specified in ``custodywatch_protocol.terminal``."""

from __future__ import annotations

import re
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from custodywatch_log import merkle
from custodywatch_log.entries import commitment
from custodywatch_protocol._wire import (
    _NONCE,
    ACK_DOMAIN,
    HEX64,
    RECEIPT_KIND,
    RESPONSE_MAGIC,
    RESPONSE_PLAINTEXT_SIZE,
    RESPONSE_SIZE,
    BadSignature,
    ProtocolError,
    ResponseKey,
    _canonical,
    _fields,
    _int,
    _load_canonical,
    _match,
    b64,
    unb64,
)

if TYPE_CHECKING:
    from custodywatch_protocol.terminal import SignedRecord


@dataclass(frozen=True)
class Response:
    """What the server says back to one packet (see the module docstring)."""

    next_seq: int
    ack: tuple[bytes, bytes] | None = None
    refused: Mapping[str, str] | None = None
    chunk: Mapping[str, Any] | None = None
    routing: tuple[bytes, bytes] | None = None

    def as_json(self) -> dict[str, Any]:
        pair = lambda p: None if p is None else {"body": b64(p[0]), "sig": b64(p[1])}  # noqa: E731
        return {"v": 1, "next_seq": self.next_seq, "ack": pair(self.ack),
                "refused": None if self.refused is None else dict(self.refused),
                "chunk": None if self.chunk is None else dict(self.chunk), "routing": pair(self.routing)}


def seal_response(response: Response, key: ResponseKey) -> bytes:
    body = _canonical(response.as_json())
    if len(body) + 4 > RESPONSE_PLAINTEXT_SIZE:
        raise ProtocolError("response", "the answer does not fit in one response")
    plain = struct.pack(">I", len(body)) + body
    plain += b"\x00" * (RESPONSE_PLAINTEXT_SIZE - len(plain))
    return RESPONSE_MAGIC + ChaCha20Poly1305(key.key).encrypt(_NONCE, plain, RESPONSE_MAGIC + key.ephemeral)


def _pair(value: object, name: str) -> tuple[bytes, bytes] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != {"body", "sig"}:
        raise ProtocolError(name, "an object {body, sig} or null is required")
    return unb64(value["body"], f"{name}.body"), unb64(value["sig"], f"{name}.sig")


def open_response(data: bytes, key: ResponseKey) -> Response:
    """Decrypt and parse the server's answer to the packet ``key`` belongs to."""
    if len(data) != RESPONSE_SIZE or data[:4] != RESPONSE_MAGIC:
        raise ProtocolError("response", f"a response is exactly {RESPONSE_SIZE} bytes starting with CWR1")
    try:
        plain = ChaCha20Poly1305(key.key).decrypt(_NONCE, data[4:], RESPONSE_MAGIC + key.ephemeral)
    except InvalidTag:
        raise ProtocolError("response", "does not decrypt: altered, or not the answer to this packet") from None
    (length,) = struct.unpack_from(">I", plain, 0)
    if not 0 < length <= RESPONSE_PLAINTEXT_SIZE - 4 or any(plain[4 + length:]):
        raise ProtocolError("response", "bad length or padding")
    body = _load_canonical(plain[4:4 + length], "response")
    _fields(body, {"v", "next_seq", "ack", "refused", "chunk", "routing"}, "response")
    if body["v"] != 1:
        raise ProtocolError("v", "only version 1 responses are understood")
    return Response(next_seq=_int(body, "next_seq", 1, 2**53), ack=_pair(body["ack"], "ack"),
                    refused=body["refused"], chunk=body["chunk"], routing=_pair(body["routing"], "routing"))


def receipt_record(*, terminal: str, seq: int, record_hash: str, blob_sha256: str) -> dict[str, Any]:
    """What a ``complaint:receipt`` ledger entry commits to: nothing that names a person."""
    return {"v": 1, "terminal": terminal, "seq": seq, "record_hash": record_hash, "blob_sha256": blob_sha256}


@dataclass(frozen=True)
class LedgerProof:
    index: int
    size: int
    root: bytes
    proof: Sequence[bytes]
    entry: bytes
    salt: bytes

    def as_json(self) -> dict[str, Any]:
        return {"index": self.index, "size": self.size, "root": self.root.hex(),
                "proof": [p.hex() for p in self.proof], "entry": b64(self.entry), "salt": self.salt.hex()}


@dataclass(frozen=True)
class Ack:
    """A verified acknowledgement."""

    terminal: str
    seq: int
    record_hash: str
    ledger: LedgerProof | None
    lookup: Mapping[str, Any] | None
    message: Mapping[str, Any] | None
    body: bytes
    signature: bytes


def sign_ack(key: Ed25519PrivateKey, *, record: SignedRecord, ledger: LedgerProof | None = None,
             lookup: Mapping[str, Any] | None = None, message: Mapping[str, Any] | None = None) -> tuple[bytes, bytes]:
    body = _canonical({"v": 1, "type": "ack", "terminal": record.terminal, "seq": record.seq,
                       "record_hash": record.hash, "ledger": None if ledger is None else ledger.as_json(),
                       "lookup": None if lookup is None else dict(lookup),
                       "message": None if message is None else dict(message)})
    return body, key.sign(ACK_DOMAIN + body)


def _ledger(value: object) -> LedgerProof | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ProtocolError("ledger", "an object or null is required")
    _fields(value, {"index", "size", "root", "proof", "entry", "salt"}, "ledger")
    size = _int(value, "size", 1, 2**53)
    index = _int(value, "index", 0, size - 1)
    root = bytes.fromhex(_match(value, "root", HEX64, "a hex SHA-256"))
    proof = value["proof"]
    if not isinstance(proof, list) or len(proof) > 64 or not all(isinstance(p, str) and HEX64.match(p) for p in proof):
        raise ProtocolError("proof", "a list of hex SHA-256 hashes is required")
    salt = value["salt"]
    if not isinstance(salt, str) or not re.match(r"^[0-9a-f]{64}$", salt):
        raise ProtocolError("salt", "32 bytes of salt in hex")
    return LedgerProof(index, size, root, [bytes.fromhex(p) for p in proof], unb64(value["entry"], "entry"),
                       bytes.fromhex(salt))


def verify_ack(body: bytes, signature: bytes, *, server_key: Ed25519PublicKey, record: SignedRecord) -> Ack:
    """The acknowledgement of ``record`` if the server signed it and its ledger proof holds.

    For complaints and messages the inclusion proof must lead to the signed root, the entry must
    be a ``complaint:receipt`` and its commitment must open (with the salt) to this record.
    """
    try:
        server_key.verify(signature, ACK_DOMAIN + body)
    except InvalidSignature:
        raise BadSignature("ack", "the acknowledgement's signature does not verify with the server's key") from None
    data = _load_canonical(body, "ack")
    _fields(data, {"v", "type", "terminal", "seq", "record_hash", "ledger", "lookup", "message"}, "ack")
    if data["v"] != 1 or data["type"] != "ack":
        raise ProtocolError("type", "a version 1 ack")
    for name, want in (("terminal", record.terminal), ("seq", record.seq), ("record_hash", record.hash)):
        if data[name] != want:
            raise ProtocolError(name, f"the acknowledgement is for {data[name]!r}, not {want!r}")
    ledger = _ledger(data["ledger"])
    blob = record.blob
    if blob is not None and record.kind == "complaint" and ledger is None:
        raise ProtocolError("ledger", "a complaint's acknowledgement must prove its ledger entry")
    if ledger is not None:
        if blob is None:
            raise ProtocolError("ledger", "only complaints and messages have ledger entries")
        try:
            leaf = merkle.leaf_hash(ledger.entry)
            merkle.verify_inclusion(leaf, ledger.index, ledger.size, ledger.proof, ledger.root)
        except merkle.ProofError as exc:
            raise ProtocolError("proof", str(exc)) from None
        entry = _load_canonical(ledger.entry, "entry")
        if entry.get("kind") != RECEIPT_KIND:
            raise ProtocolError("entry", f"the entry is not a {RECEIPT_KIND}")
        want = commitment(RECEIPT_KIND, ledger.salt, receipt_record(
            terminal=record.terminal, seq=record.seq, record_hash=record.hash, blob_sha256=blob.sha256))
        if entry.get("commitment") != want:
            raise ProtocolError("entry", "the entry's commitment does not open to this record")
    return Ack(record.terminal, record.seq, record.hash, ledger, data["lookup"], data["message"], body, signature)
