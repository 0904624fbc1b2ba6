"""Writers to one SQLite database take their turn through a file lock beside it.

SQLite has one write lock per database. A writer that finds it taken sleeps in SQLite's busy
handler (up to 100 ms between tries) and, while other writers keep taking the lock the moment
it is free, may sleep for seconds: under steady ingest the ledger's sequencer starved that way.
``writer_turn`` makes such writers wait on a lock the kernel hands on as soon as it is released
(``<database>.write-lock``, ``flock``). It is re-entrant within a thread and does nothing on
other engines (which lock rows), on an in-memory database, or inside a transaction: that one
already began with BEGIN IMMEDIATE and holds SQLite's write lock, and waiting for the turn then
could deadlock with a writer that holds the turn and waits for that lock.
"""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection as default_connection

_held = threading.local()


@contextmanager
def writer_turn(connection=None) -> Iterator[None]:
    """Hold this database's writer turn for the block (see the module docstring); ``connection``
    is the default database's unless given."""
    connection = connection or default_connection
    if (connection.vendor != "sqlite" or connection.is_in_memory_db() or connection.in_atomic_block
            or getattr(_held, "depth", 0)):
        _held.depth = getattr(_held, "depth", 0) + 1
        try:
            yield
        finally:
            _held.depth -= 1
        return
    with open(f"{connection.settings_dict['NAME']}.write-lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _held.depth = 1
        try:
            yield
        finally:
            _held.depth = 0
            fcntl.flock(lock, fcntl.LOCK_UN)
