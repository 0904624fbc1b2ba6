"""A small but real implementation of the server's side of the terminal protocol, for the agent's tests.

It opens packets, checks signatures, the packet counter, the chain (gaps, forks), chunks and
blob hashes, keeps complaints by locator with their thread, appends ``complaint:receipt``
entries to an RFC 9162 tree and answers with signed acknowledgements carrying inclusion proofs,
as ``custodywatch_protocol.terminal`` specifies. It keeps no plaintext because it never has any.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pyrage
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from pyrage import x25519

from custodywatch_log.entries import coarse_time, commitment, encode_public_entry
from custodywatch_log.merkle import MerkleTree
from custodywatch_protocol import terminal as p
from custodywatch_protocol.routing import RoutingList
from custodywatch_terminal.sealing import Reply, pad


@dataclass
class TerminalState:
    device: Ed25519PublicKey
    transport: X25519PublicKey
    last_seq: int = 0
    last_hash: str = p.ZERO_HASH
    last_tx: int = 0
    records: dict[int, p.SignedRecord] = field(default_factory=dict)
    ledger_of: dict[int, tuple[int, bytes]] = field(default_factory=dict)  # seq -> (index, salt)
    chunks: dict[str, dict[int, bytes]] = field(default_factory=dict)


@dataclass
class ComplaintState:
    terminal: str
    seq: int
    record: dict[str, Any]
    sealed: bytes
    thread: list[tuple[str, bytes]] = field(default_factory=list)  # (kind, age ciphertext)
    status: str = "received"


class FakeServer:
    def __init__(self, routing: RoutingList | None = None) -> None:
        self.transport_key = X25519PrivateKey.generate()
        self.ack_key = Ed25519PrivateKey.generate()
        self.routing = routing
        self.terminals: dict[str, TerminalState] = {}
        self.complaints: dict[str, ComplaintState] = {}
        self.messages: list[tuple[str, bytes]] = []  # (locator, sealed)
        self.tree = MerkleTree()
        self.refusals: list[dict[str, str]] = []
        self.lookups = 0
        self._salt_key = secrets.token_bytes(32)
        self._answered: dict[tuple[str, int], dict[str, Any]] = {}  # lookup and message answers, by record
        self._entries: dict[int, bytes] = {}  # ledger index -> entry bytes
        self._lock = threading.Lock()

    def register(self, terminal: str, *, device: Ed25519PublicKey, transport: X25519PublicKey) -> None:
        self.terminals[terminal] = TerminalState(device, transport)

    # -- the endpoint -------------------------------------------------------------------------

    def handle(self, packet: bytes) -> bytes:
        with self._lock:
            try:
                state = self.terminals[p.packet_terminal(packet)]
                opened = p.open_packet(packet, server_key=self.transport_key)
            except (p.ProtocolError, KeyError):
                return b""  # nobody to answer to
            key = p.response_key(opened, server_key=self.transport_key, transport_public=state.transport)
            return p.seal_response(self._answer(state, opened), key)

    def _refuse(self, state: TerminalState, field_name: str, error: str, code: str) -> p.Response:
        refusal = {"field": field_name, "error": error, "code": code}
        self.refusals.append(refusal)
        return p.Response(next_seq=state.last_seq + 1, refused=refusal, routing=self._routing())

    def _routing(self) -> tuple[bytes, bytes] | None:
        return None if self.routing is None else (self.routing.body, self.routing.signature)

    def _answer(self, state: TerminalState, packet: p.Packet) -> p.Response:
        item = packet.item
        try:
            if isinstance(item, p.SignedChunk):
                item.verify(state.device, packet.data)
            else:
                item.verify(state.device)
        except p.ProtocolError as exc:
            return self._refuse(state, exc.field, exc.error, exc.code)
        if packet.tx <= state.last_tx:
            return self._refuse(state, "tx", "a packet counter already seen: a replay", "replay")
        state.last_tx = packet.tx
        if isinstance(item, p.SignedChunk):
            have = state.chunks.setdefault(item.blob, {})
            have[item.index] = packet.data
            missing = sorted(set(range(item.count)) - set(have))
            return p.Response(next_seq=state.last_seq + 1, routing=self._routing(),
                              chunk={"blob": item.blob, "index": item.index, "missing": missing})
        return self._record(state, item, packet)

    def _record(self, state: TerminalState, record: p.SignedRecord, packet: p.Packet) -> p.Response:
        if record.seq <= state.last_seq:
            known = state.records[record.seq]
            if known.hash != record.hash:
                return self._refuse(state, "seq", f"record {record.seq} was signed twice: a fork", "fork")
            return self._ack(state, record, **self._repeat(state, record, packet))
        if record.seq != state.last_seq + 1:
            return self._refuse(state, "seq", f"expected record {state.last_seq + 1}", "gap")
        if record.prev != state.last_hash:
            return self._refuse(state, "prev", "does not chain to the last record", "chain")
        blob = None
        if record.blob is not None:
            info = record.blob
            if info.chunks == 1:
                blob = packet.data
            else:
                have = state.chunks.get(info.sha256, {})
                missing = sorted(set(range(info.chunks)) - set(have))
                if missing:
                    return p.Response(next_seq=state.last_seq + 1, routing=self._routing(),
                                      chunk={"blob": info.sha256, "index": 0, "missing": missing})
                blob = b"".join(have[i] for i in range(info.chunks))
            if hashlib.sha256(blob).hexdigest() != info.sha256:
                return self._refuse(state, "data", "the blob does not match its record", "ciphertext_mismatch")
        extra: dict[str, Any] = {}
        if record.kind == "complaint":
            if record.data["locator"] in self.complaints:
                return self._refuse(state, "locator", "already taken", "locator_taken")
            self.complaints[record.data["locator"]] = ComplaintState(record.terminal, record.seq, dict(record.data),
                                                                    blob)
            extra["ledger"] = self._enter(state, record)
        elif record.kind == "message":
            complaint = self._proven(record.data["locator"], packet.secret)
            if complaint is None:
                extra["message"] = {"status": "wrong_receipt"}
            else:
                complaint.thread.append(("message", blob))
                self.messages.append((record.data["locator"], blob))
                extra["message"] = {"status": "ok"}
                extra["ledger"] = self._enter(state, record)
        elif record.kind == "lookup":
            extra["lookup"] = self._lookup(record, packet.secret)
        state.records[record.seq] = record
        state.last_seq, state.last_hash = record.seq, record.hash
        if record.blob is not None:
            state.chunks.pop(record.blob.sha256, None)
        if record.kind == "lookup":
            self._answered[(record.terminal, record.seq)] = extra["lookup"]
        if record.kind == "message":
            self._answered[(record.terminal, record.seq)] = extra["message"]
        return self._ack(state, record, **extra)

    def _repeat(self, state: TerminalState, record: p.SignedRecord, packet: p.Packet) -> dict[str, Any]:
        """The same answer for the same record: the same ledger index, the same lookup answer."""
        extra: dict[str, Any] = {}
        if record.seq in state.ledger_of:
            extra["ledger"] = self._proof(state, record)
        if record.kind == "lookup":
            extra["lookup"] = self._answered[(record.terminal, record.seq)]
        if record.kind == "message":
            extra["message"] = self._answered[(record.terminal, record.seq)]
        return extra

    def _enter(self, state: TerminalState, record: p.SignedRecord) -> p.LedgerProof:
        salt = secrets.token_bytes(32)
        body = p.receipt_record(terminal=record.terminal, seq=record.seq, record_hash=record.hash,
                                blob_sha256=record.blob.sha256)
        entry = encode_public_entry(p.RECEIPT_KIND, {"time": coarse_time(p.RECEIPT_KIND, datetime.now(UTC)),
                                                     "commitment": commitment(p.RECEIPT_KIND, salt, body)})
        index = self.tree.append(entry)
        self._entries[index] = entry
        state.ledger_of[record.seq] = (index, salt)
        return self._proof(state, record)

    def _proof(self, state: TerminalState, record: p.SignedRecord) -> p.LedgerProof:
        index, salt = state.ledger_of[record.seq]
        size = self.tree.size
        return p.LedgerProof(index, size, self.tree.root(size), self.tree.inclusion_proof(index, size),
                             self._entries[index], salt)

    def _ack(self, state: TerminalState, record: p.SignedRecord, **extra: Any) -> p.Response:
        ack = p.sign_ack(self.ack_key, record=record, **extra)
        return p.Response(next_seq=state.last_seq + 1, ack=ack, routing=self._routing())

    # -- follow-up ------------------------------------------------------------------------------

    def _proven(self, locator: str, token: bytes) -> ComplaintState | None:
        complaint = self.complaints.get(locator)
        if complaint is None or not hmac.compare_digest(
                hashlib.sha256(token).hexdigest(), complaint.record["lookup_digest"]):
            return None
        return complaint

    def _lookup(self, record: p.SignedRecord, token: bytes) -> dict[str, Any]:
        self.lookups += 1
        locator = record.data["locator"]
        if record.data["step"] == "salt":
            complaint = self.complaints.get(locator)
            # An unknown locator gets a stable made-up salt, so existence does not leak.
            salt = (complaint.record["lookup_salt"] if complaint
                    else hmac.new(self._salt_key, locator.encode(), "sha256").hexdigest()[:32])
            return {"step": "salt", "status": "ok", "salt": salt}
        complaint = self._proven(locator, token)
        blank = {"step": "thread", "complaint_status": None, "recipients": None, "count": None, "item": None,
                 "kind": None, "total": None, "sha256": None, "offset": None, "data": None}
        if complaint is None:
            return {**blank, "status": "wrong_receipt"}
        answer = {**blank, "status": "ok", "complaint_status": complaint.status,
                  "recipients": complaint.record["recipients"], "count": len(complaint.thread)}
        item, offset = record.data["item"], record.data["offset"]
        if item < len(complaint.thread):
            kind, data = complaint.thread[item]
            answer.update(item=item, kind=kind, total=len(data), sha256=hashlib.sha256(data).hexdigest(),
                          offset=offset, data=p.b64(data[offset:offset + p.LOOKUP_PAGE]))
        return answer

    def reply(self, locator: str, text: str, *, by: str = "npm-kz") -> None:
        """An officer's reply, sealed to the receipt's reply recipient (as the server would)."""
        complaint = self.complaints[locator]
        doc = Reply(text=text, by_organisation=by, sent_at=datetime.now(UTC))
        recipient = x25519.Recipient.from_str(complaint.record["reply_recipient"])
        with self._lock:
            complaint.thread.append(("reply", pyrage.encrypt(pad(doc.to_json()), [recipient])))


class _PacketHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        packet = self.rfile.read(int(self.headers["Content-Length"]))
        answer = self.server.fake.handle(packet)
        self.send_response(200 if answer else 400)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@contextmanager
def serve_http(fake: FakeServer) -> Iterator[str]:
    """The fake server behind a real HTTP server on loopback; yields its address."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _PacketHandler)
    httpd.fake = fake
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
