"""The sequencer: drains pending records (the outbox) into the log, in batches.

Services write their record and its pending ledger row in their own short transaction
(``ledger.interface.record``) and hold no log-wide lock. ``sequence_batch`` takes the log lock,
reads up to ``max_batch`` pending records in id order, appends their entries and sets each
record's ``index``, all in one transaction (one commit, one fsync for thousands of entries).
Because the index is set in the same transaction that appends the entry, a record is sequenced
exactly once, whatever fails and whenever: a commit whose acknowledgement was lost left no
pending row behind, and a batch that did not commit left every row pending. Recovery needs no
lookup, so a database still unreachable during recovery cannot make it log a batch twice.

``Sequencer`` runs ``sequence_batch`` in a background thread (the web process starts one; the
``run_sequencer`` command runs one in the foreground). A failure never stops the worker: it is
logged, every caller waiting in ``interface.wait_for_index`` gets a ``SequencingError``, the
connection is dropped and the batch is retried after a short, growing pause. Several sequencers
(threads or processes) may run at once: the log lock admits one batch at a time.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import OperationalError, connection, connections, transaction

from ledger.encoding import entry_from_data
from ledger.models import Record
from ledger.services import append_entries, lock_log

logger = logging.getLogger(__name__)

MAX_BATCH = 4096
IDLE_POLL = 0.25  # seconds between looks for records written by other processes
MAX_RETRY_DELAY = 2.0

# The places a fault may strike, in the order a batch passes them (tests inject at each).
STEPS = ("lock", "read", "append", "mark", "commit", "acknowledge")

Fault = Callable[[str], None]


class SequencingError(RuntimeError):
    """The sequencer failed while this record was pending. The record is saved and stays pending:
    it will be logged when the sequencer next succeeds; only its index is not known yet."""


def _no_fault(step: str) -> None:
    return None


_RECORD = f'"{Record._meta.db_table}"'
_PENDING_SQL = f'SELECT "id", "kind", "data" FROM {_RECORD} WHERE "index" IS NULL ORDER BY "id" LIMIT %s'  # noqa: S608
_MARK_SQLITE = f'UPDATE {_RECORD} SET "index" = %s WHERE "id" = %s'  # noqa: S608
_MARK_PG = (
    f'UPDATE {_RECORD} AS r SET "index" = v.idx FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, idx) '  # noqa: S608
    'WHERE r."id" = v.id AND r."index" IS NULL'
)


def sequence_batch(*, max_batch: int = MAX_BATCH, fault: Fault = _no_fault) -> int:
    """Append up to ``max_batch`` pending records to the log in one transaction; return how many.

    Inside a caller's transaction it runs in a savepoint and holds the log lock to the caller's end.
    On SQLite, as every transaction there, it waits for its turn among the writers (``lib.writer_turn``).
    """
    with transaction.atomic():
        fault("lock")
        lock_log()
        fault("read")
        with connection.cursor() as cursor:
            cursor.execute(_PENDING_SQL, [max_batch])
            rows = cursor.fetchall()
        if not rows:
            return 0
        fault("append")
        indices = append_entries(entries=[entry_from_data(kind, bytes(data)) for _id, kind, data in rows])
        fault("mark")
        ids = [row[0] for row in rows]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(_MARK_PG, [ids, indices])
                marked = cursor.rowcount
            else:
                cursor.executemany(_MARK_SQLITE, list(zip(indices, ids, strict=True)))
                marked = len(ids)
        if marked != len(ids):
            raise RuntimeError(f"marked {marked} of {len(ids)} records as sequenced; rolling the batch back")
        fault("commit")
    fault("acknowledge")
    return len(rows)


def sequence_pending(*, max_batch: int = MAX_BATCH) -> int:
    """Sequence every pending record now, batch by batch, in this thread; return how many."""
    total = 0
    while n := sequence_batch(max_batch=max_batch):
        total += n
        if n < max_batch:
            break
    return total


# ---------------------------------------------------------------------------------------------
# Progress, shared with the waiters of this process


@dataclass
class _State:
    batches: int = 0
    failures: int = 0
    last_error: BaseException | None = None


class Progress:
    """What waiters in this process learn from its sequencers: batches looked at (committed, or
    found nothing pending: then every record committed before it was sequenced, perhaps by another
    process, and a waiter looks again at once rather than at its next poll), failures seen."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.state = _State()

    def committed(self) -> None:
        with self.cond:
            self.state.batches += 1
            self.cond.notify_all()

    def failed(self, error: BaseException) -> None:
        with self.cond:
            self.state.failures += 1
            self.state.last_error = error
            self.cond.notify_all()


progress = Progress()


class Sequencer:
    """A worker thread running ``sequence_batch`` until closed; see the module docstring."""

    def __init__(
        self, *, max_batch: int = MAX_BATCH, idle_poll: float = IDLE_POLL, fault: Fault = _no_fault,
        name: str = "ledger-sequencer",
    ) -> None:
        if max_batch < 1 or idle_poll <= 0:
            raise ValueError("max_batch and idle_poll must be positive")
        self.max_batch = max_batch
        self.idle_poll = idle_poll
        self.fault = fault
        self.failures = 0
        self._wake = threading.Event()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def wake(self) -> None:
        """Look for pending records now rather than at the next poll."""
        self._wake.set()

    def close(self, timeout: float | None = None) -> None:
        """Finish the batch in hand, sequence what is pending, and stop."""
        self._closed.set()
        self._wake.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        delay = 0.0
        try:
            while True:
                try:
                    count = sequence_batch(max_batch=self.max_batch, fault=self.fault)
                except BaseException as e:
                    self.failures += 1
                    logger.warning("ledger sequencer: batch failed, records stay pending: %r", e)
                    progress.failed(e)
                    _drop_connection()
                    delay = min(MAX_RETRY_DELAY, max(0.02, delay * 2))
                    if self._closed.wait(delay):
                        return
                    continue
                delay = 0.0
                progress.committed()
                if count == self.max_batch:
                    continue
                if self._closed.is_set():
                    return
                self._wake.wait(self.idle_poll)
                self._wake.clear()
        finally:
            _drop_connection()


def _drop_connection() -> None:
    """Close this thread's connection so the next batch opens a fresh one."""
    conn = connections["default"]
    try:
        conn.close()
    except Exception:
        logger.debug("ledger sequencer: closing a broken connection failed", exc_info=True)
        conn.connection = None
    if conn.connection is not None:
        # Django keeps an in-memory SQLite connection open on close(); drop it if it is dead.
        try:
            conn.connection.execute("SELECT 1")
        except Exception:
            conn.connection = None


# ---------------------------------------------------------------------------------------------
# The process-wide sequencer


_default: Sequencer | None = None
_default_lock = threading.Lock()


def mode() -> str:
    """``LEDGER_SEQUENCER``: ``thread`` (a worker in this process), ``process`` (a separate
    ``run_sequencer``) or ``inline`` (in the writer's own transaction: tests and one-off scripts)."""
    value = getattr(settings, "LEDGER_SEQUENCER", "thread")
    if value not in ("thread", "process", "inline"):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"LEDGER_SEQUENCER must be thread, process or inline, not {value!r}")
    return value


def default_sequencer() -> Sequencer:
    """The process-wide sequencer thread, started on first use and closed at interpreter exit."""
    global _default
    with _default_lock:
        if _default is None or not _default.alive:
            _default = Sequencer()
            atexit.register(_default.close, 10)
        return _default


def start_sequencer() -> Sequencer | None:
    """Start this process's sequencer thread if ``LEDGER_SEQUENCER`` is ``thread`` (the web process calls it)."""
    return default_sequencer() if mode() == "thread" else None


def close_default_sequencer(timeout: float | None = None) -> None:
    """Stop the process-wide sequencer (the next record starts it again)."""
    global _default
    with _default_lock:
        sequencer, _default = _default, None
    if sequencer is not None:
        atexit.unregister(sequencer.close)
        sequencer.close(timeout)


def kick() -> None:
    """Tell this process's sequencer that records are waiting (after the writer's commit)."""
    if mode() == "thread":
        default_sequencer().wake()


def run_forever(
    *, max_batch: int = MAX_BATCH, idle_poll: float = IDLE_POLL, stop: threading.Event | None = None
) -> None:
    """Run a sequencer in the foreground until ``stop`` is set (``run_sequencer``)."""
    sequencer = Sequencer(max_batch=max_batch, idle_poll=idle_poll, name="ledger-sequencer-main")
    try:
        (stop or threading.Event()).wait()
    finally:
        sequencer.close(30)


def wait_until(record_id: int, *, timeout: float, lookup: Callable[[int], int | None]) -> int:
    """Wait for ``record_id``'s index; ``SequencingError`` on a failure in this process's sequencer."""
    deadline = time.monotonic() + timeout
    with progress.cond:
        failures = progress.state.failures
    if mode() == "thread":
        default_sequencer().wake()
    while True:
        with progress.cond:
            seen = progress.state.batches
            if progress.state.failures != failures:
                # Every failure while a caller waits is reported to it, even if a retry has
                # since succeeded: the caller may wait again, and then gets the index.
                raise SequencingError(f"the ledger sequencer failed: {progress.state.last_error!r}")
        try:
            index = lookup(record_id)
        except OperationalError:
            if time.monotonic() >= deadline:
                raise
            index = None  # a busy database (SQLite "locked"): look again
        if index is not None:
            return index
        with progress.cond:
            if progress.state.batches != seen or progress.state.failures != failures:
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"ledger record {record_id} has not been sequenced within {timeout} s")
            progress.cond.wait(min(remaining, 0.05))
