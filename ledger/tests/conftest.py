"""Fixtures for the ledger's Django-side tests: a private key directory and clean ledger tables."""

from __future__ import annotations

import hashlib

import pytest
from django.db import connection

from ledger.encoding import NewEntry, encode_entry
from ledger.testing import empty_ledger_tables


@pytest.fixture
def ledger_settings(settings, tmp_path, monkeypatch):
    """A private key directory, the test origin and no witnesses (used by every module here;
    not autouse, so the Django-free core tests below this directory stay untouched)."""
    monkeypatch.delenv("LEDGER_SIGNING_KEY", raising=False)
    monkeypatch.delenv("LEDGER_SIGNING_KEY_FILE", raising=False)
    settings.LEDGER_KEY_DIR = tmp_path / "keys"
    settings.LEDGER_ORIGIN = "custodywatch.test/ledger"
    settings.LEDGER_WITNESSES = []
    settings.LEDGER_WITNESS_QUORUM = None
    return settings


@pytest.fixture
def ledger_transactional_db(transactional_db):
    """A transaction=True database whose ledger rows are removed (triggers lifted) afterwards."""
    yield
    empty_ledger_tables(connection)


def segment(i: int) -> NewEntry:
    """A video segment entry numbered ``i``: the public part only (a commitment to a made-up record)."""
    digest = hashlib.sha256(f"segment {i}".encode()).hexdigest()
    return encode_entry(kind="segment", payload={"time": "2026-11-22T05Z", "commitment": digest})


def segments(start: int, count: int) -> list[NewEntry]:
    return [segment(i) for i in range(start, start + count)]
