"""The sender: one fixed-size packet per tick of a steady schedule, whatever there is to say.

Each tick sends exactly one packet (``custodywatch_protocol.terminal``): the next chunk of the
oldest record still waiting, that record itself, or, when nothing waits, a new heartbeat. So the
network sees the same packet at the same rhythm whether a detainee has just filed a complaint or
nobody has touched the terminal all week.

The oldest record waiting is sent again on every tick until the server's acknowledgement for it
verifies (signature, record hash, and for complaints and messages the inclusion proof of its
``complaint:receipt`` entry under the signed root); re-sending the same signed record is
idempotent on the server. While the network is down the records stay in the outbox and no new
heartbeats pile up: the waiting one is the next thing said when the network returns.

Answers carry acknowledgements, lookup answers and routing list updates; the sender verifies
them and hands lookup answers to whoever waits for them (``wait_for``). The packet secret of a
lookup (the token proving a receipt) lives only in memory, in ``secrets``: a lookup is worth
nothing once its asker has gone. A follow-up message's secret must outlive a restart, so it is
stored with the record, sealed to the server's transport key and bound to this record
(``keep_secret``): the terminal sends it as it is and cannot open it.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from custodywatch_protocol import terminal as p
from custodywatch_protocol.routing import RoutingError
from custodywatch_terminal.config import TerminalConfig
from custodywatch_terminal.device import Keys
from custodywatch_terminal.outbox import Outbox, OutboxError, Stored
from custodywatch_terminal.routing import RoutingKeeper
from custodywatch_terminal.transport import Transport, TransportDown

__all__ = ["Outcome", "Sender"]

log = logging.getLogger("custodywatch_terminal.sender")
TX_COUNTER = "tx"
CONTACT_STATE = "last_contact"
REFUSAL_STATE = "last_refusal"  # field, code and error of the server's last refusal: never content


class Outcome(StrEnum):
    DELIVERED = "delivered"  # an acknowledgement verified
    SENT = "sent"  # the server answered, nothing was acknowledged yet (a chunk, or a pending ledger entry)
    REFUSED = "refused"  # the server refused the record
    BAD_ANSWER = "bad_answer"  # the answer did not verify
    DOWN = "down"  # no answer


@dataclass
class _Waiter:
    event: threading.Event = field(default_factory=threading.Event)


class Sender:
    def __init__(self, *, outbox: Outbox, config: TerminalConfig, keys: Keys, transport: Transport,
                 routing: RoutingKeeper, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.outbox = outbox
        self.config = config
        self.keys = keys
        self.transport = transport
        self.routing = routing
        self.clock = clock
        self.secrets: dict[int, bytes] = {}
        self._missing: dict[str, set[int]] = {}
        self._waiters: dict[int, _Waiter] = {}
        self._answers: dict[int, p.Ack] = {}  # lookup and message answers nobody has collected yet
        self._lock = threading.Lock()
        self._tick_lock = threading.Lock()
        self.running = False
        self.last_contact: datetime | None = None
        self.last_outcome: Outcome | None = None
        self.last_refusal: dict[str, Any] | None = None
        self._contact_saved: datetime | None = None
        self.ticks = 0  # ticks done since start (answered or not)
        # Ledger indices of complaints and messages acknowledged since start, by record number:
        # in memory only, since the outbox forgets delivered records.
        self.delivered: dict[int, int | None] = {}
        self.relocated: dict[int, str] = {}  # record number -> the new locator drawn for it

    # -- building records ---------------------------------------------------------------------

    def append(self, kind: str, *, blob: bytes | None = None, secret: bytes = b"", keep_secret: bool = False,
               **fields: Any) -> Stored:
        """Sign and store a record of ``kind`` as the next link of the chain. Its ``secret`` is kept
        in memory, or with ``keep_secret`` sealed to the server in the outbox, in the same write."""
        if blob is not None:
            fields["blob"] = p.Blob.of(blob)

        def build(seq: int, prev: str | None) -> tuple[bytes, str]:
            record = p.sign_record(self.keys.device, kind=kind, terminal=self.config.terminal_id, seq=seq,
                                   prev=prev or p.ZERO_HASH, **fields)
            if secret and not keep_secret:
                self.secrets[seq] = secret
            return record.signed, record.hash

        def seal(signed: bytes) -> bytes:
            return p.seal_secret(secret, server_key=self.config.transport_public,
                                 record=p.parse_signed_record(signed))

        return self.outbox.append(kind, build, blob=blob, seal=seal if secret and keep_secret else None)

    def _heartbeat(self) -> Stored:
        at = self.clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return self.append("heartbeat", at=at, queued=self.outbox.pending_count())

    # -- one tick -----------------------------------------------------------------------------

    def tick(self) -> Outcome:
        """Send one packet and handle its answer."""
        with self._tick_lock:
            waiting = self.outbox.pending(limit=1)
            if not waiting:
                self._heartbeat()
                # A complaint filed meanwhile may have taken the number before the heartbeat's.
                waiting = self.outbox.pending(limit=1)
            stored = waiting[0]
            record = p.parse_signed_record(stored.body)
            item, data = self._next_piece(stored, record)
            tx = self.outbox.next_counter(TX_COUNTER)
            # The secret goes with the record only (a chunk needs none).
            secret = (stored.secret or self.secrets.get(stored.seq, b"")) if item is record else b""
            packet, key = p.seal_packet(item, tx=tx, server_key=self.config.transport_public,
                                        transport_key=self.keys.transport, secret=secret, data=data)
            try:
                raw = self.transport.exchange(packet)
                response = p.open_response(raw, key)
            except TransportDown as exc:
                log.info("no answer from the server: %s", exc)
                return self._done(Outcome.DOWN)
            except p.ProtocolError as exc:
                log.warning("the server's answer does not open: %s", exc)
                return self._done(Outcome.BAD_ANSWER)
            self._contact()
            return self._done(self._handle(response, stored, record, item))

    def _done(self, outcome: Outcome) -> Outcome:
        self.last_outcome = outcome
        self.ticks += 1
        if outcome is Outcome.DELIVERED and self.last_refusal is not None:
            self.last_refusal = None
            self.outbox.set_state(REFUSAL_STATE, b"null")
        return outcome

    def _contact(self) -> None:
        """Remember the last answer (durably about once a minute, for ``status`` in another process)."""
        now = self.last_contact = self.clock()
        if self._contact_saved is None or abs((now - self._contact_saved).total_seconds()) >= 60:
            self.outbox.set_state(CONTACT_STATE, now.isoformat().encode())
            self._contact_saved = now

    def saved_contact(self) -> datetime | None:
        raw = self.outbox.get_state(CONTACT_STATE)
        return datetime.fromisoformat(raw.decode()) if raw else None

    def saved_refusal(self) -> dict[str, Any] | None:
        raw = self.outbox.get_state(REFUSAL_STATE)
        return json.loads(raw) if raw else None

    def _next_piece(self, stored: Stored, record: p.SignedRecord) -> tuple[p.SignedRecord | p.SignedChunk, bytes]:
        blob_info = record.blob
        if blob_info is None:
            return record, b""
        blob = self.outbox.blob(blob_info.sha256)
        if blob_info.chunks == 1:
            return record, blob
        missing = self._missing.setdefault(blob_info.sha256, set(range(blob_info.chunks)))
        if not missing:
            return record, b""
        index = min(missing)
        piece = p.split_blob(blob)[index]
        chunk = p.sign_chunk(self.keys.device, terminal=self.config.terminal_id, blob=blob_info.sha256,
                             index=index, count=blob_info.chunks, piece=piece)
        return chunk, piece

    def _handle(self, response: p.Response, stored: Stored, record: p.SignedRecord,
                item: p.SignedRecord | p.SignedChunk) -> Outcome:
        if response.routing is not None:
            self._offer_routing(response.routing)
        if isinstance(item, p.SignedChunk):
            self._missing.get(item.blob, set()).discard(item.index)
        if response.chunk is not None and record.blob is not None:
            self._chunk_answer(response.chunk, record.blob)
        if response.ack is not None:
            if self._take_ack(*response.ack):
                return Outcome.DELIVERED
            return Outcome.BAD_ANSWER
        if response.refused is not None:
            self.last_refusal = {k: str(response.refused.get(k, ""))[:200] for k in ("field", "code", "error")}
            self.last_refusal["seq"] = str(stored.seq)
            self.outbox.set_state(REFUSAL_STATE, json.dumps(self.last_refusal).encode())
            if response.refused.get("code") == "locator_taken" and record.kind == "complaint" and item is record:
                self._relocate(stored.seq)
            log.warning("record %d refused: %s", stored.seq, response.refused)
            return Outcome.REFUSED
        return Outcome.SENT

    def _relocate(self, seq: int) -> None:
        """Another complaint holds this locator (one chance in 10^8): draw a new one and sign the
        complaint and the records after it again, as the protocol allows for a refused record.
        The salt and lookup digest stay, so the receipt's secret digits still work with the new
        locator (``relocated`` tells the agent, which gives the kiosk the corrected code)."""
        locator = secrets.choice(range(10**8))
        new_locator = f"{locator:08d}"

        def rebuild(old: Stored, prev: str | None) -> tuple[bytes, str]:
            data = dict(p.parse_signed_record(old.body).data)
            fields = {k: v for k, v in data.items() if k not in ("v", "type", "kind", "terminal", "seq", "prev")}
            if old.seq == seq:
                fields["locator"] = new_locator
            record = p.sign_record(self.keys.device, kind=data["kind"], terminal=data["terminal"], seq=old.seq,
                                   prev=prev or p.ZERO_HASH, **fields)
            return record.signed, record.hash

        self.outbox.rewrite_from(seq, rebuild)
        with self._lock:
            self.relocated[seq] = new_locator
        log.warning("record %d: the locator was taken; a new one was drawn and the records signed again", seq)

    def _offer_routing(self, pair: tuple[bytes, bytes]) -> None:
        try:
            self.routing.offer(*pair)
        except RoutingError as exc:
            log.warning("routing list refused: %s", exc)

    def _chunk_answer(self, answer: Any, blob: p.Blob) -> None:
        """The server says which chunks of ``blob`` it still lacks."""
        if not isinstance(answer, dict) or answer.get("blob") != blob.sha256:
            return
        missing = answer.get("missing")
        if isinstance(missing, list) and all(isinstance(i, int) and 0 <= i < blob.chunks for i in missing):
            self._missing[blob.sha256] = set(missing)

    def _take_ack(self, body: bytes, signature: bytes) -> bool:
        try:
            seq = json.loads(body)["seq"]
            stored = self.outbox.get(seq) if isinstance(seq, int) else None
            if stored is None or stored.body is None:
                # Already delivered (a repeated acknowledgement) or not ours: nothing to do.
                return stored is not None
            record = p.parse_signed_record(stored.body)
            ack = p.verify_ack(body, signature, server_key=self.config.ack_public, record=record)
            self.outbox.acknowledge(seq, record.hash, ack.ledger.index if ack.ledger else None)
        except (ValueError, KeyError, TypeError, p.ProtocolError, OutboxError) as exc:
            log.warning("acknowledgement refused: %s", exc)
            return False
        if record.blob is not None:
            self._missing.pop(record.blob.sha256, None)
        self.secrets.pop(seq, None)
        if record.kind in ("complaint", "message"):
            with self._lock:
                self.delivered[seq] = ack.ledger.index if ack.ledger else None
                while len(self.delivered) > 500:  # the kiosk asks only about the receipt it is showing
                    self.delivered.pop(next(iter(self.delivered)))
        if record.kind in ("lookup", "message"):
            with self._lock:
                self._answers[seq] = ack
                waiter = self._waiters.pop(seq, None)
            if waiter is not None:
                waiter.event.set()
        return True

    # -- waiting for answers --------------------------------------------------------------------

    def wait_for(self, seq: int, *, timeout: float, max_ticks: int = 200) -> p.Ack | None:
        """The verified acknowledgement of record ``seq``, or None if it does not come in time.

        With the schedule running in its thread this waits for it; otherwise (a command, a test)
        it drives the ticks itself, so the answer comes without anyone sleeping.
        """
        with self._lock:
            if seq in self._answers:
                return self._answers.pop(seq)
            waiter = self._waiters.setdefault(seq, _Waiter())
        if self.running:
            # Give up early when the network does not answer: the person at the kiosk is told so
            # at once, and the question stays queued (it is answered, unread, when the network returns).
            start, deadline = self.ticks, time.monotonic() + timeout
            slice_ = min(float(self.config.schedule_seconds), 1.0)
            while not waiter.event.wait(slice_) and time.monotonic() < deadline:
                if self.ticks > start and self.last_outcome is Outcome.DOWN:
                    break
        else:
            deadline = time.monotonic() + timeout
            for _ in range(max_ticks):
                if waiter.event.is_set() or time.monotonic() > deadline:
                    break
                if self.tick() is Outcome.DOWN:
                    break
        with self._lock:
            self._waiters.pop(seq, None)
            return self._answers.pop(seq, None)

    # -- the schedule ---------------------------------------------------------------------------

    def run(self, stop: threading.Event, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        """Tick every ``schedule_seconds`` on a fixed grid (a slow answer does not shift it)."""
        interval = float(self.config.schedule_seconds)
        self.running = True
        try:
            next_at = monotonic()
            while not stop.is_set():
                try:
                    self.tick()
                except Exception:  # the schedule must go on: the next tick tries again
                    log.exception("tick failed")
                next_at += interval
                now = monotonic()
                if next_at < now:  # missed ticks are skipped, not sent in a burst
                    next_at = now + interval - ((now - next_at) % interval)
                stop.wait(next_at - now)
        finally:
            self.running = False

