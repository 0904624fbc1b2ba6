"""Close the ways around the append-only triggers of ``0002`` and protect the signing-key records.

SQLite's ``INSERT OR REPLACE`` (and ``REPLACE INTO``) deletes a conflicting row without firing
delete triggers (unless a connection enables ``recursive_triggers``, which nothing guarantees), so
a logged entry could be rewritten in place. A BEFORE INSERT trigger on each ledger table now
refuses any insert that collides with a stored row on its primary key or a unique constraint,
whatever conflict clause the statement carries. (PostgreSQL has no REPLACE; its ``ON CONFLICT DO
UPDATE`` and ``MERGE`` fire the row triggers of ``0002``.)

Signing-key rows may change in one way only: an active key is retired (``retired_at`` set once,
nothing else changed). Deleting one, or any other change, is refused on both databases.

What triggers cannot stop: the database owner can drop triggers or tables (DDL). That is caught
outside the database: checkpoints already signed and cosigned by witnesses no longer verify
against what is served, and signing refuses a tree that does not extend the last checkpoint.
"""

import importlib

from django.db import migrations

# Each ledger table, the columns of its primary key and of each unique constraint.
UNIQUE_KEYS = {
    "ledger_entry": [("index",)],
    "ledger_subtreehash": [("level", "index")],
    "ledger_checkpoint": [("id",), ("size", "signing_key_id")],
    "ledger_cosignature": [("id",), ("checkpoint_id", "witness")],
    "ledger_signingkey": [("id",), ("vkey",)],
}


def _collides(table: str) -> str:
    keys = [" AND ".join(f'"{column}" = NEW."{column}"' for column in columns) for columns in UNIQUE_KEYS[table]]
    condition = " OR ".join(f"({key})" for key in keys)
    if table == "ledger_signingkey":
        # The partial unique constraint: one active key per log name.
        condition += ' OR (NEW."retired_at" IS NULL AND "name" = NEW."name" AND "retired_at" IS NULL)'
    return f'SELECT 1 FROM "{table}" WHERE {condition}'


SQLITE_TRIGGERS = [
    *[
        f'CREATE TRIGGER "{table}_refuse_replace" BEFORE INSERT ON "{table}" '
        f"WHEN EXISTS ({_collides(table)}) "
        f"BEGIN SELECT RAISE(ABORT, 'ledger: an insert replacing a row of {table} refused, "
        "the ledger is append-only'); END"
        for table in UNIQUE_KEYS
    ],
    'CREATE TRIGGER "ledger_signingkey_refuse_delete" BEFORE DELETE ON "ledger_signingkey" '
    "BEGIN SELECT RAISE(ABORT, 'ledger: DELETE on ledger_signingkey refused, the ledger is append-only'); END",
    'CREATE TRIGGER "ledger_signingkey_refuse_update" BEFORE UPDATE ON "ledger_signingkey" '
    'WHEN NOT (OLD."retired_at" IS NULL AND NEW."retired_at" IS NOT NULL AND NEW."id" = OLD."id" '
    'AND NEW."name" = OLD."name" AND NEW."key_id" = OLD."key_id" AND NEW."vkey" = OLD."vkey" '
    'AND NEW."created_at" = OLD."created_at") '
    "BEGIN SELECT RAISE(ABORT, 'ledger: UPDATE on ledger_signingkey refused, the ledger is append-only "
    "(a key can only be retired)'); END",
]
SQLITE_DROP_TRIGGERS = [
    *[f'DROP TRIGGER IF EXISTS "{table}_refuse_replace"' for table in UNIQUE_KEYS],
    'DROP TRIGGER IF EXISTS "ledger_signingkey_refuse_delete"',
    'DROP TRIGGER IF EXISTS "ledger_signingkey_refuse_update"',
]

POSTGRES_TRIGGERS = [
    """
    CREATE OR REPLACE FUNCTION ledger_refuse_key_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND OLD.retired_at IS NULL AND NEW.retired_at IS NOT NULL
           AND (NEW.id, NEW.name, NEW.key_id, NEW.vkey, NEW.created_at)
               IS NOT DISTINCT FROM (OLD.id, OLD.name, OLD.key_id, OLD.vkey, OLD.created_at) THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'ledger: % on % refused, the ledger is append-only (a key can only be retired)',
            TG_OP, TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
    END $$
    """,
    'CREATE TRIGGER "ledger_signingkey_refuse_change" BEFORE UPDATE OR DELETE ON "ledger_signingkey" '
    "FOR EACH ROW EXECUTE FUNCTION ledger_refuse_key_change()",
    'CREATE TRIGGER "ledger_signingkey_refuse_truncate" BEFORE TRUNCATE ON "ledger_signingkey" '
    "FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_truncate()",
]
POSTGRES_DROP_TRIGGERS = [
    'DROP TRIGGER IF EXISTS "ledger_signingkey_refuse_change" ON "ledger_signingkey"',
    'DROP TRIGGER IF EXISTS "ledger_signingkey_refuse_truncate" ON "ledger_signingkey"',
    "DROP FUNCTION IF EXISTS ledger_refuse_key_change()",
]


def statements(vendor, *, create):
    """The statements that create (or drop) these triggers on ``vendor``."""
    if vendor == "sqlite":
        return SQLITE_TRIGGERS if create else SQLITE_DROP_TRIGGERS
    if vendor == "postgresql":
        return POSTGRES_TRIGGERS if create else POSTGRES_DROP_TRIGGERS
    raise NotImplementedError(f"the ledger supports SQLite and PostgreSQL, not {vendor}")


def _reinstate_0002(vendor):
    """0002's triggers again, where missing: on SQLite, a migration that alters a ledger table
    rebuilds it (new table, copy, drop, rename) and the old table's triggers go with it."""
    if vendor != "sqlite":
        return []
    first = importlib.import_module("ledger.migrations.0002_append_only_triggers")
    return [sql.replace("CREATE TRIGGER ", "CREATE TRIGGER IF NOT EXISTS ", 1) for sql in first.SQLITE_TRIGGERS]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in [*_reinstate_0002(vendor), *statements(vendor, create=True)]:
        schema_editor.execute(sql, params=None)


def uninstall(apps, schema_editor):
    for sql in statements(schema_editor.connection.vendor, create=False):
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0003_records_outbox_and_openings"),
    ]

    operations = [
        migrations.RunPython(install, uninstall),
    ]
