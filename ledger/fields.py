"""Model fields the ledger's storage layout needs."""

from __future__ import annotations

from typing import Any

from django.db import models


class LeafIndexField(models.BigIntegerField):
    """A 64-bit integer primary key that SQLite stores as the table's rowid.

    SQLite only aliases the rowid for a column declared exactly ``INTEGER PRIMARY KEY``; Django
    declares big integers ``bigint``, which would keep a separate rowid plus a second B-tree for
    the key (about 25 more bytes per entry and an extra lookup). SQLite integers are 64-bit anyway.
    """

    def db_type(self, connection: Any) -> str | None:
        if connection.vendor == "sqlite" and self.primary_key:
            return "integer"
        return super().db_type(connection)
