"""The recorder agent's durable state: one SQLite file.

- ``heads``: each camera's next sequence number and the SHA-256 of its last segment;
- ``files``: every segment file already described (so a restart never describes one twice);
- ``outbox``: signed messages not yet acknowledged by the server.

A segment's manifest, its camera's new head and the file's row are written in one transaction:
after a crash either all three exist or none, so a segment is never lost and never numbered twice.
A message leaves the outbox only after the server answered for it (accepted, duplicate or
refused); a crash before that resends it, which the server acknowledges as a duplicate.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from custodywatch_protocol import recorder as rp

SCHEMA = """
CREATE TABLE IF NOT EXISTS heads (camera TEXT PRIMARY KEY, next_seq INTEGER NOT NULL, last_sha256 TEXT NOT NULL,
                                  last_end INTEGER);
CREATE TABLE IF NOT EXISTS files (camera TEXT NOT NULL, name TEXT NOT NULL, seq INTEGER NOT NULL,
                                  sha256 TEXT NOT NULL, present INTEGER NOT NULL DEFAULT 1,
                                  PRIMARY KEY (camera, name));
CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, body BLOB NOT NULL, sig BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS refused (id INTEGER PRIMARY KEY AUTOINCREMENT, body BLOB NOT NULL, kind TEXT NOT NULL,
                                    field TEXT NOT NULL, error TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Head:
    next_seq: int
    last_sha256: str
    last_end: int | None


class Outbox:
    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def head(self, camera: str) -> Head:
        row = self.db.execute("SELECT next_seq, last_sha256, last_end FROM heads WHERE camera = ?",
                              (camera,)).fetchone()
        return Head(*row) if row else Head(0, rp.ZERO_HASH, None)

    def known(self, camera: str) -> set[str]:
        return {name for (name,) in self.db.execute("SELECT name FROM files WHERE camera = ?", (camera,))}

    def add_segment(self, signed: rp.Signed, name: str) -> None:
        """Queue a segment's manifest and advance its camera's head, in one transaction."""
        m: rp.Segment = signed.message
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("INSERT INTO outbox (body, sig) VALUES (?, ?)", (signed.body, signed.signature))
            self.db.execute("INSERT INTO heads (camera, next_seq, last_sha256, last_end) VALUES (?, ?, ?, ?) "
                            "ON CONFLICT (camera) DO UPDATE SET next_seq = excluded.next_seq, "
                            "last_sha256 = excluded.last_sha256, last_end = excluded.last_end",
                            (m.camera, m.seq + 1, m.sha256, m.end))
            self.db.execute("INSERT INTO files (camera, name, seq, sha256) VALUES (?, ?, ?, ?)",
                            (m.camera, name, m.seq, m.sha256))

    def add(self, signed: rp.Signed) -> None:
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("INSERT INTO outbox (body, sig) VALUES (?, ?)", (signed.body, signed.signature))

    def pending(self, limit: int) -> list[tuple[int, rp.Signed]]:
        rows = self.db.execute("SELECT id, body, sig FROM outbox ORDER BY id LIMIT ?", (limit,)).fetchall()
        return [(i, rp.Signed(body=bytes(body), signature=bytes(sig), message=rp.parse_message(bytes(body))))
                for i, body, sig in rows]

    def done(self, ids: Iterable[int], refused: Iterable[tuple[bytes, str, str, str]] = ()) -> None:
        """The server answered for these messages: drop them (keeping the refused ones' reasons)."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("INSERT INTO refused (body, kind, field, error) VALUES (?, ?, ?, ?)", list(refused))
            self.db.executemany("DELETE FROM outbox WHERE id = ?", [(i,) for i in ids])

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM outbox").fetchone()[0]

    def refusals(self) -> list[tuple[str, str, str]]:
        return self.db.execute("SELECT kind, field, error FROM refused ORDER BY id").fetchall()

    def held(self, camera: str) -> list[tuple[int, str]]:
        return self.db.execute("SELECT seq, name FROM files WHERE camera = ? AND present = 1 ORDER BY seq",
                               (camera,)).fetchall()

    def mark_absent(self, camera: str, names: Iterable[str]) -> None:
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("UPDATE files SET present = 0 WHERE camera = ? AND name = ?",
                                [(camera, n) for n in names])
