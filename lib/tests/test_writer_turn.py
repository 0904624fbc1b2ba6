"""Writers to one SQLite file take turns: a second waits for the first, a nested turn does not wait
for itself, a writer already inside a transaction does not wait at all, and the turn of a process
killed while holding it passes on at once."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.db.backends.sqlite3.base import DatabaseWrapper

from lib.writer_turn import writer_turn

ALIAS = "writer-turn-test"


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
