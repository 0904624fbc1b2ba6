"""Signing and key rotation survive a failure at every step: an exception or a killed process.

The steps, in order (``lib.faultpoints`` names): the checkpoint row stored (``sign:stored``), the
new key's file written (``rotate:key-written``, rotation only), the transaction about to commit
(``*:before-commit``), committed (``sign:committed``), the checkpoint remembered in the key
directory (``sign:remembered``), the old key's file renamed (``rotate:old-key-retired``). After a
failure at any of them the next signing and rotation succeed and the key state is consistent.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from ledger import keys
from ledger.errors import SigningKeyError
from ledger.models import Checkpoint, SigningKey
from ledger.tests import key_worker
from lib.testing.databases import separate_database

pytestmark = pytest.mark.usefixtures("ledger_settings")

ROOT = Path(__file__).resolve().parents[2]
WORKER = [sys.executable, "-m", "ledger.tests.key_worker"]

SIGN_STEPS = ["sign:stored", "sign:before-commit", "sign:committed", "sign:remembered"]
ROTATE_STEPS = [
    "sign:stored",
    "rotate:key-written",
    "rotate:before-commit",
    "sign:committed",
    "sign:remembered",
    "rotate:remembered",
    "rotate:old-key-retired",
]
CASES = [("sign", step) for step in SIGN_STEPS] + [("rotate", step) for step in ROTATE_STEPS]
COMMITTED = {"sign:committed", "sign:remembered", "rotate:remembered", "rotate:old-key-retired"}


@pytest.mark.parametrize(("operation", "point"), CASES)
def test_an_exception_at_any_step_leaves_a_state_the_next_signing_completes(
    ledger_transactional_db, operation, point
):
    key_worker.prepare()
    assert key_worker.run_with_fault(operation, point, "raise")
    rotated = operation == "rotate" and point in COMMITTED
    assert SigningKey.objects.count() == (2 if rotated else 1)
    if point not in COMMITTED:
        # Nothing committed, and nothing of it remembered: signing is not blocked.
        assert keys.last_signed()[0].size == 5
        assert Checkpoint.objects.get().size == 5
    assert key_worker.recover_and_check() == (2 if rotated else 1)


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [*WORKER, *args], capture_output=True, text=True, cwd=ROOT, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.parametrize(("operation", "point"), CASES)
def test_a_process_killed_at_any_step_leaves_a_state_the_next_signing_completes(tmp_path, operation, point):
    url, drop = separate_database(tmp_path, "keys")
    key_dir = str(tmp_path / "keys")
    try:
        killed = _run("fault", url, key_dir, operation, point, "kill")
        assert killed.returncode == -9, killed.stdout + killed.stderr
        assert killed.stdout.split() == ["ready"]
        check = _run("check", url, key_dir)
        assert check.returncode == 0, check.stdout + check.stderr
        rotations = 2 if operation == "rotate" and point in COMMITTED else 1
        assert check.stdout.split() == ["ok", str(rotations)]
    finally:
        drop()


def test_a_key_directory_inside_the_sqlite_databases_directory_is_refused(settings, tmp_path):
    database = connection.settings_dict
    settings.LEDGER_KEY_DIR = tmp_path / "var" / "keys"
    try:
        sqlite_file = str(tmp_path / "var" / "db.sqlite3")
        connection.settings_dict = {**database, "ENGINE": "django.db.backends.sqlite3", "NAME": sqlite_file}
        with pytest.raises(SigningKeyError, match="inside the directory of the SQLite database"):
            keys.key_dir()
        settings.LEDGER_KEY_DIR = tmp_path / "var"
        with pytest.raises(SigningKeyError, match="inside the directory"):
            keys.key_dir()
        settings.LEDGER_KEY_DIR = tmp_path / "var-keys"
        assert keys.key_dir() == tmp_path / "var-keys"
    finally:
        connection.settings_dict = database


def test_the_application_refuses_to_start_with_the_key_directory_beside_the_database(tmp_path):
    (tmp_path / "var").mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'db.sqlite3'}",
        "LEDGER_KEY_DIR": str(tmp_path / "var" / "keys"),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120
    )
    assert result.returncode != 0
    assert "LEDGER_KEY_DIR" in result.stderr
    assert "inside the directory of the SQLite database" in result.stderr
    env["LEDGER_KEY_DIR"] = str(tmp_path / "keys")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr


def test_the_default_key_directory_is_outside_the_default_databases_directory():
    from custodywatch import settings as project_settings

    database_dir = Path(project_settings.VAR_DIR).resolve()
    key_dir = Path(project_settings.LEDGER_KEY_DIR).resolve()
    if os.environ.get("LEDGER_KEY_DIR") or os.environ.get("DATABASE_URL"):
        pytest.skip("the environment overrides the defaults")
    assert not key_dir.is_relative_to(database_dir)


@pytest.mark.django_db
def test_commits_are_synced_to_disk_so_they_survive_a_power_cut():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA synchronous")
            assert cursor.fetchone()[0] == 2  # FULL: the WAL is synced at every commit
        else:
            # The application asks for it on every connection, whatever the server's default.
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "on"
            # fsync is the server's own setting (docs/deployment.md); the suite's throw-away
            # server is started without it on purpose (scripts/with-postgres, PG_FSYNC=off).
            if os.environ.get("PG_FSYNC") != "off":
                cursor.execute("SHOW fsync")
                assert cursor.fetchone()[0] == "on"
