"""Batching sequencer for high-rate producers (video segment manifests, heartbeats).

Producers ``submit`` entries from any thread and get a ``PendingEntry`` back at once. One worker
thread gathers submissions into batches (up to ``max_batch`` entries, or what arrived within
``max_delay`` seconds of the batch's first entry) and appends each batch with ``append_entries``
in one transaction, so one commit (one fsync) covers thousands of entries. A ``PendingEntry``
learns its index only after that commit: an acknowledged entry survives a crash, and a crash
before the commit loses only entries nobody was told about.

``append_entry`` submits to a process-wide sequencer started on first use. Code that must log in
the same transaction as its own change calls ``services.append_entries`` instead.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Mapping

from django.db import OperationalError, connections

from ledger import selectors
from ledger.encoding import NewEntry, encode_entry
from ledger.services import append_entries

logger = logging.getLogger(__name__)

MAX_BATCH = 4096
MAX_DELAY = 0.25
_RETRIES = 3


class SequencerClosedError(RuntimeError):
    """The sequencer no longer accepts entries."""


class _Batch:
    __slots__ = ("committed", "entries", "error", "first_at", "start")

    def __init__(self) -> None:
        self.entries: list[NewEntry] = []
        self.first_at = 0.0
        self.start: int | None = None
        self.error: BaseException | None = None
        self.committed = threading.Event()


class PendingEntry:
    """A submitted entry; ``wait()`` returns its index once the batch holding it has committed."""

    __slots__ = ("_batch", "_position", "entry")

    def __init__(self, entry: NewEntry, batch: _Batch, position: int) -> None:
        self.entry = entry
        self._batch = batch
        self._position = position

    @property
    def leaf_hash(self) -> bytes:
        return self.entry.leaf_hash

    def done(self) -> bool:
        """True once the batch has committed or failed."""
        return self._batch.committed.is_set()

    @property
    def index(self) -> int | None:
        """The entry's index if committed, else None."""
        batch = self._batch
        if batch.committed.is_set() and batch.start is not None:
            return batch.start + self._position
        return None

    def wait(self, timeout: float | None = None) -> int:
        """Block until committed and return the index; raise ``TimeoutError`` or the commit's error."""
        batch = self._batch
        if not batch.committed.wait(timeout):
            raise TimeoutError("the ledger entry has not been committed yet")
        if batch.error is not None:
            raise batch.error
        assert batch.start is not None
        return batch.start + self._position


class Sequencer:
    """A worker thread appending submitted entries in batches; see the module docstring."""

    def __init__(self, *, max_batch: int = MAX_BATCH, max_delay: float = MAX_DELAY) -> None:
        if max_batch < 1 or max_delay < 0:
            raise ValueError("max_batch must be positive and max_delay not negative")
        self.max_batch = max_batch
        self.max_delay = max_delay
        self._cond = threading.Condition()
        self._open = _Batch()
        self._flush = False
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="ledger-sequencer", daemon=True)
        self._thread.start()

    def submit(self, entry: NewEntry) -> PendingEntry:
        """Queue ``entry`` for the next batch; blocks only while the open batch is full."""
        with self._cond:
            while len(self._open.entries) >= self.max_batch and not self._closed:
                self._cond.wait()
            if self._closed:
                raise SequencerClosedError("the ledger sequencer is closed")
            batch = self._open
            if not batch.entries:
                batch.first_at = time.monotonic()
            batch.entries.append(entry)
            pending = PendingEntry(entry, batch, len(batch.entries) - 1)
            if len(batch.entries) == 1 or len(batch.entries) >= self.max_batch:
                self._cond.notify_all()
        return pending

    def flush(self, timeout: float | None = None) -> None:
        """Commit what is queued now, without waiting for ``max_delay``, and wait for it."""
        with self._cond:
            batch = self._open
            if not batch.entries:
                return
            self._flush = True
            self._cond.notify_all()
        batch.committed.wait(timeout)

    def close(self, timeout: float | None = None) -> None:
        """Commit what is queued, stop accepting entries and stop the worker."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(timeout)

    # ---------------------------------------------------------------------------------------
    # Worker

    def _next_batch(self) -> _Batch | None:
        with self._cond:
            while not self._open.entries and not self._closed:
                self._cond.wait()
            if not self._open.entries:
                return None
            deadline = self._open.first_at + self.max_delay
            while len(self._open.entries) < self.max_batch and not (self._flush or self._closed):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            batch, self._open, self._flush = self._open, _Batch(), False
            self._cond.notify_all()
            return batch

    def _commit(self, batch: _Batch) -> None:
        size_before = selectors.log_size()
        for attempt in range(1, _RETRIES + 1):
            try:
                indices = append_entries(entries=batch.entries)
            except OperationalError as e:
                # A lost connection or a lock timeout. Usually nothing was committed; but a
                # connection lost during COMMIT may hide a commit that happened, so look first.
                logger.warning("ledger batch of %d failed (attempt %d): %s", len(batch.entries), attempt, e)
                connections["default"].close()
                start = _committed_start(batch.entries, since=size_before)
                if start is not None:
                    batch.start = start
                elif attempt == _RETRIES:
                    batch.error = e
                else:
                    time.sleep(0.05 * attempt)
                    continue
            except Exception as e:
                logger.exception("ledger batch of %d entries failed", len(batch.entries))
                batch.error = e
            else:
                batch.start = indices[0]
            break
        batch.committed.set()

    def _run(self) -> None:
        try:
            while (batch := self._next_batch()) is not None:
                self._commit(batch)
        finally:
            connections.close_all()


def _committed_start(entries: list[NewEntry], *, since: int) -> int | None:
    """Where `entries` stand in the log as one run at or after index `since`, if they do."""
    try:
        candidates = selectors.entry_indices_by_leaf_hash(entries[0].leaf_hash, since=since)
        for start in candidates:
            if selectors.leaf_hashes_in_range(start, start + len(entries)) == [e.leaf_hash for e in entries]:
                return start
    except OperationalError:
        return None
    return None


_default: Sequencer | None = None
_default_lock = threading.Lock()


def default_sequencer() -> Sequencer:
    """The process-wide sequencer, started on first use and flushed at interpreter exit."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Sequencer()
            atexit.register(_default.close, 10)
        return _default


def close_default_sequencer(timeout: float | None = None) -> None:
    """Commit what the process-wide sequencer holds and stop it (the next ``append_entry`` restarts it)."""
    global _default
    with _default_lock:
        sequencer, _default = _default, None
    if sequencer is not None:
        atexit.unregister(sequencer.close)
        sequencer.close(timeout)


def append_entry(*, kind: str, payload: Mapping[str, object]) -> PendingEntry:
    """Validate and queue one entry on the process-wide sequencer; ``.wait()`` gives its index.

    Raises ``EntryError`` at once if the entry may not be logged.
    """
    return default_sequencer().submit(encode_entry(kind=kind, payload=payload))
