"""A stand-in for the terminal agent's Python API, in memory, until custodywatch_terminal.agent lands.

It validates with the real sealing rules and derives with the real receipts module; it does not
seal or send. To be replaced by the agent itself.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

from custodywatch_terminal import receipts, sealing


class LookupRefused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class Filed:
    receipt: receipts.Receipt
    ledger_index: int | None = None


@dataclass
class Entry:
    kind: str
    text: str
    by_organisation: str = ""
    sent_at: datetime | None = None


@dataclass
class Thread:
    status: str = "received"
    ledger_index: int | None = None
    entries: list[Entry] = field(default_factory=list)


class StandInAgent:
    def __init__(self) -> None:
        self.threads: dict[str, Thread] = {}
        self.secrets: dict[str, str] = {}
        self.delivered: dict[str, int] = {}
        self.filed: list[sealing.Complaint] = []
        self._lock = threading.Lock()

    def file_complaint(self, form):
        complaint = sealing.Complaint(**form, filed_at=datetime.now(UTC))
        receipt = receipts.new_receipt()
        with self._lock:
            self.filed.append(complaint)
            self.threads[receipt.locator] = Thread()
            self.secrets[receipt.locator] = receipt.secret
        return Filed(receipt)

    def _thread(self, code: str) -> Thread:
        receipt = receipts.parse(code)
        if self.secrets.get(receipt.locator) != receipt.secret:
            raise LookupRefused("unknown")
        return self.threads[receipt.locator]

    def follow_up(self, code: str):
        return self._thread(code)

    def add_message(self, code: str, *, text: str, voice: bytes | None):
        thread = self._thread(code)
        message = sealing.Message(text=text, voice=voice, filed_at=datetime.now(UTC))
        thread.entries.append(Entry("message", message.text, sent_at=message.filed_at))

    def status(self):
        return {"delivered": dict(self.delivered)}

    # what the server side would do
    def deliver(self, locator: str, index: int) -> None:
        self.delivered[locator] = index
        self.threads[locator].ledger_index = index

    def reply(self, locator: str, text: str, by: str = "npm") -> None:
        self.threads[locator].entries.append(Entry("reply", text, by, datetime.now(UTC)))
        self.threads[locator].status = "under_review"
