"""What the kiosk asks of the terminal agent: file, follow up, add a message, say how things stand.

``file_complaint`` validates the form (``sealing.Complaint``: each refusal names the field),
draws a receipt, derives its lookup token and reply identity (Argon2id, ``receipts.derive``),
seals the complaint to the routing list's bodies and the recovery key, and stores the sealed blob
with its signed record in the outbox, all before it returns. The plaintext and the receipt code
exist only in memory; what reaches the disk is the ciphertext and the record (locator, salt,
digest of the lookup token, reply recipient). The kiosk shows the receipt at once and the ledger
index when the acknowledgement has come (``receipt_status``).

``follow_up`` and ``add_message`` ask the server through the same steady packet schedule: the
salt of the locator, then the thread (proving the lookup token, which travels only as a packet
secret), decrypting officers' replies with the reply identity derived from the code.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from custodywatch_protocol import terminal as p
from custodywatch_terminal import receipts
from custodywatch_terminal.config import TerminalConfig
from custodywatch_terminal.device import load_keys
from custodywatch_terminal.outbox import OUTBOX_FILE, Outbox
from custodywatch_terminal.receipts import Derived, Receipt
from custodywatch_terminal.routing import RoutingKeeper
from custodywatch_terminal.sealing import Complaint, Message, PlaintextError, Reply, open_sealed, seal, seal_complaint
from custodywatch_terminal.sender import Outcome, Sender
from custodywatch_terminal.transport import HttpTransport, Transport

__all__ = ["Agent", "Filed", "FollowUpError", "NotReady", "State", "Status", "Thread", "ThreadItem"]

log = logging.getLogger("custodywatch_terminal.agent")

FORM_FIELDS = frozenset({"category", "text", "voice", "anonymous", "name", "minor", "private_visit", "urgent_danger",
                         "reprisal_risk", "language"})


class NotReady(RuntimeError):
    """The terminal cannot seal yet: it has no routing list."""


class FollowUpError(RuntimeError):
    """A follow-up did not work. ``code`` is ``unknown`` (no complaint has this code: the server
    does not say whether the locator exists), ``rate_limited`` or ``no_answer`` (no network)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class State(StrEnum):
    DELIVERED = "delivered"  # nothing waits: every complaint is acknowledged
    SENDING = "sending"  # the network answers and records are on their way
    WAITING_FOR_NETWORK = "waiting for network"  # records wait and the server does not answer
    NOT_READY = "not ready"  # no routing list yet: complaints cannot be sealed


@dataclass(frozen=True)
class Status:
    state: State
    waiting: int  # complaints and messages not yet acknowledged
    last_contact: datetime | None
    routing_version: int | None
    routing_expires_at: datetime | None
    routing_expired: bool
    # Ledger indices of the complaints filed since the agent started, by locator, once acknowledged
    # (the kiosk's receipt page asks for its own; kept in memory only).
    delivered: Mapping[str, int] = field(default_factory=dict)
    refused: Mapping[str, str] | None = None  # the server's last refusal (record, field, code), if unresolved


@dataclass(frozen=True)
class Filed:
    """A complaint as the kiosk shows it: its receipt, and its ledger index once acknowledged."""

    receipt: Receipt
    seq: int
    ledger_index: int | None = None

    @property
    def delivered(self) -> bool:
        return self.ledger_index is not None


@dataclass(frozen=True)
class ThreadItem:
    kind: str  # "reply" or "message"
    text: str  # empty for the complainant's own messages: sealed to the bodies, not to the code
    by_organisation: str
    sent_at: datetime | None
    readable: bool


@dataclass(frozen=True)
class Thread:
    locator: str
    status: str  # the complaint's status on the server (ComplaintStatus)
    entries: tuple[ThreadItem, ...]
    ledger_index: int | None = None


class Agent:
    """The terminal agent of one state directory."""

    def __init__(self, state_dir: Path, *, transport: Transport | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 derive: Callable[[str, bytes], Derived] = receipts.derive, wait_seconds: float = 120.0) -> None:
        self.state_dir = state_dir
        self.config = TerminalConfig.load(state_dir)
        self.keys = load_keys(state_dir)
        self.outbox = Outbox(state_dir / OUTBOX_FILE)
        self.clock = clock
        self.derive = derive  # tests pass a cheaper derivation here; the default is the real one
        self.wait_seconds = wait_seconds
        self.routing = RoutingKeeper(self.outbox, self.config.routing_public, clock)
        self.sender = Sender(outbox=self.outbox, config=self.config, keys=self.keys,
                             transport=transport or HttpTransport(self.config.server), routing=self.routing,
                             clock=clock)
        self._stop = threading.Event()
        self._filed: dict[str, int] = {}  # locator -> record number, this run only
        self._filed_lock = threading.Lock()  # the kiosk serves each request in its own thread
        orphans = sum(1 for s in self.outbox.pending() if s.kind == "message" and not s.secret)
        if orphans:
            # Queued by a version that kept their lookup tokens in memory only: the server will
            # answer them as not proven.
            log.warning("%d message(s) from before the restart wait without their receipt's proof", orphans)
        self._thread: threading.Thread | None = None

    # -- the schedule ---------------------------------------------------------------------------

    def start(self) -> None:
        """Run the sender's schedule in a background thread."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self.sender.run, args=(self._stop,), name="sender", daemon=True)
            self._thread.start()

    def wait(self) -> None:
        """Block until ``close`` is called (from a signal handler or another thread)."""
        self._stop.wait()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        self.outbox.close()

    # -- filing -----------------------------------------------------------------------------------

    def file_complaint(self, form: Mapping[str, Any] | Complaint) -> Filed:
        """Seal and store a complaint; return its receipt. ``PlaintextError`` names a bad field."""
        complaint = form if isinstance(form, Complaint) else self._complaint(form)
        routing = self.routing.current()
        if routing is None:
            raise NotReady("this terminal has no routing list yet")
        receipt = receipts.new_receipt()
        salt = receipts.new_salt()
        derived = self.derive(receipt.secret, salt)
        sealed = seal_complaint(complaint, routing=routing,
                                facility_holds_children=self.config.facility_holds_children)
        stored = self.sender.append(
            "complaint", blob=sealed.ciphertext, bucket=sealed.bucket, priority=sealed.priority.value,
            recipients=list(sealed.recipients), routing_version=routing.version, locator=receipt.locator,
            lookup_salt=salt.hex(), lookup_digest=derived.lookup_digest, reply_recipient=derived.reply_recipient)
        with self._filed_lock:
            self._filed[receipt.locator] = stored.seq
            while len(self._filed) > 200:  # the kiosk asks only about the receipt it is showing
                self._filed.pop(next(iter(self._filed)))
        return Filed(receipt, stored.seq)

    def _delivered(self) -> dict[str, int]:
        with self._filed_lock:
            filed = dict(self._filed)
        return {loc: i for loc, seq in filed.items() if (i := self.sender.delivered.get(seq)) is not None}

    def _ledger_index_of(self, locator: str) -> int | None:
        with self._filed_lock:
            seq = self._filed.get(locator)
        return self.sender.delivered.get(seq) if seq is not None else None

    def _complaint(self, form: Mapping[str, Any]) -> Complaint:
        unknown = sorted(set(form) - FORM_FIELDS)
        if unknown:
            raise PlaintextError(unknown[0], "unknown", "is not a field of the complaint form")
        return Complaint(**{**form, "filed_at": self.clock()})

    def receipt_status(self, filed: Filed) -> Filed:
        """``filed`` with its ledger index if the acknowledgement has come (since this agent started),
        and with a corrected receipt if the server made the terminal draw another locator."""
        receipt = filed.receipt
        moved = self.sender.relocated.get(filed.seq)
        if moved is not None and moved != receipt.locator:  # the kiosk must show the corrected code
            receipt = Receipt(moved, receipt.secret)
            with self._filed_lock:
                self._filed[moved] = filed.seq
        return Filed(receipt, filed.seq, self.sender.delivered.get(filed.seq, filed.ledger_index))

    # -- follow-up --------------------------------------------------------------------------------

    def _ask(self, kind: str, *, secret: bytes = b"", **fields: Any) -> p.Ack:
        stored = self.sender.append(kind, secret=secret, **fields)
        # The question waits behind what is already queued, one record per tick.
        ahead = self.outbox.pending_count() - 1
        timeout = self.wait_seconds + ahead * float(self.config.schedule_seconds)
        ack = self.sender.wait_for(stored.seq, timeout=timeout)
        if ack is None:
            raise FollowUpError("no_answer")
        return ack

    def _lookup(self, locator: str, step: str, *, token: bytes = b"", item: int = 0, offset: int = 0) -> dict:
        ack = self._ask("lookup", secret=token, locator=locator, step=step, item=item, offset=offset)
        answer = ack.lookup
        if not isinstance(answer, dict) or answer.get("step") != step:
            raise FollowUpError("no_answer")
        if answer.get("status") != "ok":
            raise FollowUpError({"wrong_receipt": "unknown", "rate_limited": "rate_limited"}.get(
                answer.get("status"), "no_answer"))
        return answer

    def _unlock(self, code: str) -> tuple[Receipt, Derived]:
        receipt = receipts.parse(code)  # ReceiptError says what is wrong with the code as typed
        answer = self._lookup(receipt.locator, "salt")
        try:
            salt = bytes.fromhex(answer["salt"])
        except (TypeError, ValueError):
            raise FollowUpError("no_answer") from None
        return receipt, self.derive(receipt.secret, salt)

    def _item(self, locator: str, token: bytes, first: dict, index: int) -> tuple[str, bytes]:
        page = first if first.get("item") == index else self._lookup(locator, "thread", token=token, item=index)
        total, digest, kind = page["total"], page["sha256"], page["kind"]
        data = _unb64(page["data"])
        while len(data) < total:
            page = self._lookup(locator, "thread", token=token, item=index, offset=len(data))
            more = _unb64(page["data"])
            if not more:
                raise FollowUpError("no_answer")
            data += more
        if hashlib.sha256(data).hexdigest() != digest:
            raise FollowUpError("no_answer")
        return kind, data

    def follow_up(self, code: str) -> Thread:
        """Read a complaint's thread with its receipt code: officers' replies decrypted here."""
        receipt, derived = self._unlock(code)
        first = self._lookup(receipt.locator, "thread", token=derived.lookup_token)
        items = []
        for index in range(first.get("count") or 0):
            kind, sealed = self._item(receipt.locator, derived.lookup_token, first, index)
            items.append(self._read(kind, sealed, derived))
        return Thread(receipt.locator, first.get("complaint_status") or "received", tuple(items),
                      self._ledger_index_of(receipt.locator))

    def _read(self, kind: str, sealed: bytes, derived: Derived) -> ThreadItem:
        unreadable = ThreadItem(kind, "", "", None, readable=False)
        if kind != "reply":
            return unreadable
        try:
            doc = open_sealed(sealed, [derived.reply_identity])
        except PlaintextError:
            return unreadable
        if not isinstance(doc, Reply):
            return unreadable
        return ThreadItem(kind, doc.text, doc.by_organisation, doc.sent_at, readable=True)

    def add_message(self, code: str, *, text: str = "", voice: bytes | None = None) -> int:
        """Seal a later message to the complaint's recipients and queue it; returns its record number."""
        message = Message(text=text, voice=voice, filed_at=self.clock())
        receipt, derived = self._unlock(code)
        first = self._lookup(receipt.locator, "thread", token=derived.lookup_token)
        routing = self.routing.current()
        if routing is None:
            raise NotReady("this terminal has no routing list yet")
        keys = self._recipient_keys(first.get("recipients") or [], routing)
        sealed = seal(message, [*keys, routing.recovery])
        # The token is kept sealed to the server with the message: it is delivered after a restart.
        stored = self.sender.append("message", blob=sealed.ciphertext, bucket=sealed.bucket, locator=receipt.locator,
                                    secret=derived.lookup_token, keep_secret=True)
        return stored.seq

    @staticmethod
    def _recipient_keys(recipients: list, routing: p.RoutingList) -> list[str]:
        """The age keys of the complaint's recipients: given directly, or by organisation code."""
        by_code = {r.organisation: r.age for r in routing.recipients}
        keys = []
        for r in recipients:
            if isinstance(r, str) and r.startswith("age1"):
                keys.append(r)
            elif isinstance(r, str) and r in by_code:
                keys.append(by_code[r])
            else:
                log.warning("a recipient of the complaint is not in the routing list: sealed to the recovery key")
        return keys

    # -- status -----------------------------------------------------------------------------------

    def status(self) -> Status:
        routing = self.routing.current()
        waiting = self.outbox.pending_count("complaint") + self.outbox.pending_count("message")
        if routing is None:
            state = State.NOT_READY
        elif waiting == 0:
            state = State.DELIVERED
        elif self.sender.last_outcome in (None, Outcome.DOWN, Outcome.BAD_ANSWER):
            state = State.WAITING_FOR_NETWORK
        else:
            state = State.SENDING
        contact = self.sender.last_contact or self.sender.saved_contact()
        return Status(state=state, waiting=waiting, last_contact=contact,
                      routing_version=routing.version if routing else None,
                      routing_expires_at=routing.expires_at if routing else None,
                      routing_expired=routing is not None and self.clock() >= routing.expires_at,
                      delivered=self._delivered(),
                      refused=self.sender.last_refusal or self.sender.saved_refusal())


def _unb64(value: object) -> bytes:
    if not isinstance(value, str):
        raise FollowUpError("no_answer")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise FollowUpError("no_answer") from None
