"""A minimal terminal built on the protocol alone, for tests and benchmarks (no Django import).

It keeps its records in memory, numbers and chains them, sends the oldest unacknowledged one
(stop and wait: one packet per step, chunks first), checks every acknowledgement and its ledger
proof, and forgets a record only once it is acknowledged. ``state()``/``from_state`` let a test
keep it across a killed server. The real agent is ``custodywatch_terminal``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from custodywatch_protocol import terminal as protocol

Post = Callable[[bytes], bytes]
AGE_TEST_RECIPIENT = "age1" + "q" * 58


def _raw(key: Any) -> bytes:
    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


@dataclass
class Pending:
    record: protocol.SignedRecord
    blob: bytes = b""
    secret: bytes = b""
    chunks_sent: int = 0


@dataclass
class Step:
    """What one step did: the packet's item, the answer, and an acknowledgement if one came."""

    sent: str
    response: protocol.Response | None = None
    ack: protocol.Ack | None = None
    error: str = ""


@dataclass
class SimTerminal:
    terminal: str
    server_transport: X25519PublicKey
    server_ack: Ed25519PublicKey
    device: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    transport: X25519PrivateKey = field(default_factory=X25519PrivateKey.generate)
    seq: int = 0
    prev: str = protocol.ZERO_HASH
    tx: int = 0
    pending: list[Pending] = field(default_factory=list)
    acked: dict[int, int | None] = field(default_factory=dict)  # seq -> ledger index
    routing_version: int = 1

    @property
    def device_public(self) -> str:
        return protocol.raw_public(self.device.public_key()).hex()

    @property
    def transport_public(self) -> str:
        return protocol.raw_public(self.transport.public_key()).hex()

    @classmethod
    def for_setup(cls, setup: dict, **keys: Any) -> SimTerminal:
        return cls(terminal=setup["terminal"],
                   server_transport=X25519PublicKey.from_public_bytes(bytes.fromhex(setup["server_transport_key"])),
                   server_ack=Ed25519PublicKey.from_public_bytes(bytes.fromhex(setup["server_ack_key"])), **keys)

    # --- records -----------------------------------------------------------------------------

    def _sign(self, kind: str, **fields: Any) -> protocol.SignedRecord:
        record = protocol.sign_record(self.device, kind=kind, terminal=self.terminal, seq=self.seq + 1,
                                      prev=self.prev, **fields)
        self.seq, self.prev = record.seq, record.hash
        return record

    def complaint(self, blob: bytes, *, locator: str | None = None, token: bytes | None = None,
                  recipients: tuple[str, ...] = ("npm",), priority: str = "standard") -> Pending:
        token = token or secrets.token_bytes(32)
        record = self._sign(
            "complaint", blob=protocol.Blob.of(blob), bucket=len(blob), priority=priority,
            recipients=sorted(recipients), routing_version=self.routing_version,
            locator=locator or f"{secrets.randbelow(10**8):08d}", lookup_salt=secrets.token_hex(16),
            lookup_digest=hashlib.sha256(token).hexdigest(), reply_recipient=AGE_TEST_RECIPIENT,
        )
        pending = Pending(record, blob)
        self.pending.append(pending)
        return pending

    def heartbeat(self, at: str = "2026-12-01T12:00:00Z") -> Pending:
        pending = Pending(self._sign("heartbeat", at=at, queued=len(self.pending)))
        self.pending.append(pending)
        return pending

    def lookup(self, locator: str, *, step: str = "salt", token: bytes = b"", item: int = 0,
               offset: int = 0) -> Pending:
        pending = Pending(self._sign("lookup", locator=locator, step=step, item=item, offset=offset), secret=token)
        self.pending.append(pending)
        return pending

    def message(self, locator: str, blob: bytes, *, token: bytes) -> Pending:
        pending = Pending(self._sign("message", locator=locator, blob=protocol.Blob.of(blob), bucket=len(blob)),
                          blob, secret=token)
        self.pending.append(pending)
        return pending

    # --- packets -----------------------------------------------------------------------------

    def next_packet(self) -> tuple[bytes, protocol.ResponseKey, Pending | None, bool]:
        """The next packet to send (a heartbeat if nothing waits), its answer key, and whether it is a chunk."""
        if not self.pending:
            self.heartbeat()
        pending = self.pending[0]
        self.tx += 1
        blob = pending.record.blob
        if blob is not None and blob.chunks > 1 and pending.chunks_sent < blob.chunks:
            index = pending.chunks_sent
            piece = pending.blob[index * protocol.CHUNK_SIZE:(index + 1) * protocol.CHUNK_SIZE]
            chunk = protocol.sign_chunk(self.device, terminal=self.terminal, blob=blob.sha256, index=index,
                                        count=blob.chunks, piece=piece)
            packet, key = protocol.seal_packet(chunk, tx=self.tx, server_key=self.server_transport,
                                               transport_key=self.transport, data=piece)
            return packet, key, pending, True
        data = pending.blob if blob is not None and blob.chunks == 1 else b""
        packet, key = protocol.seal_packet(pending.record, tx=self.tx, server_key=self.server_transport,
                                           transport_key=self.transport, secret=pending.secret, data=data)
        return packet, key, pending, False

    def step(self, post: Post) -> Step:
        """Send one packet through ``post`` and act on the answer; network errors leave everything pending."""
        packet, key, pending, is_chunk = self.next_packet()
        try:
            answer = post(packet)
            response = protocol.open_response(answer, key)
        except Exception as exc:  # the network or the server failed: send again on the next step
            return Step("chunk" if is_chunk else pending.record.kind, error=f"{type(exc).__name__}: {exc}")
        return self.take(response, pending, is_chunk)

    def take(self, response: protocol.Response, pending: Pending, is_chunk: bool) -> Step:
        done = Step("chunk" if is_chunk else pending.record.kind, response=response)
        if is_chunk:
            missing = (response.chunk or {}).get("missing")
            if response.refused is None and missing is not None:
                # The server lists what it lacks; the lowest is the next to send (none: send the record).
                pending.chunks_sent = min(missing) if missing else pending.record.blob.chunks
            return done
        if response.refused is not None:
            done.error = response.refused["code"]
            if response.refused["code"] == "missing_chunks":
                pending.chunks_sent = min((response.chunk or {}).get("missing") or [0])
            return done
        if response.ack is not None:
            ack = protocol.verify_ack(*response.ack, server_key=self.server_ack, record=pending.record)
            done.ack = ack
            self.pending.remove(pending)
            self.acked[pending.record.seq] = ack.ledger.index if ack.ledger else None
        return done

    def drain(self, post: Post, *, max_steps: int = 10_000) -> list[Step]:
        steps = []
        while self.pending and len(steps) < max_steps:
            steps.append(self.step(post))
        return steps

    # --- keeping it across processes ---------------------------------------------------------

    def state(self) -> str:
        return json.dumps({
            "terminal": self.terminal, "server_transport": protocol.raw_public(self.server_transport).hex(),
            "server_ack": protocol.raw_public(self.server_ack).hex(), "device": _raw(self.device).hex(),
            "transport": _raw(self.transport).hex(), "seq": self.seq, "prev": self.prev, "tx": self.tx,
            "acked": self.acked, "routing_version": self.routing_version,
            "pending": [{"signed": base64.b64encode(p.record.signed).decode(),
                         "blob": base64.b64encode(p.blob).decode(), "secret": p.secret.hex()} for p in self.pending],
        })

    @classmethod
    def from_state(cls, text: str) -> SimTerminal:
        data = json.loads(text)
        sim = cls(terminal=data["terminal"],
                  server_transport=X25519PublicKey.from_public_bytes(bytes.fromhex(data["server_transport"])),
                  server_ack=Ed25519PublicKey.from_public_bytes(bytes.fromhex(data["server_ack"])),
                  device=Ed25519PrivateKey.from_private_bytes(bytes.fromhex(data["device"])),
                  transport=X25519PrivateKey.from_private_bytes(bytes.fromhex(data["transport"])),
                  seq=data["seq"], prev=data["prev"], tx=data["tx"], routing_version=data["routing_version"],
                  acked={int(k): v for k, v in data["acked"].items()})
        sim.pending = [Pending(protocol.parse_signed_record(base64.b64decode(p["signed"])), base64.b64decode(p["blob"]),
                               bytes.fromhex(p["secret"])) for p in data["pending"]]
        return sim
