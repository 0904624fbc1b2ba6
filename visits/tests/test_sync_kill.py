"""SIGKILL the server (gunicorn, its own database) in the middle of a device's sync: after the restart,
sending everything again stores each record once, loses none that was acknowledged, and the sealed
interview notes open with the body's identity."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import threading
import time
import uuid

import pyrage
import pytest

from complaints.tests.terminal_server import ROOT, Server

pytestmark = [pytest.mark.sqlite_only, pytest.mark.django_db]
FIRST, SECOND, INTERVIEWS = 40, 400, 6


def _sync(port: int, token: str, visit: int, body: dict, timeout: float = 120) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("POST", f"/api/v1/visits/{visit}/sync", body=json.dumps(body),
                           headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        connection.close()


def _batch(n: int, tag: str, interviews: int = 0) -> dict:
    return {"observations": [{"device_id": str(uuid.uuid4()), "text": f"{tag} observation {i}"} for i in range(n)],
            "interviews": [{"device_id": str(uuid.uuid4()), "label": f"{tag}-{i:02d}",
                            "notes": f"{tag} notes {i}: the cell floods at night"} for i in range(interviews)]}


def test_a_server_killed_mid_sync_loses_nothing_acknowledged_and_stores_nothing_twice(migrated_database, tmp_path):
    url, _drop = migrated_database(tmp_path, "sync")
    server = Server(url, key_dir=tmp_path / "keys", log=tmp_path / "server.log")
    server.extra = {**server.extra, "DATA_DIR": str(tmp_path)}
    setup = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "visits.tests.sync_server", url], cwd=ROOT, env=server.env(), capture_output=True,
        text=True, timeout=180, check=False)
    assert setup.returncode == 0, setup.stderr[-3000:]
    world = json.loads(setup.stdout.strip().splitlines()[-1])
    token, visit = world["token"], world["visit"]

    first, second = _batch(FIRST, "A", INTERVIEWS), _batch(SECOND, "B", INTERVIEWS)
    server.start()
    try:
        status, answer = _sync(server.port, token, visit, first)
        assert status == 200, answer
        acknowledged = {r["device_id"] for r in answer["results"] if r["outcome"] == "saved"}
        assert len(acknowledged) == FIRST + INTERVIEWS

        outcome: list = []
        sender = threading.Thread(target=lambda: outcome.append(_try_sync(server.port, token, visit, second)))
        sender.start()
        deadline = time.monotonic() + 120
        while len(server.rows("SELECT id FROM visits_observation")) < FIRST + 20:
            assert time.monotonic() < deadline, (tmp_path / "server.log").read_text()[-3000:]
            time.sleep(0.005)
        server.kill()  # mid-batch: some items committed, the answer never sent
        sender.join(timeout=30)
        assert outcome == [None], "the batch was answered before the kill: nothing was cut"
        committed = len(server.rows("SELECT id FROM visits_observation"))
        assert FIRST + 20 <= committed < FIRST + SECOND

        saved_before = {str(uuid.UUID(d)) for (d,) in server.rows("SELECT device_id FROM visits_observation")}

        server.start()
        status, again = _sync(server.port, token, visit, second)  # the device sends all it has again
        assert status == 200, again
        outcomes = {r["device_id"]: r["outcome"] for r in again["results"] if r["kind"] == "observation"}
        assert {d for d, o in outcomes.items() if o == "duplicate"} == saved_before - acknowledged
        assert {d for d, o in outcomes.items() if o == "saved"} == set(outcomes) - saved_before
        status, again = _sync(server.port, token, visit, first)
        assert status == 200, again
        assert {r["outcome"] for r in again["results"]} == {"duplicate"}  # acknowledged before: all known
    finally:
        server.kill()

    sent = {item["device_id"]: item for batch in (first, second) for item in batch["observations"]}
    stored = server.rows("SELECT device_id, text FROM visits_observation")
    assert len(stored) == len(sent) == FIRST + SECOND  # none lost, none twice
    assert {str(uuid.UUID(d)): t for d, t in stored} == {d: item["text"] for d, item in sent.items()}
    assert acknowledged <= {str(uuid.UUID(d)) for d, _t in stored} | {
        str(uuid.UUID(d)) for (d,) in server.rows("SELECT device_id FROM visits_interview")}
    interviews = server.rows("SELECT label, sealed_notes FROM visits_interview ORDER BY label")
    assert [label for label, _n in interviews] == sorted(f"{t}-{i:02d}" for t in "AB" for i in range(INTERVIEWS))
    identity = pyrage.x25519.Identity.from_str(world["identity"])
    for label, sealed in interviews:
        tag, number = label.split("-")
        assert pyrage.decrypt(bytes(sealed), [identity]).decode() == \
            f"{tag} notes {int(number)}: the cell floods at night"


def _try_sync(port: int, token: str, visit: int, body: dict) -> tuple[int, dict] | None:
    try:
        return _sync(port, token, visit, body)
    except (OSError, http.client.HTTPException, json.JSONDecodeError):
        return None
