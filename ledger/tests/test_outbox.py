"""The outbox: writers never hold the log, the sequencer logs each record once whatever fails.

Faults are injected at every step of a batch (``sequencer.STEPS``), both as errors raised there
and as the worker's real database connection killed there (PostgreSQL: terminated by the server;
SQLite: closed under Django's feet), including a commit whose acknowledgement is lost followed
by a database still unreachable while the sequencer recovers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from django.db import OperationalError, connection, connections, transaction

from ledger import interface, selectors
from ledger.models import Entry, Record
from ledger.sequencer import STEPS, Sequencer, SequencingError, close_default_sequencer, progress, sequence_pending

pytestmark = pytest.mark.usefixtures("ledger_settings")


@pytest.fixture
def background(ledger_settings):
    """Records are sequenced by a background sequencer, as in the web process."""
    ledger_settings.LEDGER_SEQUENCER = "process"  # no thread of our own unless a test starts one
    yield ledger_settings
    close_default_sequencer(timeout=10)


def _write(n: int, start: int = 0) -> list[interface.Recorded]:
    for attempt in range(50):
        try:
            with transaction.atomic():
                return interface.record_many(
                    kind="segment",
                    items=[interface.Item(record={"seq": start + i}, scope=None, subject=f"seq:{start + i}")
                           for i in range(n)],
                )
        except OperationalError:
            # The shared-cache in-memory SQLite test database answers "table is locked" at once
            # while another thread writes, instead of waiting as a file database does.
            if connection.vendor != "sqlite" or attempt == 49:
                raise
            time.sleep(0.02)
    raise AssertionError("unreachable")


def _assert_each_record_logged_exactly_once() -> None:
    records = list(Record.objects.values_list("index", "data"))
    indices = sorted(index for index, _data in records)
    assert None not in indices
    assert indices == list(range(len(records)))
    assert selectors.log_size() == len(records)
    entries = dict(Entry.objects.values_list("index", "data"))
    assert all(bytes(entries[index]) == bytes(data) for index, data in records)
    assert selectors.audit_storage().end == len(records)


@pytest.mark.django_db
def test_a_record_is_pending_until_sequenced_and_gets_its_index_then(background):
    [recorded] = _write(1)
    assert recorded.index is None
    assert interface.index_of(kind="segment", subject="seq:0") is None
    assert selectors.log_size() == 0

    assert sequence_pending() == 1

    assert interface.index_of(kind="segment", subject="seq:0") == 0
    assert interface.wait_for_index(interface.Recorded(id=recorded.id, kind="segment", index=0)) == 0
    _assert_each_record_logged_exactly_once()


@pytest.mark.django_db
def test_waiting_inside_the_writing_transaction_is_refused_rather_than_hanging(background):
    with transaction.atomic():
        [recorded] = interface.record_many(
            kind="segment", items=[interface.Item(record={"seq": 1}, scope=None, subject="seq:1")]
        )
        with pytest.raises(RuntimeError, match="inside a transaction"):
            interface.wait_for_index(recorded, timeout=0.1)


def test_a_wait_times_out_when_no_sequencer_runs(background, ledger_transactional_db):
    [recorded] = _write(1)
    with pytest.raises(TimeoutError):
        interface.wait_for_index(recorded, timeout=0.2)
    sequence_pending()
    assert interface.wait_for_index(recorded, timeout=1) == 0


def test_a_look_that_finds_nothing_pending_wakes_this_processs_waiters_too(background, ledger_transactional_db):
    # Another process's sequencer logged the record: this process's waiter learns it from its own
    # sequencer's empty look, at once, not from its next poll.
    [recorded] = _write(1)
    sequence_pending()  # as another process would
    sequencer = Sequencer(idle_poll=60)
    try:
        deadline = time.monotonic() + 10
        while progress.state.batches == 0 and time.monotonic() < deadline:  # its first look, at start
            time.sleep(0.01)
        with progress.cond:
            seen = progress.state.batches
            sequencer.wake()
            assert progress.cond.wait_for(lambda: progress.state.batches > seen, timeout=10)
    finally:
        sequencer.close(10)
    assert interface.wait_for_index(recorded, timeout=1) == 0


def test_the_web_process_thread_sequences_records_after_their_commit(ledger_settings, ledger_transactional_db):
    ledger_settings.LEDGER_SEQUENCER = "thread"
    try:
        recorded = _write(50)
        assert [interface.wait_for_index(r, timeout=10) for r in recorded] == list(range(50))
    finally:
        close_default_sequencer(timeout=10)
    _assert_each_record_logged_exactly_once()


def test_writers_do_not_wait_for_a_long_transaction_holding_records(background, ledger_transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time whatever the ledger does; see bench_ledger_write.py")
    started, release = threading.Event(), threading.Event()
    waits: list[float] = []

    def long_import() -> None:
        try:
            with transaction.atomic():
                _write(500, start=10_000)
                started.set()
                release.wait(10)
        finally:
            connections.close_all()

    def writer() -> None:
        try:
            for i in range(20):
                t0 = time.monotonic()
                _write(1, start=i)
                waits.append(time.monotonic() - t0)
            sequence_pending()
        finally:
            connections.close_all()

    importer = threading.Thread(target=long_import)
    importer.start()
    started.wait(10)
    other = threading.Thread(target=writer)
    other.start()
    other.join(10)
    assert len(waits) == 20
    assert max(waits) < 1.0  # while the import's transaction is still open
    release.set()
    importer.join(10)
    sequence_pending()
    _assert_each_record_logged_exactly_once()


# --- Faults at every step -------------------------------------------------------------------------


def _kill_own_connection() -> None:
    """Really lose the worker's database connection."""
    if connection.vendor == "postgresql":
        import psycopg

        pid = connection.connection.info.backend_pid
        params = connection.get_connection_params()
        admin = {k: v for k, v in params.items() if k in ("host", "port", "user", "password", "dbname")}
        with psycopg.connect(autocommit=True, **admin) as killer:
            killer.execute("SELECT pg_terminate_backend(%s)", [pid])
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with psycopg.connect(autocommit=True, **admin) as probe:
                if not probe.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
                    break
            time.sleep(0.01)
    else:
        connection.connection.close()


class Faults:
    """Fails at ``step`` the first ``times`` times it is reached (raising, or killing the connection)."""

    def __init__(self, step: str, *, times: int = 1, kill: bool = False, then: Callable[[], None] | None = None):
        self.step, self.times, self.kill, self.then = step, times, kill, then
        self.struck = 0
        self.lock = threading.Lock()

    def __call__(self, step: str) -> None:
        with self.lock:
            if step != self.step or self.struck >= self.times:
                return
            self.struck += 1
        if self.kill:
            _kill_own_connection()
            if step == "acknowledge":
                raise OperationalError("the connection was lost after COMMIT")
        else:
            raise OperationalError(f"injected fault at {step}")


def _index_despite_failures(recorded: interface.Recorded, timeout: float = 10) -> int:
    """Wait again after each SequencingError (on in-memory SQLite a busy table is a failure too)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return interface.wait_for_index(recorded, timeout=max(0.1, deadline - time.monotonic()))
        except SequencingError:
            if time.monotonic() > deadline:
                raise


def _run_with(fault: Faults, ledger_settings, *, records: int = 30) -> tuple[Sequencer, list, list]:
    ledger_settings.LEDGER_SEQUENCER = "process"
    recorded = _write(records)
    outcomes: list = []

    def wait_for_all() -> None:
        try:
            deadline = time.monotonic() + 30
            # The last record first: it is in a later batch than the fault, so its caller is
            # certainly waiting when the fault strikes.
            for r in [recorded[-1], *recorded[:-1]]:
                while True:
                    try:
                        outcomes.append(interface.wait_for_index(r, timeout=max(0.1, deadline - time.monotonic())))
                        break
                    except SequencingError as e:
                        outcomes.append(e)  # the caller hears of the failure at once, and may wait again
        finally:
            connections.close_all()

    waiter = threading.Thread(target=wait_for_all)
    waiter.start()
    time.sleep(0.1)  # the caller is waiting before the sequencer starts
    sequencer = Sequencer(max_batch=8, idle_poll=0.02, fault=fault)
    try:
        waiter.join(40)
        # The worker is still alive and takes new records.
        assert sequencer.alive
        more = _write(5, start=1000)
        late = [_index_despite_failures(r) for r in more]
    finally:
        sequencer.close(timeout=10)
    assert sequencer.alive is False
    return sequencer, outcomes, late


@pytest.mark.parametrize("kill", [False, True], ids=["error", "connection-killed"])
@pytest.mark.parametrize("step", STEPS)
def test_a_fault_at_any_step_fails_the_waiters_keeps_the_worker_and_logs_each_record_once(
    step, kill, ledger_settings, ledger_transactional_db
):
    fault = Faults(step, kill=kill)
    sequencer, outcomes, late = _run_with(fault, ledger_settings)

    assert fault.struck == 1
    assert sequencer.failures >= 1  # (more on in-memory SQLite, where a busy table fails at once)
    errors = [o for o in outcomes if isinstance(o, SequencingError)]
    assert errors, "a waiting caller must hear of the failure"
    assert sorted(o for o in outcomes if isinstance(o, int)) == list(range(30))
    assert late == list(range(30, 35))
    _assert_each_record_logged_exactly_once()


@pytest.mark.parametrize("unreachable_during", ["lock", "read", "append", "mark", "commit"])
def test_a_lost_commit_acknowledgement_with_the_database_still_unreachable_logs_the_batch_once(
    unreachable_during, ledger_settings, ledger_transactional_db
):
    """The batch committed but the worker heard an error; then recovery itself fails, repeatedly."""
    lost_ack = Faults("acknowledge", kill=True)
    still_down = Faults(unreachable_during, times=3)

    def fault(step: str) -> None:
        if lost_ack.struck:
            still_down(step)
        lost_ack(step)

    sequencer, outcomes, late = _run_with(fault, ledger_settings)  # type: ignore[arg-type]

    assert (lost_ack.struck, still_down.struck) == (1, 3)
    assert sequencer.failures >= 1 + 3
    assert sorted(o for o in outcomes if isinstance(o, int)) == list(range(30))
    assert late == list(range(30, 35))
    _assert_each_record_logged_exactly_once()


def test_an_unexpected_exception_in_the_worker_is_survived_too(ledger_settings, ledger_transactional_db):
    class Boom(Exception):
        pass

    def fault(step: str, seen=[]) -> None:  # noqa: B006 - counts calls across the test
        if step == "mark" and not seen:
            seen.append(step)
            raise Boom("not a database error")

    sequencer, _outcomes, late = _run_with(fault, ledger_settings)  # type: ignore[arg-type]
    assert sequencer.failures >= 1
    assert late == list(range(30, 35))
    _assert_each_record_logged_exactly_once()


# --- Immutability of records ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_record_cannot_be_deleted_rewritten_or_renumbered(background):
    from django.db import DatabaseError

    _write(2)
    sequence_pending()
    _write(1, start=5)
    pending = Record.objects.get(index__isnull=True)
    for change in (
        lambda: Record.objects.filter(index=0).delete(),
        lambda: Record.objects.filter(index=0).update(record=b'{"seq":9}'),
        lambda: Record.objects.filter(index=0).update(index=7),
        lambda: Record.objects.filter(pk=pending.pk).update(index=1),  # an index another record holds
        lambda: Record.objects.filter(pk=pending.pk).update(facility_id=3),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            change()
    if connection.vendor == "sqlite":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                'INSERT OR REPLACE INTO ledger_record (id, kind, data, record, salt, subject, created_at) '
                "SELECT id, kind, data, record, salt, 'x', created_at FROM ledger_record WHERE \"index\" = 0"
            )
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute('UPDATE OR REPLACE ledger_record SET "index" = 0 WHERE "index" IS NULL')
    assert sorted(Record.objects.values_list("index", flat=True), key=lambda i: (i is None, i)) == [0, 1, None]
    sequence_pending()
    _assert_each_record_logged_exactly_once()
