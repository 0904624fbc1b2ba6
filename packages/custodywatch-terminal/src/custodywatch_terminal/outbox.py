"""The terminal's durable outbox: signed records and sealed blobs, nothing readable.

A local SQLite database (WAL journal, ``synchronous=FULL``: a committed record survives a power
cut) with three tables:

- ``records``: every record the terminal signed, numbered from 1 and chained (each holds the hash
  of the previous one, which ``append`` hands to the builder inside the same write transaction,
  so two writers can never sign two records with one number). A record stays, with its blob,
  until the server's acknowledgement has been verified; then it and its blob are deleted (zeroed
  on disk: ``secure_delete``, and the WAL truncated), except the head, which shrinks to its
  number and hash to keep the chain going. Nothing delivered stays to say when it was filed.
  A follow-up message also keeps its packet secret (the lookup token that proves the receipt)
  *sealed to the server's transport key* and bound to this very record
  (``custodywatch_protocol.terminal.seal_secret``): it survives a restart, but the terminal
  cannot open it, and it goes with the record's body once delivered.
- ``blobs``: age ciphertexts of complaints and messages, keyed by their SHA-256.
- ``state``: small signed documents the terminal keeps (the current routing list) and counters.

What never goes in: plaintext, receipt codes, lookup tokens in the clear, reply identities, names
of people.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = ["OUTBOX_FILE", "Outbox", "OutboxError", "Stored"]

OUTBOX_FILE = "outbox.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY CHECK (seq >= 1),
    kind TEXT NOT NULL,
    record_hash TEXT NOT NULL UNIQUE,
    body BLOB,                       -- the signed record as sent; NULL once acknowledged
    blob_sha256 TEXT,                -- the sealed blob it carries, if any
    acknowledged INTEGER NOT NULL DEFAULT 0 CHECK (acknowledged IN (0, 1)),
    ledger_index INTEGER,
    secret BLOB,                     -- a packet secret sealed to the server; NULL once acknowledged
    CHECK (body IS NOT NULL OR acknowledged = 1)
);
CREATE INDEX IF NOT EXISTS records_pending ON records (seq) WHERE acknowledged = 0;
CREATE TABLE IF NOT EXISTS blobs (
    sha256 TEXT PRIMARY KEY,
    data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS state (
    key TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
"""

# A builder turns (seq, previous record hash or None) into (signed record bytes, its hash).
Builder = Callable[[int, "str | None"], "tuple[bytes, str]"]


class OutboxError(RuntimeError):
    """The outbox refused an operation that would break its invariants."""


@dataclass(frozen=True)
class Stored:
    """A record as the outbox holds it."""

    seq: int
    kind: str
    record_hash: str
    body: bytes | None
    blob_sha256: str | None
    acknowledged: bool
    ledger_index: int | None
    secret: bytes | None = None  # sealed to the server (never the token in the clear)


class Outbox:
    """The durable outbox. Safe to share between the sender and the kiosk threads of one process,
    and between processes (SQLite's own locking; ``append`` takes the write lock first)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.execute("PRAGMA secure_delete=ON")
        self._db.executescript(_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(records)")}
        if "secret" not in columns:  # an outbox made before sealed secrets
            self._db.execute("ALTER TABLE records ADD COLUMN secret BLOB")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- records ----------------------------------------------------------------------------

    def head(self) -> tuple[int, str | None]:
        """The number and hash of the last record (``(0, None)`` before the first)."""
        with self._lock:
            row = self._db.execute("SELECT seq, record_hash FROM records ORDER BY seq DESC LIMIT 1").fetchone()
        return (row[0], row[1]) if row else (0, None)

    def append(self, kind: str, build: Builder, blob: bytes | None = None,
               seal: Callable[[bytes], bytes] | None = None) -> Stored:
        """Number, chain and store one record (and its blob) in one durable transaction.

        ``seal``, given the signed record, returns its sealed packet secret, stored with it."""
        blob_sha = hashlib.sha256(blob).hexdigest() if blob is not None else None
        with self._write() as db:
            row = db.execute("SELECT seq, record_hash FROM records ORDER BY seq DESC LIMIT 1").fetchone()
            seq, prev = (row[0] + 1, row[1]) if row else (1, None)
            body, record_hash = build(seq, prev)
            secret = seal(body) if seal is not None else None
            if blob is not None:
                db.execute("INSERT OR IGNORE INTO blobs (sha256, data) VALUES (?, ?)", (blob_sha, blob))
            db.execute("INSERT INTO records (seq, kind, record_hash, body, blob_sha256, secret) "
                       "VALUES (?, ?, ?, ?, ?, ?)", (seq, kind, record_hash, body, blob_sha, secret))
        return Stored(seq, kind, record_hash, body, blob_sha, False, None, secret)

    def _stored(self, row: tuple) -> Stored:
        return Stored(row[0], row[1], row[2], row[3], row[4], bool(row[5]), row[6], row[7])

    _COLUMNS = "seq, kind, record_hash, body, blob_sha256, acknowledged, ledger_index, secret"

    def get(self, seq: int) -> Stored | None:
        with self._lock:
            row = self._db.execute(f"SELECT {self._COLUMNS} FROM records WHERE seq = ?", (seq,)).fetchone()  # noqa: S608
        return self._stored(row) if row else None

    def by_hash(self, record_hash: str) -> Stored | None:
        with self._lock:
            row = self._db.execute(f"SELECT {self._COLUMNS} FROM records WHERE record_hash = ?",  # noqa: S608
                                   (record_hash,)).fetchone()
        return self._stored(row) if row else None

    def rewrite_from(self, seq: int, rebuild: Callable[[Stored, str | None], tuple[bytes, str]]) -> None:
        """Re-sign record ``seq`` and every record after it (none of them taken by the server yet),
        chaining each to the new hash of the one before, in one transaction."""
        with self._write() as db:
            rows = db.execute(f"SELECT {self._COLUMNS} FROM records WHERE seq >= ? ORDER BY seq",  # noqa: S608
                              (seq,)).fetchall()
            if not rows or rows[0][0] != seq or any(r[5] for r in rows):
                raise OutboxError(f"records from {seq} on are not all waiting: they cannot be signed again")
            before = db.execute("SELECT record_hash FROM records WHERE seq = ?", (seq - 1,)).fetchone()
            prev = before[0] if before else None
            for row in rows:
                body, record_hash = rebuild(self._stored(row), prev)
                db.execute("UPDATE records SET body = ?, record_hash = ? WHERE seq = ?", (body, record_hash, row[0]))
                prev = record_hash

    def pending(self, limit: int | None = None) -> list[Stored]:
        """Records not yet acknowledged, oldest first."""
        sql = f"SELECT {self._COLUMNS} FROM records WHERE acknowledged = 0 ORDER BY seq"  # noqa: S608
        with self._lock:
            rows = self._db.execute(sql + (" LIMIT ?" if limit else ""), (limit,) if limit else ()).fetchall()
        return [self._stored(r) for r in rows]

    def pending_count(self, kind: str | None = None) -> int:
        with self._lock:
            if kind is None:
                return self._db.execute("SELECT count(*) FROM records WHERE acknowledged = 0").fetchone()[0]
            return self._db.execute("SELECT count(*) FROM records WHERE acknowledged = 0 AND kind = ?",
                                    (kind,)).fetchone()[0]

    def blob(self, sha256: str) -> bytes:
        with self._lock:
            row = self._db.execute("SELECT data FROM blobs WHERE sha256 = ?", (sha256,)).fetchone()
        if row is None:
            raise OutboxError(f"blob {sha256} is not in the outbox")
        return row[0]

    def acknowledge(self, seq: int, record_hash: str, ledger_index: int | None) -> bool:
        """Mark a record delivered (after its acknowledgement was verified) and drop what it no
        longer needs. Idempotent; returns whether this call changed anything. Refuses an
        acknowledgement whose hash is not the stored record's."""
        with self._write() as db:
            row = db.execute("SELECT record_hash, acknowledged, blob_sha256, secret FROM records WHERE seq = ?",
                             (seq,)).fetchone()
            if row is None:
                raise OutboxError(f"no record {seq} in the outbox")
            if row[0] != record_hash:
                raise OutboxError(f"the acknowledgement of record {seq} names another record")
            if row[1]:
                return False
            db.execute("UPDATE records SET acknowledged = 1, ledger_index = ?, body = NULL, secret = NULL "
                       "WHERE seq = ?",
                       (ledger_index, seq))
            if row[2] is not None:
                db.execute("DELETE FROM blobs WHERE sha256 = ? AND NOT EXISTS (SELECT 1 FROM records "
                           "WHERE blob_sha256 = ? AND acknowledged = 0)", (row[2], row[2]))
            # Delivered records go, whatever their kind: with one heartbeat per tick, the number of
            # a record is a clock, and a delivered complaint's number would tell whoever reads the
            # disk when it was filed. The head stays (without its body) for the chain's last hash.
            db.execute("DELETE FROM records WHERE acknowledged = 1 AND seq < (SELECT max(seq) FROM records)")
        if row[2] is not None or row[3] is not None:
            # Deleted rows are zeroed (secure_delete); the WAL's old page images go too.
            with self._lock:
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return True

    def secure_delete_is_on(self) -> bool:
        with self._lock:
            return self._db.execute("PRAGMA secure_delete").fetchone()[0] == 1

    # -- state --------------------------------------------------------------------------------

    def get_state(self, key: str) -> bytes | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_state(self, key: str, value: bytes) -> None:
        with self._write() as db:
            db.execute("INSERT INTO state (key, value) VALUES (?, ?) "
                       "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))

    def replace_state_if(self, key: str, value: bytes, accept: Callable[[bytes | None], bool]) -> bool:
        """Set ``key`` to ``value`` if ``accept(current value)`` says so, atomically."""
        with self._write() as db:
            row = db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
            if not accept(row[0] if row else None):
                return False
            db.execute("INSERT INTO state (key, value) VALUES (?, ?) "
                       "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))
        return True

    def next_counter(self, key: str) -> int:
        """Increment and return a durable counter (the packet counter ``tx`` is one)."""
        with self._write() as db:
            row = db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
            value = int(row[0]) + 1 if row else 1
            db.execute("INSERT INTO state (key, value) VALUES (?, ?) "
                       "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, str(value).encode()))
        return value

    def integrity(self) -> list[str]:
        """Problems with what is stored: a pending record whose sealed blob is gone."""
        with self._lock:
            rows = self._db.execute(
                "SELECT seq FROM records WHERE acknowledged = 0 AND blob_sha256 IS NOT NULL "
                "AND blob_sha256 NOT IN (SELECT sha256 FROM blobs)").fetchall()
        return [f"record {s} has lost its blob" for (s,) in rows]
