"""Writers to one SQLite database take their turn through a file lock beside it.

SQLite has one write lock per database. A writer that finds it taken sleeps in SQLite's busy
handler (up to 100 ms between tries) and, while other writers keep taking the lock the moment
it is free, may sleep for seconds: under steady ingest the ledger's sequencer starved that way.
Writers therefore wait on a lock the kernel hands on as soon as it is released
(``<database>.write-lock``, ``flock``).

Every transaction on this project's SQLite engine (``lib.db.sqlite``) takes the turn before its
``BEGIN IMMEDIATE`` and gives it back after its commit or rollback, so every writer queues the
same way. ``writer_turn`` holds it for a block that spans several transactions, or none. The turn
is re-entrant within a thread, per database file. It does nothing on other engines (which lock
rows) or on an in-memory database. It also does nothing inside a transaction begun without it (on
Django's own SQLite engine): that transaction already holds SQLite's write lock, and waiting for
the turn there could deadlock with a writer that holds the turn and waits for that lock.

The turn only decides who goes first: SQLite's own lock still guards the data, so a writer that
ignores the turn (another program, a statement outside a transaction) is slower to get in, never
wrong. A writer waits for the turn as long as the transaction holding it lasts (SQLite's busy
timeout bounds only the wait for SQLite's own lock); a process that dies gives it back at once,
as the kernel releases the dead process's lock.
"""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from django.db import connection as default_connection

_held = threading.local()


def _depths() -> dict[str, int]:
    """This thread's turns: how deeply each database's turn is held."""
    return _held.__dict__.setdefault("depths", {})


def _lock_path(connection) -> str | None:
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        return None
    return f"{connection.settings_dict['NAME']}.write-lock"


def take(connection) -> tuple[str, IO[str] | None] | None:
    """Wait for this thread's turn on the connection's database; None where there is none to
    take. Give it back with ``give``."""
    path = _lock_path(connection)
    if path is None:
        return None
    depths = _depths()
    if depths.get(path):
        depths[path] += 1
        return path, None
    lock = open(path, "a")  # noqa: SIM115 - held until give()
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
    except BaseException:
        lock.close()
        raise
    depths[path] = 1
    return path, lock


def give(turn: tuple[str, IO[str] | None] | None) -> None:
    """Give back a turn ``take`` returned (the outermost one releases the lock)."""
    if turn is None:
        return
    path, lock = turn
    depths = _depths()
    if lock is None:
        depths[path] = max(depths.get(path, 0) - 1, 0)
        return
    depths.pop(path, None)
    fcntl.flock(lock, fcntl.LOCK_UN)
    lock.close()


@contextmanager
def writer_turn(connection=None) -> Iterator[None]:
    """Hold this database's writer turn for the block (see the module docstring); ``connection``
    is the default database's unless given."""
    connection = connection or default_connection
    turn = None if connection.in_atomic_block and not holds_turn(connection) else take(connection)
    try:
        yield
    finally:
        give(turn)


def holds_turn(connection) -> bool:
    """Whether this thread holds the turn of the connection's database."""
    path = _lock_path(connection)
    return bool(path and _depths().get(path))
