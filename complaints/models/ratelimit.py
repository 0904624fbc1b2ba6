"""Counters of the public form's per-address limits, kept in the database so every server process
(gunicorn runs several) counts into the same row."""

from __future__ import annotations

from django.db import models


class AddressCounter(models.Model):
    # What is counted, for which address (a hash of it, never the address) and in which window.
    key = models.CharField(max_length=100, unique=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
