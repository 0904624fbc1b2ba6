"""The scheduled suppression checks and the alarm rules, on a frozen clock."""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import transaction

from complaints import alarms
from complaints.alarms import checks
from complaints.conftest import make_terminal
from complaints.models import AlarmKind, Channel, Complaint, Terminal, TerminalAlarm
from facilities.factories import FacilityFactory, SnapshotFactory
from jobs import schedule

pytestmark = pytest.mark.django_db
NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_a_terminal_silent_beyond_five_ticks_raises_one_alarm_per_silence(sim, post):
    terminal = Terminal.objects.get()
    with time_machine.travel(NOON, tick=False):
        sim.heartbeat()
        sim.step(post)
    terminal.refresh_from_db()
    assert terminal.last_seen_at == NOON
    assert checks.silent_terminals(now=NOON + timedelta(minutes=5)) == []  # 5 ticks of 60 s: still allowed
    assert checks.silent_terminals(now=NOON + timedelta(minutes=5, seconds=1)) == [terminal]
    checks.silent_terminals(now=NOON + timedelta(minutes=9))
    alarm = TerminalAlarm.objects.get()
    assert (alarm.kind, alarm.evidence["count"]) == (AlarmKind.TERMINAL_SILENT, 2)
    assert alarm.evidence["allowed_seconds"] == 300
    with time_machine.travel(NOON + timedelta(minutes=10), tick=False):
        sim.heartbeat()
        sim.step(post)
    assert checks.silent_terminals(now=NOON + timedelta(minutes=12)) == []
    checks.silent_terminals(now=NOON + timedelta(minutes=16))
    assert TerminalAlarm.objects.count() == 2  # a new silence is a new alarm


def test_an_alarm_reaches_the_hooks_once_committed_and_repeats_are_counted(
    personas, django_capture_on_commit_callbacks,
):
    seen = []
    alarms.ALARM_HOOKS.append(seen.append)
    try:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            alarm = alarms.raise_alarm(kind=AlarmKind.FACILITY_SILENT, facility=personas.colony, key="k",
                                       evidence={"observed": 0})
            alarms.raise_alarm(kind=AlarmKind.FACILITY_SILENT, facility=personas.colony, key="k",
                               evidence={"observed": 0})
    finally:
        alarms.ALARM_HOOKS.remove(seen.append)
    assert seen == [alarm]
    assert TerminalAlarm.objects.get().evidence["count"] == 2
    with pytest.raises(ValueError, match="alarm kind"):
        alarms.raise_alarm(kind="gossip", facility=personas.colony)


def test_the_poisson_tail_matches_known_values():
    assert checks.poisson_cdf(0, 3.0) == pytest.approx(0.049787, rel=1e-4)
    assert checks.poisson_cdf(2, 3.0) == pytest.approx(0.423190, rel=1e-4)
    assert checks.poisson_cdf(1, 10.0) == pytest.approx(11 * math.exp(-10), rel=1e-9)
    assert checks.poisson_cdf(400, 200.0) == pytest.approx(1.0)
    assert checks.poisson_cdf(5, 0.0) == 1.0


def _facility_with_complaints(by, count, *, population=1000, type="colony_medium"):
    facility = FacilityFactory(type=type)
    if population is not None:
        facility.latest_snapshot = SnapshotFactory(facility=facility, total=population)
        facility.save(update_fields=["latest_snapshot"])
    with time_machine.travel(NOON - timedelta(days=100), tick=False):
        sim = make_terminal(facility, by)
    terminal = Terminal.objects.get(pk=sim.terminal)
    for i in range(count):
        Complaint.objects.create(
            facility=facility, channel=Channel.TERMINAL, terminal=terminal, terminal_seq=i + 1, sealed=b"x",
            sealed_sha256=hashlib.sha256(b"x").hexdigest(), size_bucket=1, received_at=NOON - timedelta(days=i % 80),
        )
    return facility


def test_a_facility_far_quieter_than_its_peers_is_flagged_and_normal_or_unknown_ones_are_not(personas,
                                                                                             complaint_keys):
    by = personas.oversight_admin
    peers = [_facility_with_complaints(by, 30) for _ in range(4)]
    silent = _facility_with_complaints(by, 1)
    normal = _facility_with_complaints(by, 24)
    unknown = _facility_with_complaints(by, 0, population=None)
    results = {r.facility_id: r for r in checks.silent_facilities(now=NOON)}
    assert results[silent.pk].flagged
    # Equal exposure everywhere: the expectation is the peers' mean, (4 x 30 + 24) / 5.
    assert results[silent.pk].expected == pytest.approx(28.8)
    assert not results[normal.pk].flagged
    assert not any(results[p.pk].flagged for p in peers)
    assert (results[unknown.pk].expected, results[unknown.pk].flagged) == (None, False)  # not tested, not "fine"
    alarm = TerminalAlarm.objects.get()
    assert (alarm.kind, alarm.facility, alarm.terminal) == (AlarmKind.FACILITY_SILENT, silent, None)
    assert alarm.evidence["threshold"] == pytest.approx(0.01 / 6)


def test_the_product_schedule_runs_both_suppression_checks():
    names = {p.name: p for p in schedule.default_schedule()}
    assert names["complaints:alarms:silent_terminals"].every == timedelta(minutes=1)
    assert names["complaints:alarms:silent_facilities"].resolve().module_path == (
        "complaints.alarms.tasks.check_silent_facilities")
