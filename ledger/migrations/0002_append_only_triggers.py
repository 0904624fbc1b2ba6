"""Make the ledger tables append-only in the database itself, and index entries by leaf hash.

Triggers refuse UPDATE and DELETE on entries, subtree hashes, checkpoints and cosignatures, on
SQLite and on PostgreSQL (where a TRUNCATE of a non-empty ledger table is refused too; an empty
one may be truncated so test databases can still be flushed). A database owner can drop
triggers, so this guards against mistakes and compromised application code; tampering by the
owner is caught by the checkpoint consistency check and the witnesses.

The search-by-hash index is created here because the best index differs: PostgreSQL's hash index
is about half the size of a B-tree on 32 random bytes and equality is the only lookup needed.
Index pages of these append-only tables are filled completely (fillfactor 100): measured, this
brings PostgreSQL from about 300 to about 265 bytes per entry beyond the entry data.

The SQL lists are module constants so tests can lift the triggers around a database flush
(``ledger.testing.lift_append_only_triggers``).
"""

from django.db import migrations

TABLES = ("ledger_entry", "ledger_subtreehash", "ledger_checkpoint", "ledger_cosignature")

SQLITE_INDEX = ['CREATE INDEX "ledger_entry_leaf_hash_idx" ON "ledger_entry" ("leaf_hash")']
POSTGRES_INDEX = [
    'CREATE INDEX "ledger_entry_leaf_hash_idx" ON "ledger_entry" USING hash ("leaf_hash") WITH (fillfactor = 100)',
    # Append-only tables never update rows in place, so index pages need no room kept free.
    'ALTER INDEX "ledger_entry_pkey" SET (fillfactor = 100)',
    'ALTER INDEX "ledger_subtreehash_pkey" SET (fillfactor = 100)',
]
SQLITE_DROP_INDEX = ['DROP INDEX IF EXISTS "ledger_entry_leaf_hash_idx"']
POSTGRES_DROP_INDEX = [
    *SQLITE_DROP_INDEX,
    'ALTER INDEX "ledger_entry_pkey" RESET (fillfactor)',
    'ALTER INDEX "ledger_subtreehash_pkey" RESET (fillfactor)',
]

SQLITE_TRIGGERS = [
    f'CREATE TRIGGER "{table}_refuse_{op.lower()}" BEFORE {op} ON "{table}" '
    f"BEGIN SELECT RAISE(ABORT, 'ledger: {op} on {table} refused, the ledger is append-only'); END"
    for table in TABLES
    for op in ("UPDATE", "DELETE")
]
SQLITE_DROP_TRIGGERS = [
    f'DROP TRIGGER IF EXISTS "{table}_refuse_{op.lower()}"' for table in TABLES for op in ("UPDATE", "DELETE")
]

POSTGRES_TRIGGERS = [
    """
    CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'ledger: % on % refused, the ledger is append-only', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'restrict_violation';
    END $$
    """,
    """
    CREATE OR REPLACE FUNCTION ledger_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        has_rows boolean;
    BEGIN
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.%I)', TG_TABLE_SCHEMA, TG_TABLE_NAME) INTO has_rows;
        IF has_rows THEN
            RAISE EXCEPTION 'ledger: TRUNCATE of %, which holds ledger rows, refused', TG_TABLE_NAME
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NULL;
    END $$
    """,
    *[
        f'CREATE TRIGGER "{table}_refuse_change" BEFORE UPDATE OR DELETE ON "{table}" '
        "FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()"
        for table in TABLES
    ],
    *[
        f'CREATE TRIGGER "{table}_refuse_truncate" BEFORE TRUNCATE ON "{table}" '
        "FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_truncate()"
        for table in TABLES
    ],
]
POSTGRES_DROP_TRIGGERS = [
    *[f'DROP TRIGGER IF EXISTS "{table}_refuse_change" ON "{table}"' for table in TABLES],
    *[f'DROP TRIGGER IF EXISTS "{table}_refuse_truncate" ON "{table}"' for table in TABLES],
    "DROP FUNCTION IF EXISTS ledger_refuse_change()",
    "DROP FUNCTION IF EXISTS ledger_refuse_truncate()",
]


def statements(vendor, *, create):
    """The statements that create (or drop) the triggers and the hash index on ``vendor``."""
    if vendor == "sqlite":
        return SQLITE_INDEX + SQLITE_TRIGGERS if create else SQLITE_DROP_TRIGGERS + SQLITE_DROP_INDEX
    if vendor == "postgresql":
        return POSTGRES_INDEX + POSTGRES_TRIGGERS if create else POSTGRES_DROP_TRIGGERS + POSTGRES_DROP_INDEX
    raise NotImplementedError(f"the ledger supports SQLite and PostgreSQL, not {vendor}")


def install(apps, schema_editor):
    for sql in statements(schema_editor.connection.vendor, create=True):
        schema_editor.execute(sql, params=None)


def uninstall(apps, schema_editor):
    for sql in statements(schema_editor.connection.vendor, create=False):
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0001_entries_subtrees_checkpoints"),
    ]

    operations = [
        migrations.RunPython(install, uninstall),
    ]
