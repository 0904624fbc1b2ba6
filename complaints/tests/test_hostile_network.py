"""A hostile proxy between terminal and server: each attack raises its alarm within its time limit
(frozen clock), delayed complaints still arrive from the outbox, and canary strings typed into a
complaint appear nowhere the server or the network could show them."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pyrage
import pytest
import time_machine
from django.db import connection

from complaints.alarms import checks
from complaints.conftest import PACKET_URL, make_terminal
from complaints.models import AlarmKind, Complaint, TerminalAlarm
from complaints.tests.hostile_proxy import HostileProxy
from complaints.tests.terminal_server import poster

pytestmark = [pytest.mark.sqlite_only, pytest.mark.django_db(transaction=True)]
NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
CANARY = "CANARY-7f3a9c-Karaganda-cell-14"


def _kinds():
    return sorted(set(TerminalAlarm.objects.values_list("kind", flat=True)))


def _sealed(text: str) -> bytes:
    identity = pyrage.x25519.Identity.generate()
    document = json.dumps({"v": 1, "category": "torture", "text": text, "name": CANARY + " Name"}).encode()
    return pyrage.encrypt(document.ljust(4096, b" "), [identity.to_public()])


def _database_dump() -> bytes:
    """Every value of every table of the server's database (the job queue's included)."""
    dump = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from the schema
            for row in cursor.fetchall():
                dump.extend(v if isinstance(v, bytes | memoryview) else str(v).encode() for v in row)
    return b"\n".join(bytes(v) for v in dump)


def test_each_attack_of_a_hostile_network_raises_its_alarm_and_nothing_is_lost(live_server, personas,
                                                                              routing_list, caplog):
    caplog.set_level(logging.DEBUG)
    proxy = HostileProxy(live_server.url)
    post = poster(lambda: int(proxy.url.rsplit(":", 1)[1]))
    assert PACKET_URL.startswith("/api/")
    try:
        with time_machine.travel(NOON, tick=False) as clock:
            sim = make_terminal(personas.colony, personas.oversight_admin)
            sim.complaint(_sealed(f"They beat me. {CANARY}"), priority="urgent", recipients=("npm", "prosecutor"))
            assert sim.step(post).ack is not None  # an honest network

            proxy.mode = "replay"  # the same packet twice: the second is a replay
            sim.heartbeat()
            sim.step(post)
            assert _kinds() == [AlarmKind.REPLAY]

            proxy.mode = "alter"  # one byte changed in transit
            sim.complaint(_sealed(f"Second. {CANARY}"))
            assert sim.step(post).error
            assert _kinds() == [AlarmKind.BAD_SIGNATURE, AlarmKind.REPLAY]

            TerminalAlarm.objects.all().delete()
            proxy.mode = "hold"  # delayed, then sent after the newer copy: reordered
            assert sim.step(post).error
            proxy.mode = "release"
            assert sim.step(post).ack is not None
            assert _kinds() == [AlarmKind.REPLAY]

            TerminalAlarm.objects.all().delete()
            for mode in ("drop", "block", "hold"):  # cut off, refused, or held back for too long
                proxy.mode = mode
                sim.complaint(_sealed(f"While cut off ({mode}). {CANARY}"))
                for _ in range(5):
                    clock.shift(timedelta(seconds=60))
                    assert sim.step(post).error
                    checks.silent_terminals()
                assert not TerminalAlarm.objects.filter(resolved_at__isnull=True).exists()  # within its allowance
                clock.shift(timedelta(seconds=60))  # the sixth silent tick: the scheduled check fires
                assert [str(t.pk) for t in checks.silent_terminals()] == [sim.terminal]
                assert list(TerminalAlarm.objects.filter(resolved_at__isnull=True).values_list("kind", flat=True)) == [
                    AlarmKind.TERMINAL_SILENT]
                TerminalAlarm.objects.update(resolved_at=NOON)
                proxy.mode, proxy.held = "pass", []
                sim.drain(post)  # the outbox delivers what waited
    finally:
        proxy.close()
    assert not sim.pending
    assert Complaint.objects.count() == 5
    canary = CANARY.encode()
    assert not any(canary in packet for packet in proxy.captured)
    assert canary not in _database_dump()
    assert CANARY not in caplog.text
