"""A database of its own for a process a test starts (a killed worker, a sequencer, a server).

``separate_database`` is an empty one (the process migrates what it needs); ``migrated_database``
(a fixture) is a copy of the test database as its migrations left it, before any test ran: the
schema, triggers and data migrations of a real ``migrate``, without running the migrations again
in every process test (each run re-renders the whole model state: seconds of CPU).
"""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

Drop = Callable[[], None]


def _admin() -> dict[str, object]:
    from django.db import connection

    params = connection.get_connection_params()
    return {k: v for k, v in params.items() if k in ("host", "port", "user", "password")}


def _postgres_url(name: str) -> str:
    admin = _admin()
    host = str(admin.get("host", ""))
    query = f"?host={host}&port={admin.get('port', 5432)}" if host.startswith("/") else ""
    netloc = f"{admin.get('user', 'postgres')}@{'' if query else host}"
    return f"postgres://{netloc}/{name}{query}"


def _postgres(sql: str) -> None:
    import psycopg

    with psycopg.connect(dbname="postgres", autocommit=True, **_admin()) as c:
        c.execute(sql)


def _new_postgres_database(tag: str, template: str | None = None) -> tuple[str, Drop]:
    from django.db import connection

    name = f"{connection.settings_dict['NAME']}_{tag}_{uuid.uuid4().hex[:8]}"
    _postgres(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return _postgres_url(name), lambda: _postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def separate_database(directory: Path, tag: str) -> tuple[str, Drop]:
    """The URL of an empty database beside the test database, and a callable that drops it.

    On SQLite a file in ``directory/db`` (a folder of its own, apart from any ledger key
    directory under ``directory``); on PostgreSQL a new database on the same server.
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        (directory / "db").mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{directory / 'db' / f'{tag}.sqlite3'}", lambda: None
    return _new_postgres_database(tag)


class MigratedTemplate:
    """The test database as its migrations left it, kept aside to be copied.

    SQLite: the in-memory test database backed up into a file. PostgreSQL: a database created
    from the test database as template (the test connection is closed for that: a template may
    have no other session).
    """

    def __init__(self, directory: Path) -> None:
        from django.db import connection

        self.vendor = connection.vendor
        if self.vendor == "postgresql":
            self.name = f"{connection.settings_dict['NAME']}_migrated"
            connection.close()
            _postgres(f'CREATE DATABASE "{self.name}" TEMPLATE "{connection.settings_dict["NAME"]}"')
            return
        self.path = directory / "migrated.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(self.path) as target:
            connection.connection.backup(target)
        target.close()

    def copy(self, directory: Path, tag: str) -> tuple[str, Drop]:
        if self.vendor == "postgresql":
            return _new_postgres_database(tag, template=self.name)
        (directory / "db").mkdir(parents=True, exist_ok=True)
        path = directory / "db" / f"{tag}.sqlite3"
        shutil.copyfile(self.path, path)
        return f"sqlite:///{path}", lambda: None

    def drop(self) -> None:
        if self.vendor == "postgresql":
            _postgres(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


_template: MigratedTemplate | None = None


def keep_migrated_template(directory: Path) -> None:
    """Called once the test database is migrated and before any test has used it."""
    global _template
    _template = MigratedTemplate(directory)


def drop_migrated_template() -> None:
    global _template
    if _template is not None:
        _template.drop()
        _template = None


@pytest.fixture(scope="session")
def migrated_database(django_db_setup) -> Callable[[Path, str], tuple[str, Drop]]:
    """``migrated_database(directory, tag)``: the URL of a migrated database of its own (a copy of
    the test database as migrated, kept by the root conftest's ``django_db_setup``), and a callable
    that drops it. No test data is in it: the copy was taken before the first test."""
    if _template is None:
        raise RuntimeError("no migrated template: the root conftest keeps one when a collected test "
                           "uses the migrated_database fixture")
    return _template.copy


def migrate_if_needed() -> None:
    """Apply the migrations a process's database lacks (none on a migrated copy): checking is a
    fraction of a second, a ``migrate`` that finds nothing to do still renders the model state."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", verbosity=0)
