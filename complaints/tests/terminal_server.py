"""A production server (gunicorn) with a database of its own, for the crash, proxy and canary tests.

``python -m complaints.tests.terminal_server DATABASE_URL KEYS_JSON`` migrates that database (if it is not),
makes an NPM, a facility and a routing list, registers one terminal per entry of KEYS_JSON
(``[{"device": hex, "transport": hex}, ...]``) and prints their setups as JSON. ``Server``
starts and SIGKILLs gunicorn on it; ``post`` is the terminals' HTTP transport.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PATH = "/api/v1/complaints/terminal/packet"


def setup_main() -> None:
    database_url, keys = sys.argv[1], json.loads(sys.argv[2])
    os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()

    from accounts.models import OrganisationKind
    from complaints.ingest import registration, routing
    from complaints.testing import AGE_TEST_RECIPIENT
    from custodywatch_protocol.terminal import Recipient
    from facilities.factories import FacilityFactory, OrganisationFactory
    from lib.testing.databases import migrate_if_needed

    migrate_if_needed()
    OrganisationFactory(code="npm", kind=OrganisationKind.NPM)
    facility = FacilityFactory(code="LA-155/1")
    routing.issue_routing_list(by=None, recipients=[Recipient("npm", "npm", AGE_TEST_RECIPIENT)],
                               recovery=AGE_TEST_RECIPIENT)
    setups = []
    for i, key in enumerate(keys):
        terminal = registration.register_terminal(facility=facility, label=f"T{i}", device_public_key=key["device"],
                                                  transport_public_key=key["transport"], by=None)
        setups.append(registration.terminal_setup(terminal))
    print(json.dumps(setups))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    database_url: str
    key_dir: Path
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    # The test settings (inline sequencing, one worker) unless told otherwise (the benchmark).
    extra: dict[str, str] = field(default_factory=lambda: {"DJANGO_SETTINGS_MODULE": "custodywatch.test_settings",
                                                           "WEB_CONCURRENCY": "1"})

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "PYTEST_XDIST_WORKER")}
        env.update(DATABASE_URL=self.database_url, LEDGER_KEY_DIR=str(self.key_dir), PYTHONPATH=str(ROOT),
                   ALLOWED_HOSTS="127.0.0.1", GUNICORN_BIND=f"127.0.0.1:{self.port}", GUNICORN_ACCESS_LOG=os.devnull,
                   LOG_LEVEL="WARNING", **self.extra)
        return env

    def setup(self, keys: list[dict]) -> list[dict]:
        out = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "complaints.tests.terminal_server", self.database_url, json.dumps(keys)],
            cwd=ROOT, env=self.env(), capture_output=True, text=True, timeout=180, check=False)
        assert out.returncode == 0, out.stderr[-3000:]
        return json.loads(out.stdout.strip().splitlines()[-1])

    def start(self) -> None:
        gunicorn = Path(sys.executable).parent / "gunicorn"
        with self.log.open("a") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own gunicorn and configuration
                [str(gunicorn), "-c", "deploy/gunicorn.conf.py"], cwd=ROOT, env=self.env(), stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                if post_to(self.port, b"")[0] == 400:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"gunicorn did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL the server and its workers (its own process group), as a power cut would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def rows(self, sql: str) -> list[tuple]:
        with sqlite3.connect(self.database_url.removeprefix("sqlite:///"), timeout=20) as c:
            return c.execute(sql).fetchall()


def post_to(port: int, packet: bytes, timeout: float = 10) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("POST", PATH, body=packet, headers={"Content-Type": "application/octet-stream"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def poster(port: Callable[[], int] | int) -> Callable[[bytes], bytes]:
    def post(packet: bytes) -> bytes:
        status, body = post_to(port() if callable(port) else port, packet)
        if status != 200:
            raise RuntimeError(f"HTTP {status}: {body[:200]!r}")
        return body
    return post


if __name__ == "__main__":
    setup_main()
