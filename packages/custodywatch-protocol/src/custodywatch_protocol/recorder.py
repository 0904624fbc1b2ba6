"""What a video recorder tells the CustodyWatch server: signed, chained segment manifests.

Pure Python (no Django): the recorder agent writes these messages, the server parses them and any
court expert checks them with this module alone.

**Messages.** Every message is one JSON object in canonical form (RFC 8785 without floats, as
``custodywatch_log.entries.canonical_record`` writes it) with a ``type``:

- ``segment``: one closed segment file of one camera: the recorder and camera ids, the camera's
  sequence number (0, 1, 2 ...), UTC start and end in milliseconds since the Unix epoch, the
  recorder clock's offset from its reference in milliseconds (recorder minus reference) and the
  reference's name, codec, width and height, container (``mp4`` or ``mpegts``), the file's size and
  SHA-256, ``prev``: the SHA-256 of the camera's previous segment (64 zeros before the first),
  and ``picture``: what sampling its frames found (ok, black, frozen, covered, unchecked, unreadable).
- ``heartbeat``: the recorder is alive at ``at`` (with its clock offset).
- ``no_signal``: a camera sent no picture from ``start`` to ``end``.
- ``inventory``: the segments of a camera the recorder still holds at ``at``, as ranges of
  sequence numbers ``[[first, last], ...]`` (ascending, not overlapping).
- ``deletion``: the recorder deleted a camera's segments ``first`` to ``last`` at ``at``, and why.

**Signature.** Ed25519 by the recorder's key over ``MESSAGE_DOMAIN || body`` where ``body`` is
the message's exact canonical bytes. A message travels as ``{"body": b64(body), "sig": b64(sig)}``
so it is checked on the bytes that were signed; its ``digest`` (SHA-256 of ``body``) names it.

**Submission.** A batch in canonical JSON, in one of two versions (the server takes both):

- v1: ``{"v": 1, "recorder": ID, "messages": [signed, ...]}``, every message signed on its own;
- v2: ``{"v": 2, "recorder": ID, "messages": [b64(body), ...], "sig": b64(sig)}``: one signature
  for the whole batch, over ``BATCH_DOMAIN || size (8 bytes, big-endian) || root`` where ``root``
  is the RFC 9162 Merkle tree hash of the bodies' leaf hashes (``SHA-256(0x00 || body)``), in
  order. A server verifies one signature per batch instead of one per manifest; each message
  keeps its own sequence number and chain link. Any single message is later proven by its
  ``BatchProof`` (its place in the batch, the inclusion path and the batch signature), which
  ``verify`` checks as it checks a v1 signature.

``parse_submission`` refuses an unusable envelope with ``ProtocolError`` (naming the field);
a bad message inside a good envelope is reported on its own (``ParsedSubmission.errors``) so the
good ones are still taken.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from custodywatch_log.entries import canonical_record
from custodywatch_log.merkle import (
    ProofError,
    inclusion_proof,
    leaf_hash,
    root_from_inclusion_proof,
    root_from_leaf_hashes,
)

__all__ = [
    "BATCH_DOMAIN",
    "BATCH_VERSION",
    "FORMAT_VERSION",
    "MESSAGE_DOMAIN",
    "ZERO_HASH",
    "BatchProof",
    "BatchSignature",
    "Deletion",
    "Heartbeat",
    "Inventory",
    "Message",
    "NoSignal",
    "ParsedSubmission",
    "ProtocolError",
    "Segment",
    "Signed",
    "encode_batch_submission",
    "encode_submission",
    "generate_key",
    "parse_message",
    "parse_submission",
    "public_key_b64",
    "sign",
    "sign_batch",
    "verify",
]

FORMAT_VERSION = 1
BATCH_VERSION = 2
VERSIONS = (FORMAT_VERSION, BATCH_VERSION)
MESSAGE_DOMAIN = b"custodywatch/recorder/message/v1\n"
BATCH_DOMAIN = b"custodywatch/recorder/batch/v2\n"
ZERO_HASH = "0" * 64
MAX_SUBMISSION_BYTES = 8 * 1024 * 1024
MAX_MESSAGES = 10_000
MAX_BODY_BYTES = 4096
# 2000-01-01 .. 2100-01-01 in milliseconds: anything outside is a broken clock, not a time.
MIN_MS, MAX_MS = 946_684_800_000, 4_102_444_800_000
MAX_SEGMENT_MS = 24 * 3600 * 1000
MAX_OFFSET_MS = 24 * 3600 * 1000

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
HEX64_RE = re.compile(r"^[0-9a-f]{64}$")
CODEC_RE = re.compile(r"^[a-z0-9_.-]{1,32}$")
REF_RE = re.compile(r"^[\x21-\x7e]{1,100}$")
B64_RE = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")
CONTAINERS = ("mp4", "mpegts")
# What the recorder's own frame sampling saw in the segment (see custodywatch_recorder.content).
PICTURES = ("ok", "black", "frozen", "covered", "unchecked", "unreadable")
DELETION_REASONS = ("retention", "overwrite", "manual", "disk_full")


class ProtocolError(ValueError):
    """A submission or message is malformed; ``field`` says where (``messages[3].body.seq``)."""

    def __init__(self, field: str, error: str) -> None:
        super().__init__(f"{field}: {error}")
        self.field = field
        self.error = error


# --- Messages ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    recorder: str
    camera: str
    seq: int
    start: int
    end: int
    clock_offset_ms: int
    clock_ref: str
    codec: str
    width: int
    height: int
    container: str
    size: int
    sha256: str
    prev: str
    picture: str = "unchecked"
    type: str = field(default="segment", init=False)


@dataclass(frozen=True)
class Heartbeat:
    recorder: str
    at: int
    clock_offset_ms: int
    clock_ref: str
    type: str = field(default="heartbeat", init=False)


@dataclass(frozen=True)
class NoSignal:
    recorder: str
    camera: str
    start: int
    end: int
    type: str = field(default="no_signal", init=False)


@dataclass(frozen=True)
class Inventory:
    recorder: str
    camera: str
    at: int
    held: tuple[tuple[int, int], ...]
    type: str = field(default="inventory", init=False)

    def holds(self, seq: int) -> bool:
        return any(first <= seq <= last for first, last in self.held)


@dataclass(frozen=True)
class Deletion:
    recorder: str
    camera: str
    at: int
    first: int
    last: int
    reason: str
    type: str = field(default="deletion", init=False)


Message = Segment | Heartbeat | NoSignal | Inventory | Deletion


# Each field's check also says which JSON value it takes (``check.json``: "int" or "str"; None for
# anything else) and what it allows (``bounds``, ``pattern``, ``choices``), so that a canonical body
# can be read and checked without a JSON parser (``_CanonicalForm``).


def _int(name: str, lo: int, hi: int):
    def check(value: Any) -> int:
        if type(value) is not int and (not isinstance(value, int) or isinstance(value, bool)):
            raise ProtocolError(name, "must be an integer")
        if not lo <= value <= hi:
            raise ProtocolError(name, f"must be between {lo} and {hi}")
        return value
    check.json, check.bounds = "int", (lo, hi)
    return check


def _text(name: str, pattern: re.Pattern[str], what: str):
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise ProtocolError(name, "must be a string")
        if not pattern.match(value):
            raise ProtocolError(name, f"must be {what}")
        return value
    check.json, check.pattern = "str", pattern
    return check


def _choice(name: str, choices: Sequence[str]):
    def check(value: Any) -> str:
        if not isinstance(value, str) or value not in choices:
            raise ProtocolError(name, f"must be one of {', '.join(choices)}")
        return value
    check.json, check.choices = "str", tuple(choices)
    return check


def _ranges(value: Any) -> tuple[tuple[int, int], ...]:
    if not isinstance(value, list) or len(value) > 1000:
        raise ProtocolError("held", "must be a list of at most 1000 [first, last] ranges")
    out: list[tuple[int, int]] = []
    seq = _int("held", 0, 2**53 - 1)
    for i, item in enumerate(value):
        if not isinstance(item, list) or len(item) != 2:
            raise ProtocolError(f"held[{i}]", "must be a [first, last] pair")
        first, last = seq(item[0]), seq(item[1])
        if first > last:
            raise ProtocolError(f"held[{i}]", "first is after last")
        if out and first <= out[-1][1]:
            raise ProtocolError(f"held[{i}]", "ranges must ascend without overlapping")
        out.append((first, last))
    return tuple(out)


_SEQ = (0, 2**53 - 1)
_FIELDS: dict[str, dict[str, Any]] = {
    "segment": {
        "recorder": _text("recorder", ID_RE, "an id of 1 to 64 letters, digits or . _ : -"),
        "camera": _text("camera", ID_RE, "an id of 1 to 64 letters, digits or . _ : -"),
        "seq": _int("seq", *_SEQ),
        "start": _int("start", MIN_MS, MAX_MS),
        "end": _int("end", MIN_MS, MAX_MS),
        "clock_offset_ms": _int("clock_offset_ms", -MAX_OFFSET_MS, MAX_OFFSET_MS),
        "clock_ref": _text("clock_ref", REF_RE, "1 to 100 printable ASCII characters"),
        "codec": _text("codec", CODEC_RE, "a codec name such as h264"),
        "width": _int("width", 1, 16384),
        "height": _int("height", 1, 16384),
        "container": _choice("container", CONTAINERS),
        "size": _int("size", 1, 2**53 - 1),
        "sha256": _text("sha256", HEX64_RE, "64 lower-case hex digits"),
        "prev": _text("prev", HEX64_RE, "64 lower-case hex digits"),
        "picture": _choice("picture", PICTURES),
    },
    "heartbeat": {
        "recorder": _text("recorder", ID_RE, "an id of 1 to 64 letters, digits or . _ : -"),
        "at": _int("at", MIN_MS, MAX_MS),
        "clock_offset_ms": _int("clock_offset_ms", -MAX_OFFSET_MS, MAX_OFFSET_MS),
        "clock_ref": _text("clock_ref", REF_RE, "1 to 100 printable ASCII characters"),
    },
    "no_signal": {
        "recorder": _text("recorder", ID_RE, "an id of 1 to 64 letters, digits or . _ : -"),
        "camera": _text("camera", ID_RE, "an id of 1 to 64 letters, digits or . _ : -"),
        "start": _int("start", MIN_MS, MAX_MS),
        "end": _int("end", MIN_MS, MAX_MS),
    },
    "inventory": {
        "recorder": _text("recorder", ID_RE, "an id of 1 to 64 letters, digits or . _ : -"),
        "camera": _text("camera", ID_RE, "an id of 1 to 64 letters, digits or . _ : -"),
        "at": _int("at", MIN_MS, MAX_MS),
        "held": _ranges,
    },
    "deletion": {
        "recorder": _text("recorder", ID_RE, "an id of 1 to 64 letters, digits or . _ : -"),
        "camera": _text("camera", ID_RE, "an id of 1 to 64 letters, digits or . _ : -"),
        "at": _int("at", MIN_MS, MAX_MS),
        "first": _int("first", *_SEQ),
        "last": _int("last", *_SEQ),
        "reason": _choice("reason", DELETION_REASONS),
    },
}
_CLASSES: dict[str, type] = {
    "segment": Segment, "heartbeat": Heartbeat, "no_signal": NoSignal, "inventory": Inventory, "deletion": Deletion,
}


_KEYS = {kind: frozenset(fields) | {"type"} for kind, fields in _FIELDS.items()}
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def message_object(message: Message) -> dict[str, Any]:
    """The JSON object of a message (what its canonical body encodes)."""
    obj = {name: getattr(message, name) for name in _FIELDS[message.type]}
    if isinstance(message, Inventory):
        obj["held"] = [list(pair) for pair in message.held]
    obj["type"] = message.type
    return obj


def encode_message(message: Message) -> bytes:
    """The canonical body of a message; checks it as a parser would (a writer cannot send junk)."""
    body = canonical_record(message_object(message))
    parse_message(body)
    return body


@dataclass(frozen=True)
class _CanonicalForm:
    """The exact canonical body of one kind of message whose strings need no escape: its keys in
    order, integers without a sign on zero or leading zeros, strings of printable ASCII other than
    quote and backslash, a choice one of its words. ``names`` are the fields of the pattern's
    groups in order; ``integers`` and ``texts`` what their checks allow."""

    pattern: re.Pattern[str]
    names: tuple[str, ...]
    integers: tuple[tuple[str, int, int], ...]
    texts: tuple[tuple[str, re.Pattern[str]], ...]

    @classmethod
    def of(cls, kind: str) -> _CanonicalForm | None:
        """None when a field takes another JSON value (the inventory's ranges)."""
        fields = _FIELDS[kind]
        if any(getattr(check, "json", None) is None for check in fields.values()):
            return None

        def value(check: Any) -> str:
            if check.json == "int":
                return r"(0|-?[1-9][0-9]{0,17})"
            if hasattr(check, "choices"):
                return '"(' + "|".join(map(re.escape, check.choices)) + ')"'
            return r'"([\x20\x21\x23-\x5b\x5d-\x7e]*)"'

        members = [f'"type":"{kind}"' if name == "type" else f'"{name}":{value(fields[name])}'
                   for name in sorted(_KEYS[kind])]
        return cls(pattern=re.compile(r"\{" + ",".join(members) + r"\}\Z"), names=tuple(sorted(fields)),
                   integers=tuple((name, *check.bounds) for name, check in fields.items() if check.json == "int"),
                   texts=tuple((name, check.pattern) for name, check in fields.items() if hasattr(check, "pattern")))

    def read(self, text: str) -> dict[str, Any] | None:
        """The values of ``text`` if it is in this form and every value holds; otherwise None."""
        match = self.pattern.match(text)
        if match is None:
            return None
        values: dict[str, Any] = dict(zip(self.names, match.groups(), strict=True))
        for name, lo, hi in self.integers:
            number = values[name] = int(values[name])
            if not lo <= number <= hi:
                return None
        for name, pattern in self.texts:
            if not pattern.match(values[name]):
                return None
        return values


_CANONICAL_FORMS = {kind: form for kind in _FIELDS if (form := _CanonicalForm.of(kind)) is not None}


def _read_canonical(body: bytes) -> tuple[str, dict[str, Any]] | None:
    """The kind and checked values of a body in its kind's canonical form, or None for any other.

    Such a body is exactly what ``json.loads`` reads and ``_CANONICAL`` writes again, and its values
    pass the same checks, so the message is the one the full path makes; that path takes every other
    body (and names what is wrong with it)."""
    try:
        text = body.decode("ascii")
    except UnicodeDecodeError:
        return None
    for kind, form in _CANONICAL_FORMS.items():
        values = form.read(text)
        if values is not None:
            return kind, values
    return None


def _read_json(body: bytes) -> tuple[str, dict[str, Any]]:
    """The kind and JSON object of any body, with its fields exactly those of its kind."""
    try:
        obj = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise ProtocolError("body", f"not JSON: {e}") from None
    if not isinstance(obj, dict):
        raise ProtocolError("body", "must be a JSON object")
    kind = obj.get("type")
    if not isinstance(kind, str) or kind not in _FIELDS:
        raise ProtocolError("type", f"must be one of {', '.join(_FIELDS)}")
    fields = _FIELDS[kind]
    if obj.keys() != _KEYS[kind]:
        missing = [name for name in fields if name not in obj]
        if missing:
            raise ProtocolError(missing[0], "is missing")
        extra = sorted(set(obj) - set(fields) - {"type"})
        raise ProtocolError(extra[0], "is not a field of a " + kind + " message")
    return kind, obj


def parse_message(body: bytes) -> Message:
    """Parse one message body; ``ProtocolError`` names the first field that is wrong."""
    if not isinstance(body, bytes | bytearray):
        raise ProtocolError("body", "must be bytes")
    if len(body) > MAX_BODY_BYTES:
        raise ProtocolError("body", f"longer than {MAX_BODY_BYTES} bytes")
    # What recorders send is canonical: read and checked in one step, in a fraction of the full path's time.
    read = _read_canonical(body)
    if read is not None:
        kind, values = read
    else:
        kind, obj = _read_json(body)
        values = {name: check(obj[name]) for name, check in _FIELDS[kind].items()}
        # Every value is now known to be an ASCII string, an integer within +-2**53 or a list of
        # such integers, for which RFC 8785 is exactly Python's sorted, compact JSON.
        if _CANONICAL.encode(obj).encode("utf-8") != bytes(body):
            raise ProtocolError("body", "not in canonical form (RFC 8785: sorted keys, no whitespace)")
    message = _CLASSES[kind](**values)
    _check_consistency(message)
    return message


def _check_consistency(message: Message) -> None:
    if isinstance(message, Segment | NoSignal):
        if message.end < message.start:
            raise ProtocolError("end", "is before start")
        if message.end - message.start > MAX_SEGMENT_MS:
            raise ProtocolError("end", "more than 24 hours after start")
    if isinstance(message, Segment) and message.seq == 0 and message.prev != ZERO_HASH:
        raise ProtocolError("prev", "the first segment (seq 0) has no previous segment: must be 64 zeros")
    if isinstance(message, Deletion) and message.last < message.first:
        raise ProtocolError("last", "is before first")


# --- Signatures -------------------------------------------------------------------------------


def batch_signed_bytes(size: int, root: bytes) -> bytes:
    """What the recorder's key signs for a v2 batch of ``size`` messages with Merkle ``root``."""
    return BATCH_DOMAIN + size.to_bytes(8, "big") + root


@dataclass(frozen=True)
class BatchProof:
    """How one message of a v2 batch is proven: its place ``index`` among ``size`` messages, the
    inclusion path from its leaf hash to the batch's root, and the recorder's batch signature."""

    size: int
    index: int
    path: tuple[bytes, ...]
    signature: bytes

    def root(self, body: bytes) -> bytes:
        """The batch root this proof leads to from ``body`` (``ProtocolError`` if it cannot)."""
        try:
            return root_from_inclusion_proof(leaf_hash(body), self.index, self.size, self.path)
        except ProofError as e:
            raise ProtocolError("batch.path", str(e)) from None

    def wire(self) -> dict[str, Any]:
        return {"size": self.size, "index": self.index, "path": [p.hex() for p in self.path],
                "sig": base64.b64encode(self.signature).decode("ascii")}


@dataclass(frozen=True)
class BatchSignature:
    """A v2 submission's one signature, with the leaf hashes of its bodies (in order)."""

    signature: bytes
    leaves: tuple[bytes, ...]

    @property
    def size(self) -> int:
        return len(self.leaves)

    @property
    def root(self) -> bytes:
        return root_from_leaf_hashes(self.leaves)

    def verify(self, public_key: Ed25519PublicKey) -> bool:
        try:
            public_key.verify(self.signature, batch_signed_bytes(self.size, self.root))
        except InvalidSignature:
            return False
        return True

    def proof(self, index: int) -> BatchProof:
        return BatchProof(size=self.size, index=index, path=tuple(inclusion_proof(index, self.size, self.leaves)),
                          signature=self.signature)


@dataclass(frozen=True)
class Signed:
    """One message with its exact body bytes and the recorder's signature over them: its own
    (v1, ``signature``) or its batch's (v2, ``batch``; ``signature`` is then empty)."""

    body: bytes
    signature: bytes
    message: Message
    batch: BatchProof | None = None
    # The SHA-256 of the body in hex: the message's name in the ledger and in export packages.
    digest: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "digest", hashlib.sha256(self.body).hexdigest())

    def wire(self) -> dict[str, Any]:
        body = base64.b64encode(self.body).decode("ascii")
        if self.batch is not None:
            return {"body": body, "batch": self.batch.wire()}
        return {"body": body, "sig": base64.b64encode(self.signature).decode("ascii")}


def generate_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def public_key_b64(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The raw 32-byte public key in base64, as the camera registry stores it."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return base64.b64encode(public.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode("ascii")


def load_public_key(text: str) -> Ed25519PublicKey:
    """A public key from its base64 form; ``ProtocolError`` if it is not 32 raw bytes."""
    raw = _b64(text, "public_key")
    if len(raw) != 32:
        raise ProtocolError("public_key", "an Ed25519 public key is 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def sign(message: Message, key: Ed25519PrivateKey) -> Signed:
    body = encode_message(message)
    return Signed(body=body, signature=key.sign(MESSAGE_DOMAIN + body), message=message)


def verify(signed: Signed, public_key: Ed25519PublicKey) -> bool:
    """Whether the recorder key signed exactly this body (on its own, or within its batch)."""
    try:
        if signed.batch is not None:
            public_key.verify(signed.batch.signature, batch_signed_bytes(signed.batch.size,
                                                                         signed.batch.root(signed.body)))
        else:
            public_key.verify(signed.signature, MESSAGE_DOMAIN + signed.body)
    except (InvalidSignature, ProtocolError):
        return False
    return True


def sign_batch(bodies: Sequence[bytes], key: Ed25519PrivateKey) -> BatchSignature:
    """The recorder's one signature over a v2 batch of message bodies."""
    leaves = tuple(leaf_hash(body) for body in bodies)
    root = root_from_leaf_hashes(leaves)
    return BatchSignature(signature=key.sign(batch_signed_bytes(len(leaves), root)), leaves=leaves)


def _b64(value: Any, name: str) -> bytes:
    if not isinstance(value, str) or not B64_RE.match(value) or len(value) % 4:
        raise ProtocolError(name, "must be standard base64 with padding")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ProtocolError(name, "must be standard base64 with padding") from None


def _signature(value: Any, where: str) -> bytes:
    signature = _b64(value, where)
    if len(signature) != 64:
        raise ProtocolError(where, "an Ed25519 signature is 64 bytes")
    return signature


def _batch_proof(obj: Any, where: str) -> BatchProof:
    if not isinstance(obj, dict) or set(obj) != {"size", "index", "path", "sig"}:
        raise ProtocolError(where, 'must be an object with exactly "size", "index", "path" and "sig"')
    size = _int(f"{where}.size", 1, MAX_MESSAGES)(obj["size"])
    index = _int(f"{where}.index", 0, size - 1)(obj["index"])
    path = obj["path"]
    if not isinstance(path, list) or len(path) > 64:
        raise ProtocolError(f"{where}.path", "must be a list of at most 64 hashes")
    hashes = tuple(bytes.fromhex(_text(f"{where}.path[{i}]", HEX64_RE, "64 lower-case hex digits")(h))
                   for i, h in enumerate(path))
    return BatchProof(size=size, index=index, path=hashes, signature=_signature(obj["sig"], f"{where}.sig"))


def parse_signed(obj: Any, where: str = "message") -> Signed:
    """A message with its own signature (``{"body", "sig"}``) or its batch proof (``{"body", "batch"}``)."""
    if not isinstance(obj, dict) or set(obj) not in ({"body", "sig"}, {"body", "batch"}):
        raise ProtocolError(where, 'must be an object with exactly "body" and "sig" (or "body" and "batch")')
    body = _b64(obj["body"], f"{where}.body")
    signature, batch = b"", None
    if "sig" in obj:
        signature = _signature(obj["sig"], f"{where}.sig")
    else:
        batch = _batch_proof(obj["batch"], f"{where}.batch")
    try:
        message = parse_message(body)
    except ProtocolError as e:
        raise ProtocolError(f"{where}.body.{e.field}", e.error) from None
    return Signed(body=body, signature=signature, message=message, batch=batch)


# --- Submissions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedSubmission:
    """A batch as parsed: its recorder, the messages that parse (with their position) and the
    positions of those that do not, each with its error."""

    recorder: str
    messages: list[tuple[int, Signed]]
    errors: list[tuple[int, ProtocolError]]
    # v2: the batch's one signature (each message's ``signature`` is then empty); None for v1.
    batch: BatchSignature | None = None


def encode_submission(recorder: str, messages: Sequence[Signed]) -> bytes:
    """The bytes a v1 recorder POSTs: canonical JSON of the batch, each message signed."""
    return canonical_record({"v": FORMAT_VERSION, "recorder": recorder, "messages": [m.wire() for m in messages]})


def encode_batch_submission(recorder: str, bodies: Sequence[bytes], key: Ed25519PrivateKey) -> bytes:
    """The bytes a v2 recorder POSTs: the message bodies and one signature over all of them."""
    batch = sign_batch(bodies, key)
    return canonical_record({"v": BATCH_VERSION, "recorder": recorder,
                             "messages": [base64.b64encode(b).decode("ascii") for b in bodies],
                             "sig": base64.b64encode(batch.signature).decode("ascii")})


def parse_submission(data: bytes) -> ParsedSubmission:
    """Parse a batch. An unusable envelope raises ``ProtocolError``; a message that names
    another recorder, or is malformed, is listed in ``errors`` by its position."""
    if not isinstance(data, bytes | bytearray):
        raise ProtocolError("submission", "must be bytes")
    if len(data) > MAX_SUBMISSION_BYTES:
        raise ProtocolError("submission", f"larger than {MAX_SUBMISSION_BYTES} bytes")
    try:
        obj = json.loads(bytes(data).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise ProtocolError("submission", f"not JSON: {e}") from None
    if not isinstance(obj, dict):
        raise ProtocolError("submission", "must be a JSON object")
    version = obj.get("v")
    if version not in VERSIONS or isinstance(version, bool):
        raise ProtocolError("v", f"must be {FORMAT_VERSION} or {BATCH_VERSION}")
    fields = {"v", "recorder", "messages"} | ({"sig"} if version == BATCH_VERSION else set())
    extra = sorted(set(obj) - fields)
    if extra:
        raise ProtocolError(extra[0], "is not a field of a submission")
    recorder = _text("recorder", ID_RE, "an id of 1 to 64 letters, digits or . _ : -")(obj.get("recorder"))
    messages = obj.get("messages")
    if not isinstance(messages, list):
        raise ProtocolError("messages", "must be a list")
    if not 1 <= len(messages) <= MAX_MESSAGES:
        raise ProtocolError("messages", f"must hold 1 to {MAX_MESSAGES} messages")
    if version == BATCH_VERSION:
        return _parse_batch(recorder, messages, obj.get("sig"))
    good: list[tuple[int, Signed]] = []
    bad: list[tuple[int, ProtocolError]] = []
    for i, item in enumerate(messages):
        try:
            signed = parse_signed(item, f"messages[{i}]")
            if signed.message.recorder != recorder:
                raise ProtocolError(f"messages[{i}].body.recorder", "names another recorder than the submission")
        except ProtocolError as e:
            bad.append((i, e))
            continue
        good.append((i, signed))
    return ParsedSubmission(recorder=recorder, messages=good, errors=bad)


def _parse_batch(recorder: str, items: list[Any], sig: Any) -> ParsedSubmission:
    """A v2 batch: every body must be base64 (the signature covers them all, so one that is not
    makes the batch unusable); a body that is not a good message is listed in ``errors``."""
    signature = _signature(sig, "sig")
    bodies = [_b64(item, f"messages[{i}]") for i, item in enumerate(items)]
    good: list[tuple[int, Signed]] = []
    bad: list[tuple[int, ProtocolError]] = []
    for i, body in enumerate(bodies):
        try:
            try:
                message = parse_message(body)
            except ProtocolError as e:
                raise ProtocolError(f"messages[{i}].{e.field}", e.error) from None
            if message.recorder != recorder:
                raise ProtocolError(f"messages[{i}].recorder", "names another recorder than the submission")
        except ProtocolError as e:
            bad.append((i, e))
            continue
        good.append((i, Signed(body=body, signature=b"", message=message)))
    batch = BatchSignature(signature=signature, leaves=tuple(leaf_hash(b) for b in bodies))
    return ParsedSubmission(recorder=recorder, messages=good, errors=bad, batch=batch)


def message_from_record(obj: Mapping[str, Any]) -> Message:
    """A message from its JSON object (as in an export package's manifests file)."""
    return parse_message(canonical_record(obj))


def sha256_file(path: str, chunk: int = 1024 * 1024) -> tuple[str, int]:
    """SHA-256 (hex) and size of a file, read in large chunks into one reused buffer."""
    digest = hashlib.sha256()
    size = 0
    buffer = bytearray(chunk)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as f:
        while True:
            n = f.readinto(buffer)
            if not n:
                break
            digest.update(view[:n])
            size += n
    return digest.hexdigest(), size
