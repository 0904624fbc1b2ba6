"""What a complaint terminal and the server say to each other (version 1).

Pure Python (``cryptography`` and the ledger core only): the terminal agent and the server both
use this module, so there is one definition of every byte.

Records
-------
Everything a terminal tells the server is a **record**: canonical JSON (RFC 8785, through
``custodywatch_log.entries.canonical_record``), at most ``MAX_BODY`` bytes, signed with the
terminal's Ed25519 device key over ``b"custodywatch/terminal/record/v1" || 0x00 || body``.
The *signed record* is ``body || signature`` (64 bytes); its hash, ``record_hash``, is the hex
SHA-256 of those bytes. Common fields::

    {"v": 1, "type": "record", "kind": "complaint" | "message" | "heartbeat" | "lookup",
     "terminal": "<terminal id, UUID>", "seq": 1, "prev": "<record_hash of seq-1, or 64 zeros>"}

``seq`` counts from 1 without gaps over all kinds; ``prev`` chains each record to the one before.
Kind fields:

- ``complaint``: ``blob`` {``sha256``, ``size``, ``chunks``} (the age ciphertext), ``bucket``
  (padded plaintext size), ``priority`` (``urgent``/``standard``), ``recipients`` (sorted
  organisation codes), ``routing_version``, ``locator`` (8 digits), ``lookup_salt`` (16 bytes,
  hex), ``lookup_digest`` (hex SHA-256 of the lookup token), ``reply_recipient`` (``age1...``).
- ``message``: ``locator``, ``blob``, ``bucket`` (a follow-up message sealed like a complaint).
- ``heartbeat``: ``at`` (the terminal's clock, UTC second) and ``queued`` (records waiting).
- ``lookup``: ``locator``, ``step`` (``salt`` or ``thread``), ``item`` and ``offset`` (which
  part of the sealed thread to send next).

The lookup token of ``message`` and ``thread`` lookups travels as the packet's *secret*, outside
the signed record, so no stored record ever holds it.

Sealed secrets
--------------
A terminal that must keep a secret across a restart (the lookup token of a follow-up message
waiting in its outbox) stores and sends it *sealed* to the server's transport key, so that the
disk holds nothing the terminal itself could open::

    0x01 | ephemeral X25519 public key (32) | ChaCha20-Poly1305(token (32))   (81 bytes)

The key is ``HKDF-SHA256(X25519(ephemeral, server transport key), salt = ephemeral || server key,
info = "custodywatch/terminal/secret/v1")``, nonce zero, and the associated data
``SHA-256("custodywatch/terminal/secret-binding/v1" || 0x00 || canonical record without prev)``:
the sealed secret opens only with the record it was made for (this terminal, this ``seq``, this
locator, this blob), and survives the re-signing of a refused record (which changes only
``prev``). ``open_packet`` opens it and gives the token as ``Packet.secret``, so the server code
is the same for raw and sealed secrets; one that does not open proves nothing (``secret`` is
empty). A raw secret is at most 32 bytes in practice, so the two forms cannot be confused.

Blobs and chunks
----------------
A blob of at most ``CHUNK_SIZE`` bytes travels inside its record's packet (``chunks`` = 1).
A larger one (up to ``MAX_BLOB``) is cut into ``CHUNK_SIZE`` pieces, each sent first in a
**chunk** packet with a signed chunk body ``{"v": 1, "type": "chunk", "terminal", "blob"
(the blob's sha256), "index", "count", "sha256" (of this piece)}``; then the record's packet,
with no data, completes it. The server keeps chunks durably and answers which are missing.

Packets (terminal to server)
----------------------------
Every packet is exactly ``PACKET_SIZE`` bytes, so a heartbeat looks like a complaint::

    "CWT1" | terminal id (16 bytes) | ephemeral X25519 public key (32) | ChaCha20-Poly1305 ciphertext

The key is ``HKDF-SHA256(X25519(ephemeral, server transport key), salt = ephemeral || server
key, info = "custodywatch/terminal/packet/v1")``; nonce zero (each key is used once); associated
data the first 52 bytes. The plaintext (``PLAINTEXT_SIZE`` bytes) is::

    type (1: record, 2: chunk) | tx (u64) | body length (u16) | body | signature (64)
    | secret length (u8) | secret | data length (u32) | data | zero padding

``tx`` counts packets (not records) and strictly increases per terminal, persisted by the
terminal before it sends: a re-sent record travels in a new packet with a new ``tx``, while a
packet replayed by the network repeats an old one. All integers are big-endian.

Responses (server to terminal)
------------------------------
Every answer to a packet from a known terminal is ``RESPONSE_SIZE`` bytes: ``"CWR1" |
ChaCha20-Poly1305`` under ``HKDF-SHA256(X25519(ephemeral, server) || X25519(server, terminal
transport key), salt = ephemeral || server key, info = "custodywatch/terminal/response/v1")``,
nonce zero, associated data ``"CWR1" || ephemeral``: only the terminal that holds its transport
key can read it. The plaintext is ``length (u32) | canonical JSON | zero padding``::

    {"v": 1, "next_seq": 42, "ack": {"body", "sig"} | null, "refused": {"field", "error",
     "code"} | null, "chunk": {"blob", "index", "missing": [...]} | null,
     "routing": {"body", "sig"} | null}

(``body``/``sig`` base64). An **acknowledgement** is a record the server signs with its Ed25519
acknowledgement key over ``b"custodywatch/terminal/ack/v1" || 0x00 || body``::

    {"v": 1, "type": "ack", "terminal", "seq", "record_hash",
     "ledger": {"index", "size", "root", "proof": [...], "entry", "salt"} | null,
     "lookup": {...} | null, "message": {"status"} | null}

``lookup`` answers a lookup record. For ``step`` ``salt``: ``{"step": "salt", "status": "ok" |
"rate_limited", "salt": hex | null}`` (an unknown locator gets a salt too, so existence does not
leak). For ``step`` ``thread``: ``{"step": "thread", "status": "ok" | "wrong_receipt" |
"rate_limited", "complaint_status", "recipients", "count", "item", "kind", "total", "sha256",
"offset", "data"}``: the complaint's state, who may open it (to seal messages to), how many
sealed items its thread has (replies, sealed to the reply recipient, and messages), and
``LOOKUP_PAGE`` bytes (base64) of item ``item`` from ``offset`` (``total`` bytes, ``sha256`` of the
whole item; item fields null when the thread is empty). ``message`` says ``{"status": "ok" |
"wrong_receipt" | "rate_limited"}`` for a message record.

``ledger`` (complaints and messages) proves, with ``custodywatch_log.merkle``, that ``entry``
(base64; a ``complaint:receipt`` entry) is leaf ``index`` of the tree of ``size`` leaves with
``root``, and ``salt`` opens the entry's commitment to ``receipt_record(...)``: this terminal,
this seq, this record hash, this blob. The same record sent again gets the same ledger index.
A refused record (``refused``) did not enter the chain; the terminal may correct and re-sign it.

Errors
------
``ProtocolError(field, error)`` names the part that is wrong; parsers accept nothing else.
"""

from __future__ import annotations

import struct
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from custodywatch_protocol._wire import *  # noqa: F403 (the sizes, domains and error types are part of this API)
from custodywatch_protocol._wire import (
    _NONCE,
    AGE_RECIPIENT,
    CHUNK_DOMAIN,
    CHUNK_SIZE,
    HEADER_SIZE,
    HEX32,
    HEX64,
    KINDS,
    LOCATOR,
    MAX_BLOB,
    MAX_BODY,
    MAX_CHUNKS,
    MAX_SECRET,
    ORG_CODE,
    PACKET_INFO,
    PACKET_MAGIC,
    PACKET_SIZE,
    PLAINTEXT_SIZE,
    RECORD_DOMAIN,
    RESPONSE_INFO,
    SEALED_SECRET_SIZE,
    SEALED_SECRET_TAG,
    SECRET_DOMAIN,
    SECRET_INFO,
    TYPE_CHUNK,
    TYPE_RECORD,
    UTC_SECOND,
    UUID_RE,
    ZERO_HASH,
    BadSignature,
    ProtocolError,
    ResponseKey,
    _canonical,
    _fields,
    _int,
    _load_canonical,
    _match,
    raw_public,
    sha256_hex,
)
from custodywatch_protocol.routing import (  # noqa: F401 (re-exported: one place to import from)
    Recipient,
    RoutingError,
    RoutingList,
    recipients_for,
    routing_from_wire,
    sign_routing_list,
    verify_routing_list,
)

# ---------------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True)
class Blob:
    """The description of a sealed blob a complaint or message record carries."""

    sha256: str
    size: int
    chunks: int

    @classmethod
    def of(cls, blob: bytes) -> Blob:
        if not 0 < len(blob) <= MAX_BLOB:
            raise ProtocolError("blob.size", f"a sealed blob is 1 to {MAX_BLOB} bytes")
        return cls(sha256_hex(blob), len(blob), -(-len(blob) // CHUNK_SIZE))

    def as_json(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "size": self.size, "chunks": self.chunks}


@dataclass(frozen=True)
class SignedRecord:
    """A record's canonical body and its device signature, parsed (not yet verified)."""

    body: bytes
    signature: bytes
    data: Mapping[str, Any] = field(repr=False)

    @property
    def signed(self) -> bytes:
        return self.body + self.signature

    @property
    def hash(self) -> str:
        return sha256_hex(self.signed)

    @property
    def kind(self) -> str:
        return self.data["kind"]

    @property
    def terminal(self) -> str:
        return self.data["terminal"]

    @property
    def seq(self) -> int:
        return self.data["seq"]

    @property
    def prev(self) -> str:
        return self.data["prev"]

    @property
    def blob(self) -> Blob | None:
        b = self.data.get("blob")
        return None if b is None else Blob(b["sha256"], b["size"], b["chunks"])

    def verify(self, device_key: Ed25519PublicKey) -> None:
        try:
            device_key.verify(self.signature, RECORD_DOMAIN + self.body)
        except InvalidSignature:
            raise BadSignature("signature", "the record's signature does not verify with the device key") from None


def _check_blob(value: object) -> None:
    if not isinstance(value, dict):
        raise ProtocolError("blob", "an object {sha256, size, chunks} is required")
    _fields(value, {"sha256", "size", "chunks"}, "blob")
    try:
        _match(value, "sha256", HEX64, "a hex SHA-256")
        size = _int(value, "size", 1, MAX_BLOB)
        chunks = _int(value, "chunks", 1, MAX_CHUNKS)
    except ProtocolError as exc:
        raise ProtocolError(f"blob.{exc.field}", exc.error) from None
    if chunks != -(-size // CHUNK_SIZE):
        raise ProtocolError("blob.chunks", f"a blob of {size} bytes travels in {-(-size // CHUNK_SIZE)} chunks")


_COMMON = {"v", "type", "kind", "terminal", "seq", "prev"}
_KIND_FIELDS = {
    "complaint": {"blob", "bucket", "priority", "recipients", "routing_version", "locator", "lookup_salt",
                  "lookup_digest", "reply_recipient"},
    "message": {"locator", "blob", "bucket"},
    "heartbeat": {"at", "queued"},
    "lookup": {"locator", "step", "item", "offset"},
}


def check_record(data: Mapping[str, Any]) -> None:
    """Raise ``ProtocolError`` naming the first field of ``data`` that is not a valid record."""
    if data.get("v") != 1:
        raise ProtocolError("v", "only version 1 records are understood")
    if data.get("type") != "record":
        raise ProtocolError("type", "a record has type 'record'")
    kind = data.get("kind")
    if kind not in KINDS:
        raise ProtocolError("kind", f"one of {', '.join(KINDS)} is required")
    _fields(data, _COMMON | _KIND_FIELDS[kind], kind)
    _match(data, "terminal", UUID_RE, "a terminal id (lower-case UUID)")
    _int(data, "seq", 1, 2**53 - 1)
    _match(data, "prev", HEX64, "the hex SHA-256 of the previous signed record")
    if data["seq"] == 1 and data["prev"] != ZERO_HASH:
        raise ProtocolError("prev", "the first record's prev is 64 zeros")
    if kind in ("complaint", "message", "lookup"):
        _match(data, "locator", LOCATOR, "an 8-digit locator")
    if kind in ("complaint", "message"):
        _check_blob(data["blob"])
        _int(data, "bucket", 1, MAX_BLOB)
    if kind == "complaint":
        if data["priority"] not in ("urgent", "standard"):
            raise ProtocolError("priority", "urgent or standard")
        recipients = data["recipients"]
        if (not isinstance(recipients, list) or not 1 <= len(recipients) <= 16
                or not all(isinstance(r, str) and ORG_CODE.match(r) for r in recipients)
                or recipients != sorted(set(recipients))):
            raise ProtocolError("recipients", "1 to 16 organisation codes, unique and sorted")
        _int(data, "routing_version", 1, 2**31 - 1)
        _match(data, "lookup_salt", HEX32, "16 bytes of salt in hex")
        _match(data, "lookup_digest", HEX64, "the hex SHA-256 of the lookup token")
        _match(data, "reply_recipient", AGE_RECIPIENT, "an age X25519 recipient (age1...)")
    elif kind == "heartbeat":
        _match(data, "at", UTC_SECOND, "a UTC time to the second")
        _int(data, "queued", 0, 2**31 - 1)
    elif kind == "lookup":
        if data["step"] not in ("salt", "thread"):
            raise ProtocolError("step", "salt or thread")
        _int(data, "item", 0, 2**31 - 1)
        _int(data, "offset", 0, MAX_BLOB)


def sign_record(key: Ed25519PrivateKey, *, kind: str, terminal: str, seq: int, prev: str,
                **fields: Any) -> SignedRecord:
    """Build, check and sign a record (``fields`` are the kind's fields; ``blob`` may be a ``Blob``)."""
    if isinstance(fields.get("blob"), Blob):
        fields["blob"] = fields["blob"].as_json()
    data = {"v": 1, "type": "record", "kind": kind, "terminal": terminal, "seq": seq, "prev": prev, **fields}
    check_record(data)
    body = _canonical(data)
    if len(body) > MAX_BODY:
        raise ProtocolError("body", f"a record is at most {MAX_BODY} bytes")
    return SignedRecord(body, key.sign(RECORD_DOMAIN + body), data)


def parse_record(body: bytes, signature: bytes) -> SignedRecord:
    """Parse a record's body and signature (``verify`` checks the signature with the device key)."""
    if not 0 < len(body) <= MAX_BODY:
        raise ProtocolError("body", f"a record is 1 to {MAX_BODY} bytes")
    if len(signature) != 64:
        raise ProtocolError("signature", "an Ed25519 signature is 64 bytes")
    data = _load_canonical(body, "body")
    check_record(data)
    return SignedRecord(body, signature, data)


def parse_signed_record(signed: bytes) -> SignedRecord:
    """A stored ``body || signature`` back as a record."""
    return parse_record(signed[:-64], signed[-64:])


# ---------------------------------------------------------------------------------------------
# Chunks


@dataclass(frozen=True)
class SignedChunk:
    body: bytes
    signature: bytes
    data: Mapping[str, Any] = field(repr=False)

    @property
    def terminal(self) -> str:
        return self.data["terminal"]

    @property
    def blob(self) -> str:
        return self.data["blob"]

    @property
    def index(self) -> int:
        return self.data["index"]

    @property
    def count(self) -> int:
        return self.data["count"]

    def verify(self, device_key: Ed25519PublicKey, piece: bytes) -> None:
        try:
            device_key.verify(self.signature, CHUNK_DOMAIN + self.body)
        except InvalidSignature:
            raise BadSignature("signature", "the chunk's signature does not verify with the device key") from None
        if sha256_hex(piece) != self.data["sha256"]:
            raise ProtocolError("data", "the chunk's data does not match its signed sha256", code="ciphertext_mismatch")


def split_blob(blob: bytes) -> list[bytes]:
    """The pieces a blob travels in (one piece: inline in its record's packet)."""
    Blob.of(blob)
    return [blob[i:i + CHUNK_SIZE] for i in range(0, len(blob), CHUNK_SIZE)]


def _check_chunk(data: Mapping[str, Any]) -> None:
    if data.get("v") != 1 or data.get("type") != "chunk":
        raise ProtocolError("type", "a version 1 chunk has type 'chunk'")
    _fields(data, {"v", "type", "terminal", "blob", "index", "count", "sha256"}, "chunk")
    _match(data, "terminal", UUID_RE, "a terminal id (lower-case UUID)")
    _match(data, "blob", HEX64, "the blob's hex SHA-256")
    count = _int(data, "count", 2, MAX_CHUNKS)
    _int(data, "index", 0, count - 1)
    _match(data, "sha256", HEX64, "the chunk's hex SHA-256")


def sign_chunk(key: Ed25519PrivateKey, *, terminal: str, blob: str, index: int, count: int,
               piece: bytes) -> SignedChunk:
    data = {"v": 1, "type": "chunk", "terminal": terminal, "blob": blob, "index": index, "count": count,
            "sha256": sha256_hex(piece)}
    _check_chunk(data)
    body = _canonical(data)
    return SignedChunk(body, key.sign(CHUNK_DOMAIN + body), data)


def parse_chunk(body: bytes, signature: bytes) -> SignedChunk:
    if not 0 < len(body) <= MAX_BODY:
        raise ProtocolError("body", f"a chunk header is 1 to {MAX_BODY} bytes")
    if len(signature) != 64:
        raise ProtocolError("signature", "an Ed25519 signature is 64 bytes")
    data = _load_canonical(body, "body")
    _check_chunk(data)
    return SignedChunk(body, signature, data)


# ---------------------------------------------------------------------------------------------
# Packets


@dataclass(frozen=True)
class Packet:
    """A packet the server opened: who claims to send it, the packet counter and its content."""

    terminal: str
    ephemeral: bytes
    tx: int
    item: SignedRecord | SignedChunk
    secret: bytes
    data: bytes
    shared: bytes = field(repr=False)

    @property
    def packet_id(self) -> str:
        return self.ephemeral.hex()


def _hkdf(ikm: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)


def terminal_id_bytes(terminal: str) -> bytes:
    if not isinstance(terminal, str) or not UUID_RE.match(terminal):
        raise ProtocolError("terminal", "a terminal id (lower-case UUID) is required")
    return uuid.UUID(terminal).bytes


def _plaintext(kind: int, tx: int, body: bytes, signature: bytes, secret: bytes, data: bytes) -> bytes:
    if not 0 <= tx < 2**64:
        raise ProtocolError("tx", "the packet counter is a 64-bit whole number")
    if len(secret) > MAX_SECRET:
        raise ProtocolError("secret", f"at most {MAX_SECRET} bytes")
    head = struct.pack(">BQH", kind, tx, len(body)) + body + signature + struct.pack(">B", len(secret)) + secret
    plain = head + struct.pack(">I", len(data)) + data
    if len(plain) > PLAINTEXT_SIZE:
        raise ProtocolError("data", f"{len(data)} bytes of data do not fit in one packet (at most {CHUNK_SIZE})")
    return plain + b"\x00" * (PLAINTEXT_SIZE - len(plain))


def seal_packet(item: SignedRecord | SignedChunk, *, tx: int, server_key: X25519PublicKey,
                transport_key: X25519PrivateKey, secret: bytes = b"", data: bytes = b"") -> tuple[bytes, ResponseKey]:
    """Encrypt one record or chunk (with its secret and data) into a ``PACKET_SIZE`` packet."""
    kind = TYPE_RECORD if isinstance(item, SignedRecord) else TYPE_CHUNK
    plain = _plaintext(kind, tx, item.body, item.signature, secret, data)
    ephemeral = X25519PrivateKey.generate()
    eph, server = raw_public(ephemeral.public_key()), raw_public(server_key)
    shared = ephemeral.exchange(server_key)
    header = PACKET_MAGIC + terminal_id_bytes(item.terminal) + eph
    packet = header + ChaCha20Poly1305(_hkdf(shared, eph + server, PACKET_INFO)).encrypt(_NONCE, plain, header)
    ikm = shared + transport_key.exchange(server_key)
    return packet, ResponseKey(_hkdf(ikm, eph + server, RESPONSE_INFO), eph)


def packet_terminal(packet: bytes) -> str:
    """The terminal id a packet's clear header names (authenticated only once it is opened)."""
    if len(packet) != PACKET_SIZE:
        raise ProtocolError("packet", f"a packet is exactly {PACKET_SIZE} bytes, not {len(packet)}")
    if packet[:4] != PACKET_MAGIC:
        raise ProtocolError("packet", "not a version 1 terminal packet (magic CWT1)")
    return str(uuid.UUID(bytes=packet[4:20]))


def open_packet(packet: bytes, *, server_key: X25519PrivateKey) -> Packet:
    """Decrypt and parse a packet; ``ProtocolError`` names what is wrong.

    Signatures (and a chunk's data against its signed hash) are checked by ``item.verify``.
    """
    terminal = packet_terminal(packet)
    header, eph = packet[:HEADER_SIZE], packet[20:HEADER_SIZE]
    server = raw_public(server_key.public_key())
    try:
        shared = server_key.exchange(X25519PublicKey.from_public_bytes(eph))
        plain = ChaCha20Poly1305(_hkdf(shared, eph + server, PACKET_INFO)).decrypt(_NONCE, packet[HEADER_SIZE:], header)
    except (InvalidTag, ValueError):
        raise ProtocolError("packet", "does not decrypt: altered, or not encrypted to this server's transport key",
                            code="undecryptable") from None
    kind, tx, body_len = struct.unpack_from(">BQH", plain, 0)
    if kind not in (TYPE_RECORD, TYPE_CHUNK):
        raise ProtocolError("type", "1 (record) or 2 (chunk) is required")
    if not 0 < body_len <= MAX_BODY:
        raise ProtocolError("body", f"a body is 1 to {MAX_BODY} bytes")
    at = 11
    body, signature = plain[at:at + body_len], plain[at + body_len:at + body_len + 64]
    at += body_len + 64
    secret_len = plain[at]
    if secret_len > MAX_SECRET:
        raise ProtocolError("secret", f"at most {MAX_SECRET} bytes")
    secret = plain[at + 1:at + 1 + secret_len]
    at += 1 + secret_len
    (data_len,) = struct.unpack_from(">I", plain, at)
    at += 4
    if data_len > PLAINTEXT_SIZE - at:
        raise ProtocolError("data", "the data length runs past the end of the packet")
    data = plain[at:at + data_len]
    if any(plain[at + data_len:]):
        raise ProtocolError("padding", "the padding after the data must be zero bytes")
    item: SignedRecord | SignedChunk = (
        parse_record(body, signature) if kind == TYPE_RECORD else parse_chunk(body, signature)
    )
    if item.terminal != terminal:
        raise ProtocolError("terminal", "the signed terminal id differs from the packet's header")
    if isinstance(item, SignedRecord) and is_sealed_secret(secret):
        secret = open_secret(secret, server_key=server_key, record=item)
    return Packet(terminal, eph, tx, item, secret, data, shared)


# ---------------------------------------------------------------------------------------------
# Sealed secrets


def _secret_binding(record: SignedRecord) -> bytes:
    """What a sealed secret is bound to: the record's fields except ``prev`` (see the docstring)."""
    bound = {k: v for k, v in record.data.items() if k != "prev"}
    return sha256_hex(SECRET_DOMAIN + _canonical(bound)).encode("ascii")


def is_sealed_secret(secret: bytes) -> bool:
    return len(secret) == SEALED_SECRET_SIZE and secret[0] == SEALED_SECRET_TAG


def seal_secret(token: bytes, *, server_key: X25519PublicKey, record: SignedRecord) -> bytes:
    """Seal a 32-byte packet secret to the server's transport key, bound to ``record``."""
    if len(token) != 32:
        raise ProtocolError("secret", "only a 32-byte lookup token can be sealed")
    ephemeral = X25519PrivateKey.generate()
    eph, server = raw_public(ephemeral.public_key()), raw_public(server_key)
    key = _hkdf(ephemeral.exchange(server_key), eph + server, SECRET_INFO)
    return bytes([SEALED_SECRET_TAG]) + eph + ChaCha20Poly1305(key).encrypt(_NONCE, token, _secret_binding(record))


def open_secret(sealed: bytes, *, server_key: X25519PrivateKey, record: SignedRecord) -> bytes:
    """The token inside a sealed secret, or ``b""`` when it does not open for this record and key
    (it then proves nothing: the server answers as for a wrong receipt, and nothing waits behind it)."""
    if not is_sealed_secret(sealed):
        return b""
    eph, server = sealed[1:33], raw_public(server_key.public_key())
    try:
        shared = server_key.exchange(X25519PublicKey.from_public_bytes(eph))
        key = _hkdf(shared, eph + server, SECRET_INFO)
        return ChaCha20Poly1305(key).decrypt(_NONCE, sealed[33:], _secret_binding(record))
    except (InvalidTag, ValueError):
        return b""


def response_key(packet: Packet, *, server_key: X25519PrivateKey, transport_public: X25519PublicKey) -> ResponseKey:
    server = raw_public(server_key.public_key())
    ikm = packet.shared + server_key.exchange(transport_public)
    return ResponseKey(_hkdf(ikm, packet.ephemeral + server, RESPONSE_INFO), packet.ephemeral)


# Responses and acknowledgements live in their own module; import them from here.
from custodywatch_protocol.responses import (  # noqa: E402, F401
    Ack,
    LedgerProof,
    Response,
    open_response,
    receipt_record,
    seal_response,
    sign_ack,
    verify_ack,
)
