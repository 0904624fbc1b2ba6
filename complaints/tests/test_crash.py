"""SIGKILL the production server in the middle of 500 submissions from eight terminals: every
acknowledged complaint is there after the restart, every other one is re-sent from the terminal's
outbox and arrives, none is lost and none is stored twice."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from complaints.testing import SimTerminal
from complaints.tests.terminal_server import Server, poster
from custodywatch_protocol import terminal as protocol

pytestmark = [pytest.mark.sqlite_only, pytest.mark.django_db]
TERMINALS, PER_TERMINAL = 8, 63


KILL_AFTER = 100  # acknowledgements before the kill


def _run(sim: SimTerminal, post, stop: threading.Event, up: threading.Event, acked: list,
         reached: threading.Event) -> None:
    while sim.pending and not stop.is_set():
        step = sim.step(post)
        if step.ack is not None:
            acked.append((sim.terminal, step.ack.seq, step.ack.ledger.index))
            if len(acked) >= KILL_AFTER:
                reached.set()
        elif step.error and not up.wait(timeout=5):
            continue  # still down: try again (a real terminal would on its next tick)
        elif step.error:
            time.sleep(0.01)  # up again, or an answer lost in the kill: send again


def test_a_killed_server_loses_no_acknowledged_complaint_and_stores_none_twice(migrated_database, tmp_path):
    url, _drop = migrated_database(tmp_path, "crash")
    # The production settings (DEBUG off, the ledger's sequencer thread in each worker), as deployed.
    server = Server(url, key_dir=tmp_path / "keys", log=tmp_path / "server.log", extra={
        "DJANGO_SETTINGS_MODULE": "custodywatch.settings", "SECRET_KEY": "crash-test-only", "SECURE_SSL_REDIRECT": "0",
        "DATA_DIR": str(tmp_path), "LEDGER_SEQUENCER": "thread", "WEB_CONCURRENCY": "2"})
    keys = [(Ed25519PrivateKey.generate(), X25519PrivateKey.generate()) for _ in range(TERMINALS)]
    setups = server.setup([{"device": protocol.raw_public(d.public_key()).hex(),
                            "transport": protocol.raw_public(t.public_key()).hex()} for d, t in keys])
    sims = [SimTerminal.for_setup(s, device=d, transport=t) for s, (d, t) in zip(setups, keys, strict=True)]
    blobs = {}
    for sim in sims:
        for _ in range(PER_TERMINAL):
            blob = secrets.token_bytes(600)
            blobs[sim.complaint(blob).record.hash] = blob
    server.start()
    post = poster(lambda: server.port)
    acked: list[tuple[str, int, int]] = []
    stop, up, reached = threading.Event(), threading.Event(), threading.Event()
    up.set()
    threads = [threading.Thread(target=_run, args=(sim, post, stop, up, acked, reached)) for sim in sims]
    for thread in threads:
        thread.start()
    try:
        assert reached.wait(timeout=120), (tmp_path / "server.log").read_text()[-3000:]
        # While it is down the terminals wait for it instead of hammering a closed port: the
        # restart gets the CPU (the kill and the lost answers are what this test is about).
        up.clear()
        server.kill()  # mid-stream: requests in flight, some committed but not answered
        before = list(acked)
        server.start()
        up.set()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        stop.set()
        server.kill()
    assert all(not sim.pending for sim in sims)  # every complaint eventually acknowledged
    assert KILL_AFTER <= len(before) < TERMINALS * PER_TERMINAL
    stored = server.rows("SELECT terminal_id, terminal_seq, sealed_sha256, id FROM complaints_complaint")
    assert len(stored) == TERMINALS * PER_TERMINAL  # none lost, none twice
    assert len({(t, s) for t, s, _, _ in stored}) == len({h for _, _, h, _ in stored}) == len(stored)
    assert {h for _, _, h, _ in stored} == {hashlib.sha256(b).hexdigest() for b in blobs.values()}
    # Each acknowledged index is the complaint's receipt entry in the ledger, before and after the kill.
    index_of = dict(server.rows("SELECT subject, \"index\" FROM ledger_record WHERE kind = 'complaint:receipt'"))
    by_seq = {(t, s): index_of[f"complaints.complaint:{uuid.UUID(pk)}"] for t, s, _, pk in stored}
    for terminal, seq, index in acked:
        assert by_seq[(uuid.UUID(terminal).hex, seq)] == index
    assert len(acked) == TERMINALS * PER_TERMINAL
