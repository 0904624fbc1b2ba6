"""An import killed just before it commits leaves nothing: no detention, alert, submission or ledger record."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from custody.testing import csv_bytes, row

ROOT = Path(__file__).resolve().parents[2]


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "custody.tests.import_worker", *args], capture_output=True, text=True, cwd=ROOT,
        timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT), **env},
    )


@pytest.mark.sqlite_only
@pytest.mark.django_db
def test_a_killed_import_leaves_nothing_half_written(migrated_database, tmp_path):
    url, drop = migrated_database(tmp_path, "custody")
    upload = tmp_path / "tdc.csv"
    upload.write_bytes(csv_bytes([row("R-1"), row("R-2", court_sanction_at="05.03.2026 10:00",
                                                  transferred_at="05.03.2026 11:00")]))
    env = {"DATABASE_URL": url, "LEDGER_KEY_DIR": str(tmp_path / "keys"), "DATA_DIR": str(tmp_path / "var")}
    try:
        killed = _run(env, "fault", str(upload))
        assert killed.returncode == -9, killed.stdout + killed.stderr
        assert killed.stdout.split() == ["ready"]
        check = _run(env, "check")
        assert check.returncode == 0, check.stderr
        assert check.stdout.split() == ["0", "0", "0", "0", "0"]
    finally:
        drop()
