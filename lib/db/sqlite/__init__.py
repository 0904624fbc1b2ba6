"""Django's SQLite engine, with every transaction waiting for its writer turn (lib.writer_turn)."""

from __future__ import annotations

from pathlib import Path

ENGINE = "lib.db.sqlite"


def database_directory(connection) -> Path | None:
    """The directory holding the connection's SQLite database file, or None (another engine, a
    database in memory)."""
    name = str(connection.settings_dict.get("NAME") or "")
    if connection.vendor != "sqlite" or not name or name == ":memory:":
        return None
    if name.startswith("file:"):
        if "mode=memory" in name:
            return None
        name = name.removeprefix("file:").split("?", 1)[0]
    return Path(name).resolve().parent
