"""Real worker and scheduler processes on a migrated database of their own (a file for SQLite, a
database on the test server for PostgreSQL), read back with plain SQL."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)


@dataclass
class JobsDatabase:
    url: str
    vendor: str

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        if self.vendor == "sqlite":
            with sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=20) as c:
                return c.execute(sql, params).fetchall()
        import psycopg

        with psycopg.connect(self.url.replace("postgres://", "postgresql://", 1)) as c:
            return c.execute(sql.replace("?", "%s"), params).fetchall()

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "PYTEST_XDIST_WORKER")}
        env.update(DATABASE_URL=self.url, DJANGO_SETTINGS_MODULE="custodywatch.test_settings",
                   JOBS_WORKER_LEASE_SECONDS="2", PYTHONPATH=str(ROOT), **extra)
        return env

    def queue(self, *jobs: dict) -> list[str]:
        """Queue `jobs`; returns their ids."""
        out = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "jobs.tests.proc", self.url, json.dumps(list(jobs))],
                             cwd=ROOT, env=self.env(), capture_output=True, text=True, timeout=180, check=False)
        assert out.returncode == 0, out.stderr[-3000:]
        return out.stdout.split()

    def start(self, *command: str, log: Path) -> subprocess.Popen:
        with log.open("a") as out:  # the child keeps its own copy of the descriptor
            return subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
                [sys.executable, "manage.py", *command], cwd=ROOT, env=self.env(),
                                    stdout=out, stderr=subprocess.STDOUT)

    def status(self, task_id: str) -> str:
        found = self.rows("SELECT status FROM django_tasks_database_dbtaskresult WHERE id = ?",
                          (self._id(task_id),))
        return found[0][0] if found else ""

    def failures(self, task_id: str) -> list[tuple]:
        """(attempt, error class, outcome, seconds from failure to retry) of each failed attempt."""
        rows = self.rows("SELECT attempt, error_class, outcome, failed_at, retry_at FROM jobs_jobfailure "
                         "WHERE task_id = ? ORDER BY attempt", (self._id(task_id),))
        return [(a, e, o, _seconds(f, r)) for a, e, o, f, r in rows]

    def _id(self, task_id: str) -> str:
        return task_id.replace("-", "") if self.vendor == "sqlite" else task_id

    def wait_for(self, predicate, *, timeout: float = 90, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what or predicate}")


def _seconds(start, end) -> float | None:
    if end is None:
        return None
    from datetime import datetime

    if isinstance(start, str):
        start, end = datetime.fromisoformat(start), datetime.fromisoformat(end)
    return round((end - start).total_seconds(), 1)


@pytest.fixture(scope="module")
def jobs_database(tmp_path_factory, migrated_database, django_db_blocker) -> Iterator[JobsDatabase]:
    with django_db_blocker.unblock():
        url, drop = migrated_database(tmp_path_factory.mktemp("jobs"), "jobs")
    yield JobsDatabase(url=url, vendor=connection.vendor)
    drop()


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen]]:
    """Processes a test started; whatever is still running at the end is killed."""
    started: list[subprocess.Popen] = []
    yield started
    for p in started:
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            p.wait(timeout=10)
