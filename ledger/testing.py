"""Helpers for tests and benchmarks of the ledger (not used by the running application).

* ``configure_standalone`` sets Django up with only the ledger app, for subprocesses and
  benchmarks that need a database of their own.
* ``empty_ledger_tables`` deletes every ledger row with the append-only triggers lifted for a
  moment, so ``transaction=True`` tests can leave a database that Django can flush.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from lib.db.sqlite import ENGINE as SQLITE_ENGINE

_TRIGGERS = importlib.import_module("ledger.migrations.0002_append_only_triggers")
_MORE_TRIGGERS = importlib.import_module("ledger.migrations.0004_refuse_replace_and_key_changes")
_RECORD_TRIGGERS = importlib.import_module("ledger.migrations.0003_records_outbox_and_openings")


def configure_standalone(database_url: str, *, key_dir: Path | str, **overrides: Any) -> None:
    """Configure and set up Django with the ledger app alone, using ``database_url``."""
    import dj_database_url
    import django
    from django.conf import settings

    database = dj_database_url.parse(database_url)
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database["ENGINE"] = SQLITE_ENGINE
        database["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
        }
    settings.configure(
        DEBUG=False,
        SECRET_KEY="standalone-ledger",  # noqa: S106 - never serves requests
        INSTALLED_APPS=["ledger"],
        DATABASES={"default": database},
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        USE_TZ=True,
        TIME_ZONE="UTC",
        LEDGER_ORIGIN="custodywatch.example/ledger",
        LEDGER_KEY_DIR=Path(key_dir),
        **overrides,
    )
    django.setup()


def _trigger_statements(vendor: str, *, create: bool) -> list[str]:
    if vendor == "sqlite":
        if create:
            return _TRIGGERS.SQLITE_TRIGGERS + _RECORD_TRIGGERS.SQLITE_TRIGGERS + _MORE_TRIGGERS.SQLITE_TRIGGERS
        return (_MORE_TRIGGERS.SQLITE_DROP_TRIGGERS + _RECORD_TRIGGERS.SQLITE_DROP_TRIGGERS
                + _TRIGGERS.SQLITE_DROP_TRIGGERS)
    # 0004's PostgreSQL triggers use 0002's functions: create after them, drop before them.
    if create:
        return _TRIGGERS.POSTGRES_TRIGGERS + _RECORD_TRIGGERS.POSTGRES_TRIGGERS + _MORE_TRIGGERS.POSTGRES_TRIGGERS
    return (_MORE_TRIGGERS.POSTGRES_DROP_TRIGGERS + _RECORD_TRIGGERS.POSTGRES_DROP_TRIGGERS
            + _TRIGGERS.POSTGRES_DROP_TRIGGERS)


def drop_append_only_triggers(connection: Any) -> None:
    with connection.cursor() as cursor:
        for sql in _trigger_statements(connection.vendor, create=False):
            cursor.execute(sql)


def install_append_only_triggers(connection: Any) -> None:
    with connection.cursor() as cursor:
        for sql in _trigger_statements(connection.vendor, create=True):
            cursor.execute(sql)


@contextmanager
def lift_append_only_triggers(connection: Any) -> Iterator[None]:
    """Drop the triggers inside the block and reinstall them after it."""
    drop_append_only_triggers(connection)
    try:
        yield
    finally:
        install_append_only_triggers(connection)


LEDGER_TABLES = (
    "ledger_record", "ledger_cosignature", "ledger_checkpoint", "ledger_subtreehash", "ledger_entry",
    "ledger_signingkey",
)


def empty_ledger_tables(connection: Any) -> None:
    """Delete every ledger row (tests only): lift the triggers, delete, reinstall them."""
    with lift_append_only_triggers(connection), connection.cursor() as cursor:
        for table in LEDGER_TABLES:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # noqa: S608 - fixed names
