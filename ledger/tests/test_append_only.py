"""Every way to change or remove a logged row is refused by the database itself, on both databases.

Tried on each ledger table: UPDATE, DELETE (SQL, the ORM's queryset and instance delete),
REPLACE INTO and INSERT OR REPLACE (SQLite), upsert (INSERT ... ON CONFLICT DO UPDATE, and the
ORM's ``bulk_create(update_conflicts=True)``), MERGE and TRUNCATE (PostgreSQL). Signing keys may
only be retired. What the owner can still do with DDL (drop the triggers) is caught by signing.
"""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from ledger import services
from ledger.errors import LedgerForkError
from ledger.models import Checkpoint, Cosignature, Entry, SigningKey, SubtreeHash
from ledger.services import append_entries, sign_checkpoint
from ledger.testing import lift_append_only_triggers
from ledger.tests.conftest import segments

pytestmark = [pytest.mark.usefixtures("ledger_settings"), pytest.mark.django_db]

# Each table: its model, the primary-key columns, and a column to tamper with and its new value.
TABLES = {
    "ledger_entry": (Entry, ["index"], "kind", "footage:access"),
    "ledger_subtreehash": (SubtreeHash, ["level", "index"], "hash", b"\0" * 32),
    "ledger_checkpoint": (Checkpoint, ["id"], "note", "forged"),
    "ledger_cosignature": (Cosignature, ["id"], "line", "forged"),
    "ledger_signingkey": (SigningKey, ["id"], "vkey", "forged+00000000+AAAA"),
}


@pytest.fixture
def rows():
    """One stored row of every ledger table, keyed by table: ``{column: value}``."""
    append_entries(entries=segments(0, 2))
    checkpoint = sign_checkpoint()
    Cosignature.objects.create(
        checkpoint=checkpoint, witness="w", line="l", timestamp=1, created_at=checkpoint.created_at
    )
    out = {}
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1 LIMIT 1')  # noqa: S608 - fixed names
            columns = [c[0] for c in cursor.description]
            out[table] = dict(zip(columns, cursor.fetchone(), strict=True))
    return out


def _snapshot():
    with connection.cursor() as cursor:
        result = {}
        for table in TABLES:
            cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1, 2')  # noqa: S608 - fixed names
            result[table] = [tuple(bytes(v) if isinstance(v, memoryview) else v for v in r) for r in cursor.fetchall()]
        return result


def _refused(sql: str, params: list | None = None) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def _values(row: dict, column: str, value) -> tuple[str, str, list]:
    names = ", ".join(f'"{c}"' for c in row)
    marks = ", ".join(["%s"] * len(row))
    return names, marks, [value if c == column else v for c, v in row.items()]


@pytest.mark.parametrize("table", TABLES)
def test_update_and_delete_in_sql_are_refused(rows, table):
    _model, key, column, value = TABLES[table]
    before = _snapshot()
    where = " AND ".join(f'"{c}" = %s' for c in key)
    params = [rows[table][c] for c in key]
    _refused(f'UPDATE "{table}" SET "{column}" = %s WHERE {where}', [value, *params])  # noqa: S608
    _refused(f'DELETE FROM "{table}" WHERE {where}', params)  # noqa: S608
    _refused(f'DELETE FROM "{table}"')  # noqa: S608 - SQLite's truncate optimisation is off with triggers
    assert _snapshot() == before


@pytest.mark.parametrize("table", TABLES)
def test_replace_and_upsert_cannot_rewrite_a_row(rows, table):
    _model, key, column, value = TABLES[table]
    before = _snapshot()
    names, marks, params = _values(rows[table], column, value)
    conflict = ", ".join(f'"{c}"' for c in key)
    _refused(
        f'INSERT INTO "{table}" ({names}) VALUES ({marks}) ON CONFLICT ({conflict}) '  # noqa: S608
        f'DO UPDATE SET "{column}" = excluded."{column}"',
        params,
    )
    if connection.vendor == "sqlite":
        _refused(f'INSERT OR REPLACE INTO "{table}" ({names}) VALUES ({marks})', params)  # noqa: S608
        _refused(f'REPLACE INTO "{table}" ({names}) VALUES ({marks})', params)  # noqa: S608
        # A conflict clause does not help either: the collision itself is refused.
        _refused(f'INSERT OR IGNORE INTO "{table}" ({names}) VALUES ({marks})', params)  # noqa: S608
    assert _snapshot() == before


def test_replace_on_a_unique_constraint_other_than_the_key_is_refused(rows):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL has no REPLACE")
    before = _snapshot()
    checkpoint = dict(rows["ledger_checkpoint"], id=None, note="forged")
    names, marks, params = _values(checkpoint, "note", "forged")
    _refused(f'INSERT OR REPLACE INTO "ledger_checkpoint" ({names}) VALUES ({marks})', params)  # noqa: S608
    key = dict(rows["ledger_signingkey"], id=None, vkey="another+00000000+AAAA")
    names, marks, params = _values(key, "key_id", "ffffffff")
    # A second active key for the log name would REPLACE the active one.
    _refused(f'INSERT OR REPLACE INTO "ledger_signingkey" ({names}) VALUES ({marks})', params)  # noqa: S608
    assert _snapshot() == before


@pytest.mark.parametrize("table", TABLES)
def test_the_orm_cannot_change_or_delete_a_row(rows, table):
    model, _key, column, value = TABLES[table]
    before = _snapshot()
    instance = model.objects.order_by("pk").first()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        model.objects.filter(pk=instance.pk).update(**{column: value})
    setattr(instance, column, value)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        instance.save()
    instance.refresh_from_db()
    if model in (Entry, SubtreeHash):  # no model points at these, so the collector deletes directly
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            instance.delete()
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            model.objects.all().delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        model.objects.filter(pk=instance.pk)._raw_delete(model.objects.db)
    fields = [f for f in model._meta.concrete_fields if not f.primary_key or model is Entry]
    copy = model(**{**{f.attname: getattr(instance, f.attname) for f in fields}, column: value})
    if model not in (Entry, SubtreeHash):
        copy.pk = instance.pk
    unique = ["level", "index"] if model is SubtreeHash else [model._meta.pk.name]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        model.objects.bulk_create([copy], update_conflicts=True, unique_fields=unique, update_fields=[column])
    assert _snapshot() == before


@pytest.mark.parametrize("table", TABLES)
def test_merge_and_truncate_are_refused_on_postgresql(rows, table):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    _model, key, column, value = TABLES[table]
    before = _snapshot()
    with pytest.raises(DatabaseError, match="TRUNCATE"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'TRUNCATE "{table}" CASCADE')
    if connection.pg_version >= 150000:
        on = " AND ".join(f't."{c}" = s."{c}"' for c in key)
        select = ", ".join(f'%s AS "{c}"' for c in key)
        params = [rows[table][c] for c in key]
        _refused(
            f'MERGE INTO "{table}" t USING (SELECT {select}) s ON {on} '
            f'WHEN MATCHED THEN UPDATE SET "{column}" = %s',
            [*params, value],
        )
        _refused(f'MERGE INTO "{table}" t USING (SELECT {select}) s ON {on} WHEN MATCHED THEN DELETE', params)
    assert _snapshot() == before


def test_a_signing_key_can_be_retired_once_and_nothing_else():
    key = sign_checkpoint().signing_key
    SigningKey.objects.filter(pk=key.pk).update(retired_at=key.created_at)
    for change in ({"retired_at": None}, {"retired_at": key.created_at.replace(year=2030)}, {"name": "other"}):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            SigningKey.objects.filter(pk=key.pk).update(**change)


def test_every_trigger_is_installed_after_all_migrations():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        installed = {name for (name,) in cursor.fetchall()}
    tables = [t for t in TABLES if t != "ledger_signingkey"]
    if connection.vendor == "sqlite":
        expected = {f"{t}_refuse_{op}" for t in tables for op in ("update", "delete")}
        expected |= {f"{t}_refuse_replace" for t in TABLES}
        expected |= {"ledger_signingkey_refuse_update", "ledger_signingkey_refuse_delete"}
    else:
        expected = {f"{t}_refuse_{op}" for t in TABLES for op in ("change", "truncate")}
    assert expected <= installed


def test_an_owner_who_drops_the_triggers_and_rewrites_the_log_is_caught(django_capture_on_commit_callbacks):
    append_entries(entries=segments(0, 8))
    with django_capture_on_commit_callbacks(execute=True):
        sign_checkpoint()
    # The owner drops the triggers (DDL), deletes everything and writes another history.
    with lift_append_only_triggers(connection):
        Cosignature.objects.all().delete()
        Checkpoint.objects.all().delete()
        SubtreeHash.objects.all().delete()
        Entry.objects.all().delete()
    append_entries(entries=segments(100, 8))
    with pytest.raises(LedgerForkError, match="not consistent"):
        services.sign_checkpoint()
