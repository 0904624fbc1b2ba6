"""The protocol's shared pieces: sizes, domains, the error type and small canonical-JSON checks."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from custodywatch_log.entries import OpeningError, canonical_record

PACKET_SIZE = 16384
RESPONSE_SIZE = 16384
HEADER_SIZE = 4 + 16 + 32
PLAINTEXT_SIZE = PACKET_SIZE - HEADER_SIZE - 16
RESPONSE_PLAINTEXT_SIZE = RESPONSE_SIZE - 4 - 16
MAX_BODY = 2048
MAX_SECRET = 96  # 64 before sealed secrets (81 bytes); a raw lookup token is 32
CHUNK_SIZE = 12288
MAX_BLOB = 4 * 1024 * 1024
MAX_CHUNKS = -(-MAX_BLOB // CHUNK_SIZE)
LOOKUP_PAGE = 6144
ZERO_HASH = "0" * 64
RECEIPT_KIND = "complaint:receipt"

PACKET_MAGIC = b"CWT1"
RESPONSE_MAGIC = b"CWR1"
RECORD_DOMAIN = b"custodywatch/terminal/record/v1\x00"
CHUNK_DOMAIN = b"custodywatch/terminal/chunk/v1\x00"
ACK_DOMAIN = b"custodywatch/terminal/ack/v1\x00"
PACKET_INFO = b"custodywatch/terminal/packet/v1"
RESPONSE_INFO = b"custodywatch/terminal/response/v1"
SECRET_INFO = b"custodywatch/terminal/secret/v1"
SECRET_DOMAIN = b"custodywatch/terminal/secret-binding/v1\x00"
SEALED_SECRET_TAG = 0x01
SEALED_SECRET_SIZE = 1 + 32 + 32 + 16
TYPE_RECORD, TYPE_CHUNK = 1, 2
KINDS = ("complaint", "message", "heartbeat", "lookup")
_NONCE = b"\x00" * 12

HEX64 = re.compile(r"^[0-9a-f]{64}$")
HEX32 = re.compile(r"^[0-9a-f]{32}$")
LOCATOR = re.compile(r"^[0-9]{8}$")
AGE_RECIPIENT = re.compile(r"^age1[02-9ac-hj-np-z]{58}$")
ORG_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
UTC_SECOND = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class ProtocolError(ValueError):
    """Input that does not follow the protocol; ``field`` names the part and ``error`` the rule."""

    def __init__(self, field: str, error: str, code: str = "malformed") -> None:
        super().__init__(f"{field}: {error}")
        self.field = field
        self.error = error
        self.code = code


class BadSignature(ProtocolError):
    def __init__(self, field: str, error: str) -> None:
        super().__init__(field, error, code="bad_signature")


# ---------------------------------------------------------------------------------------------
# Canonical JSON and small checks


def _canonical(data: Mapping[str, Any]) -> bytes:
    try:
        return canonical_record(data)
    except OpeningError as exc:
        raise ProtocolError("body", str(exc)) from None


def _load_canonical(body: bytes, what: str) -> dict[str, Any]:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ProtocolError(what, "not UTF-8 JSON") from None
    if not isinstance(data, dict):
        raise ProtocolError(what, "a JSON object is required")
    if _canonical(data) != body:
        raise ProtocolError(what, "not in canonical form (RFC 8785: sorted keys, no whitespace)")
    return data


def _int(data: Mapping[str, Any], name: str, low: int, high: int) -> int:
    value = data.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ProtocolError(name, f"a whole number from {low} to {high} is required")
    return value


def _match(data: Mapping[str, Any], name: str, pattern: re.Pattern[str], what: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not pattern.match(value):
        raise ProtocolError(name, f"{what} is required")
    return value


def _fields(data: Mapping[str, Any], expected: set[str], what: str) -> None:
    if set(data) != expected:
        missing, extra = sorted(expected - set(data)), sorted(set(data) - expected)
        name = missing[0] if missing else extra[0]
        raise ProtocolError(name, f"{what}: fields missing {missing}, unexpected {extra}")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def raw_public(key: Ed25519PublicKey | X25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(value: object, name: str) -> bytes:
    if not isinstance(value, str):
        raise ProtocolError(name, "base64 text is required")
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:
        raise ProtocolError(name, "not valid base64") from None


@dataclass(frozen=True)
class ResponseKey:
    """What the sender of a packet keeps to read its answer."""

    key: bytes
    ephemeral: bytes
