"""A database of its own for a process a test starts (a killed worker, a sequencer, a scheduler)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

from django.db import connection


def separate_database(directory: Path, tag: str) -> tuple[str, Callable[[], None]]:
    """The URL of an empty database beside the test database, and a callable that drops it.

    On SQLite a file in ``directory/db`` (a folder of its own, apart from any ledger key
    directory under ``directory``); on PostgreSQL a new database on the same server.
    """
    if connection.vendor != "postgresql":
        (directory / "db").mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{directory / 'db' / f'{tag}.sqlite3'}", lambda: None
    import psycopg

    params = connection.get_connection_params()
    name = f"{connection.settings_dict['NAME']}_{tag}_{uuid.uuid4().hex[:8]}"
    admin = {k: v for k, v in params.items() if k in ("host", "port", "user", "password")}
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as c:
        c.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(dbname="postgres", autocommit=True, **admin) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    host = admin.get("host", "")
    query = f"?host={host}&port={admin.get('port', 5432)}" if host.startswith("/") else ""
    netloc = f"{admin.get('user', 'postgres')}@{'' if query else host}"
    return f"postgres://{netloc}/{name}{query}", drop
