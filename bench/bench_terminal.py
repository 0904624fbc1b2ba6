"""Benchmark of the complaint terminal's own work per complaint.

    .venv/bin/python bench/bench_terminal.py [--rounds N]

Measured on this machine, in one run (medians and p90 over ``--rounds``):

- sealing a text complaint (4 KiB bucket) to three bodies and the recovery key (age, X25519);
- sealing a voice complaint (1 MiB bucket);
- deriving a receipt's lookup token and reply identity (Argon2id, the real parameters);
- ``file_complaint`` as the kiosk calls it: validate, derive, seal, sign and store durably in the
  outbox (WAL, synchronous=FULL);
- baseline: one durable SQLite insert of a 4 KiB row in the same kind of database (the floor the
  outbox cannot go below).

Targets (a terminal must take a complaint while the person waits at the screen): ``file_complaint``
median under 500 ms, text sealing median under 50 ms, voice sealing median under 250 ms. Exits
non-zero when a target is missed.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import harness
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from pyrage import x25519

from custodywatch_protocol.routing import Recipient, sign_routing_list
from custodywatch_terminal import receipts
from custodywatch_terminal.agent import Agent
from custodywatch_terminal.device import public_hex
from custodywatch_terminal.install import initialise
from custodywatch_terminal.sealing import Complaint, seal_complaint
from custodywatch_terminal.transport import TransportDown

TARGETS_MS = {"file_complaint": 500.0, "seal text (4 KiB)": 50.0, "seal voice (1 MiB)": 250.0}


class NoNetwork:
    def exchange(self, packet: bytes) -> bytes:
        raise TransportDown("benchmark: nothing is sent")


def timed(fn, rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    rounds = parser.parse_args().rounds
    now = datetime.now(UTC).replace(microsecond=0)
    routing_key = Ed25519PrivateKey.generate()
    identities = [x25519.Identity.generate() for _ in range(4)]
    routing = sign_routing_list(
        routing_key, version=1, issued_at=now, expires_at=now + timedelta(days=30),
        recipients=[Recipient("npm", "npm", str(identities[0].to_public())),
                    Recipient("ombudsman", "childrens_ombudsman", str(identities[1].to_public())),
                    Recipient("prosecutor", "prosecutor", str(identities[2].to_public()))],
        recovery=str(identities[3].to_public()))
    text = Complaint(category="torture", text="Меня избили при обыске. " * 40, filed_at=now, language="ru",
                     minor=True)
    voice = Complaint(category="health", text="", voice=bytes(700 * 1024), filed_at=now, language="kk")
    rows: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite3.connect(Path(tmp) / "floor.sqlite3", isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, data BLOB)")
        rows["baseline: durable 4 KiB insert"] = timed(
            lambda: db.execute("INSERT INTO t (data) VALUES (?)", (bytes(4096),)), rounds)
        db.close()
        rows["seal text (4 KiB)"] = timed(
            lambda: seal_complaint(text, routing=routing, facility_holds_children=False), rounds)
        rows["seal voice (1 MiB)"] = timed(
            lambda: seal_complaint(voice, routing=routing, facility_holds_children=False), max(3, rounds // 4))
        salt = receipts.new_salt()
        rows["derive (Argon2id 19 MiB, t=2)"] = timed(lambda: receipts.derive("123456789012", salt), rounds)
        state = Path(tmp) / "terminal"
        initialise(state, server="http://127.0.0.1:9", facility="bench", terminal_id=str(uuid.uuid4()),
                   server_transport_key=public_hex(X25519PrivateKey.generate()),
                   server_ack_key=public_hex(Ed25519PrivateKey.generate()), routing_key=public_hex(routing_key),
                   routing_list=(routing.body, routing.signature), now=now)
        agent = Agent(state, transport=NoNetwork(), clock=lambda: now)
        form = {"category": "conditions", "text": "Нет отопления в камере.", "language": "ru"}
        rows["file_complaint"] = timed(lambda: agent.file_complaint(form), rounds)
        agent.close()

    failed = False
    print(f"{'operation':<34} {'median ms':>10} {'p90 ms':>10} {'target ms':>10}")
    for name, values in rows.items():
        median = statistics.median(values)
        p90 = harness.percentile(values, 0.9)
        target = TARGETS_MS.get(name)
        missed = target is not None and median > target
        failed |= missed
        print(f"{name:<34} {median:>10.1f} {p90:>10.1f} {target if target else '':>10}"
              f"{'  MISSED' if missed else ''}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
