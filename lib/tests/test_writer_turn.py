"""Writers to one SQLite file take turns: a second waits for the first, a nested turn does not wait
for itself, a writer already inside a transaction does not wait at all, and the turn of a process
killed while holding it passes on at once. On this project's engine (lib.db.sqlite) every
transaction takes the turn and gives it back however it ends."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.db.backends.sqlite3.base import DatabaseWrapper

from lib.db.sqlite import base as turn_engine
from lib.writer_turn import holds_turn, writer_turn

ALIAS = "writer-turn-test"
ENGINE_ALIAS = "writer-turn-engine-test"


@pytest.fixture
def database(tmp_path, django_db_blocker):
    """A connection to a SQLite file of its own (the suite's database lives in memory, where
    there is no turn to take)."""
    wrapper = DatabaseWrapper({**connection.settings_dict, "NAME": str(tmp_path / "db.sqlite3")}, alias=ALIAS)
    connections[ALIAS] = wrapper
    with django_db_blocker.unblock():
        yield wrapper
        wrapper.close()
    del connections[ALIAS]


@pytest.fixture
def engine(tmp_path, django_db_blocker):
    """A connection of this project's SQLite engine to a file of its own."""
    settings = {**connection.settings_dict, "ENGINE": "lib.db.sqlite", "NAME": str(tmp_path / "engine.sqlite3"),
                "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20}}
    wrapper = turn_engine.DatabaseWrapper(settings, alias=ENGINE_ALIAS)
    connections[ENGINE_ALIAS] = wrapper
    with django_db_blocker.unblock():
        with wrapper.cursor() as cursor:
            cursor.execute("CREATE TABLE IF NOT EXISTS t (n INTEGER)")
        yield wrapper
        wrapper.close()
    del connections[ENGINE_ALIAS]


def _in_thread(target) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def test_a_second_writer_waits_until_the_first_has_finished(database):
    events: list[str] = []
    first_in, release = threading.Event(), threading.Event()

    def first():
        with writer_turn(database):
            events.append("first in")
            first_in.set()
            release.wait(5)
            events.append("first out")

    def second():
        first_in.wait(5)
        with writer_turn(database):
            events.append("second in")

    threads = [_in_thread(first), _in_thread(second)]
    first_in.wait(5)
    time.sleep(0.3)
    assert events == ["first in"]  # the second is waiting for its turn
    release.set()
    for thread in threads:
        thread.join(5)
    assert events == ["first in", "first out", "second in"]


def test_a_turn_taken_again_inside_itself_does_not_wait_for_itself(database):
    done = threading.Event()

    def nested():
        with writer_turn(database), writer_turn(database):
            pass
        with writer_turn(database):  # and it was released: it can be taken again
            done.set()

    _in_thread(nested).join(5)
    assert done.is_set()


def test_a_writer_inside_a_transaction_does_not_wait_for_the_turn(database):
    """It already holds SQLite's own write lock (BEGIN IMMEDIATE): waiting for the turn there
    could deadlock with the holder of the turn waiting for that lock."""
    holding, release = threading.Event(), threading.Event()

    def holder():
        with writer_turn(database):
            holding.set()
            release.wait(5)

    thread = _in_thread(holder)
    holding.wait(5)
    started = time.monotonic()
    with transaction.atomic(using=ALIAS), writer_turn(database):
        waited = time.monotonic() - started
    release.set()
    thread.join(5)
    assert waited < 1  # the holder lets go only after 5 s


def test_the_turn_of_a_process_killed_while_holding_it_passes_on_at_once(database, tmp_path):
    holder = subprocess.Popen(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c",
         "import fcntl, sys, time\n"
         f"f = open({str(tmp_path / 'db.sqlite3.write-lock')!r}, 'a')\n"
         "fcntl.flock(f, fcntl.LOCK_EX)\n"
         "print('holding', flush=True)\n"
         "time.sleep(60)\n"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        got = threading.Event()

        def writer():
            with writer_turn(database):
                got.set()

        thread = _in_thread(writer)
        assert not got.wait(0.3)  # the lock file is the one the writers share
        holder.send_signal(signal.SIGKILL)
        holder.wait(5)
        thread.join(5)
        assert got.is_set()
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


def _writer_of(database, target):
    """`target` run in a thread of its own with its own connection to `database`'s file (the
    thread's ``connections[alias]``)."""
    def run():
        own = type(database)(database.settings_dict, alias=database.alias)
        connections[database.alias] = own
        try:
            target(own)
        finally:
            own.close()
    return _in_thread(run)


def test_a_transaction_on_the_engine_begins_only_when_the_holder_of_the_turn_lets_go(engine):
    events: list[str] = []
    holding, release = threading.Event(), threading.Event()

    def holder(own):
        with writer_turn(own):
            holding.set()
            release.wait(5)
            events.append("holder out")

    def writer(own):
        holding.wait(5)
        with transaction.atomic(using=ENGINE_ALIAS):
            events.append("writer in")

    threads = [_writer_of(engine, holder), _writer_of(engine, writer)]
    holding.wait(5)
    time.sleep(0.3)
    assert events == []  # the transaction waits for the turn, not in SQLite's busy handler
    release.set()
    for thread in threads:
        thread.join(5)
    assert events == ["holder out", "writer in"]


@pytest.mark.parametrize("ending", ["commit", "rollback", "close"])
def test_the_engine_gives_the_turn_back_however_a_transaction_ends(engine, ending):
    with transaction.atomic(using=ENGINE_ALIAS):
        assert holds_turn(engine)
        with writer_turn(engine):  # taken again inside: no wait for itself
            engine.cursor().execute("INSERT INTO t VALUES (1)")
        assert holds_turn(engine)
        if ending == "close":
            engine.close()
            connections[ENGINE_ALIAS] = engine
        elif ending == "rollback":
            transaction.set_rollback(True, using=ENGINE_ALIAS)
    assert not holds_turn(engine)
    got = threading.Event()

    def other(own):
        with transaction.atomic(using=ENGINE_ALIAS):
            own.cursor().execute("INSERT INTO t VALUES (2)")
            got.set()

    _writer_of(engine, other).join(5)
    assert got.is_set()


def test_a_transaction_that_cannot_begin_gives_the_turn_back(engine, monkeypatch):
    def refuse(self):
        raise OSError("no BEGIN")

    monkeypatch.setattr(turn_engine.base.DatabaseWrapper, "_start_transaction_under_autocommit", refuse)
    with pytest.raises(OSError, match="no BEGIN"), transaction.atomic(using=ENGINE_ALIAS):
        pass
    assert not holds_turn(engine)


def test_a_writer_looping_transactions_on_the_engine_does_not_keep_another_waiting(engine):
    """The busy handler let a writer that took the lock again at once keep the others out for
    seconds; on the turn, a waiting writer gets in after about one transaction (here 5 ms)."""
    stop, looping = threading.Event(), threading.Event()

    def loop(own):
        while not stop.is_set():
            with transaction.atomic(using=ENGINE_ALIAS):
                own.cursor().execute("INSERT INTO t VALUES (1)")
                looping.set()
                time.sleep(0.005)

    thread = _writer_of(engine, loop)
    looping.wait(5)
    waits: list[float] = []

    def other(own):
        for _ in range(20):
            started = time.monotonic()
            with transaction.atomic(using=ENGINE_ALIAS):
                waits.append(time.monotonic() - started)
            time.sleep(0.01)

    _writer_of(engine, other).join(30)
    stop.set()
    thread.join(5)
    assert len(waits) == 20
    assert max(waits) < 1, waits  # on the busy handler: 2 to 9 s each, and most never got in
