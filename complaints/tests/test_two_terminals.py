"""Issue 8 end to end: two real terminal agents, each enrolled to its facility, file complaints
through their kiosks against the real server under gunicorn; each receipt shows its ledger entry
once the signed acknowledgement and its inclusion proof verified on the terminal, and an officer of
the NPM opens both. It runs in the PostgreSQL run of the suite; on SQLite, eight terminals go
through the same server path in ``test_crash.py`` (and ``make demo-terminals`` runs this on SQLite)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db]
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "demo_terminals.py"


def _script():
    spec = importlib.util.spec_from_file_location("demo_terminals", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_two_terminals_file_complaints_that_are_acknowledged_in_the_ledger_and_read_by_an_officer(
        migrated_database, tmp_path):
    demo_terminals = _script()
    url, drop = migrated_database(tmp_path, "terminals")
    (tmp_path / "demo").mkdir(mode=0o700)
    demo = demo_terminals.Demo(tmp_path / "demo", url)
    try:
        demo.start()
        problems = demo.check()
    finally:
        demo.stop()
        drop()
    assert problems == []
    filed = dict((locator, kiosk) for kiosk, locator in demo.report["filed"])
    assert len(set(filed.values())) == 2  # one complaint per terminal
    seen = {row["locator"]: row for row in demo.report["officer"]}
    assert set(seen) == set(filed)
    assert {row["facility"] for row in seen.values()} == set(demo_terminals.FACILITIES)
    assert sorted(row["text"] for row in seen.values()) == sorted(demo_terminals.TEXTS)
    # Logged in on the web, unlocked with the passphrase, the officer reads the same two complaints.
    assert sorted(demo.report["officer_on_the_web"]) == sorted(demo_terminals.TEXTS)
    # The index each kiosk showed (from its verified acknowledgement) is the complaint's ledger entry.
    assert demo.report["ledger"] == {locator: row["ledger_index"] for locator, row in seen.items()}
    assert len(set(demo.report["ledger"].values())) == 2
