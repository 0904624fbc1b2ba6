"""Old heartbeat records are deleted; the chain checks answer exactly as before."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complaints.ingest import pruning
from complaints.models import AlarmKind, Complaint, PrunedHeartbeats, Terminal, TerminalAlarm, TerminalRecord
from complaints.tasks import prune_heartbeats
from jobs import schedule

pytestmark = pytest.mark.django_db
DAY0 = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
LATER = DAY0 + timedelta(days=31)


def send(sim, post, kind: str = "heartbeat", **fields):
    getattr(sim, kind)(*(() if kind == "heartbeat" else (b"sealed",)), **fields)
    return sim.step(post)


def held() -> list[int]:
    return list(TerminalRecord.objects.order_by("seq").values_list("seq", flat=True))


def test_heartbeats_past_the_retention_go_the_last_record_stays_and_the_terminal_carries_on(sim, post, settings):
    settings.COMPLAINT_HEARTBEAT_RETENTION_DAYS = 30
    with time_machine.travel(DAY0, tick=False):
        for kind in ["heartbeat"] * 3 + ["complaint"] + ["heartbeat"] * 3:  # records 1..7
            assert send(sim, post, kind).ack is not None
    with time_machine.travel(LATER, tick=False):
        recent = sim.heartbeat()  # 8
        assert sim.step(post).ack is not None
        assert pruning.prune_heartbeats() == 6
        assert held() == [4, 8]
        assert list(PrunedHeartbeats.objects.values_list("first_seq", "last_seq")) == [(1, 3), (5, 7)]
        sim.pending.append(recent)  # its acknowledgement was lost: the terminal sends it again
        assert sim.step(post).ack is not None
        assert send(sim, post, "complaint").ack is not None
        assert send(sim, post).ack is not None
        assert pruning.prune_heartbeats() == 0  # nothing is old enough, and it is safe to run again
        assert prune_heartbeats.call() == {"deleted": 0}

    assert TerminalAlarm.objects.count() == 0
    assert Complaint.objects.count() == 2


def test_a_late_record_filling_a_gap_among_pruned_heartbeats_is_still_a_gap_not_a_fork(sim, post):
    with time_machine.travel(DAY0, tick=False):
        send(sim, post)  # 1
        sim.seq += 1  # 2 is held back
        send(sim, post)  # 3: a gap alarm
        send(sim, post)  # 4
    with time_machine.travel(LATER, tick=False):
        send(sim, post)  # 5
        assert pruning.prune_heartbeats() == 3
        assert list(PrunedHeartbeats.objects.values_list("first_seq", "last_seq")) == [(1, 1), (3, 4)]
        sim.seq, sim.pending[:] = 1, []
        assert send(sim, post).ack is not None  # 2 arrives late and is taken

    assert sorted(TerminalAlarm.objects.values_list("kind", flat=True)) == [AlarmKind.SEQUENCE_GAP] * 2
    assert TerminalAlarm.objects.filter(evidence__late_seq=2).exists()


@pytest.mark.parametrize("kind", ["heartbeat", "complaint"])
def test_a_record_on_a_pruned_number_is_a_fork_and_is_refused(sim, post, kind):
    with time_machine.travel(DAY0, tick=False):
        for _i in range(4):
            send(sim, post)
    with time_machine.travel(LATER, tick=False):
        send(sim, post)  # 5
        pruning.prune_heartbeats()
        sim.seq, sim.pending[:] = 1, []  # a terminal restored from an old copy signs 2 again
        step = send(sim, post, kind, **({"at": "2026-10-01T12:09:00Z"} if kind == "heartbeat" else {}))

    assert step.error == "fork"
    alarm = TerminalAlarm.objects.get()
    assert (alarm.kind, alarm.evidence["seq"], alarm.evidence["first_kind"]) == (AlarmKind.FORK, 2,
                                                                                 "heartbeat (pruned)")
    assert held() == [5]
    assert Complaint.objects.count() == 0


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kinds=st.lists(st.sampled_from(["heartbeat", "heartbeat", "heartbeat", "lookup", "gap"]), min_size=1,
                      max_size=40),
       cuts=st.lists(st.integers(min_value=0, max_value=40), max_size=4))
def test_the_pruned_runs_are_exactly_the_deleted_heartbeats_whatever_the_order_of_pruning(sim, kinds, cuts):
    TerminalRecord.objects.all().delete()
    PrunedHeartbeats.objects.all().delete()
    terminal = Terminal.objects.get()
    seq, taken = 0, {}
    for kind in kinds:
        seq += 1
        if kind != "gap":
            taken[seq] = kind
            TerminalRecord.objects.create(terminal=terminal, seq=seq, kind=kind, record_hash="0" * 64, signed=b"",
                                          received_at=DAY0 + timedelta(minutes=seq))
    terminal.last_seq = seq
    terminal.save(update_fields=["last_seq"])
    # Prune up to each cut (records received before it), in order of time as the job would.
    for cut in [*sorted(cuts), seq + 1]:
        pruning.prune_heartbeats(now=DAY0 + timedelta(minutes=cut), keep=timedelta(0))

    deleted = {s for s, kind in taken.items() if kind == "heartbeat" and s < seq}
    assert set(held()) == set(taken) - deleted
    for number in range(1, seq + 1):
        assert pruning.was_pruned(terminal=terminal, seq=number) == (number in deleted)
    runs = list(PrunedHeartbeats.objects.order_by("first_seq").values_list("first_seq", "last_seq"))
    assert all(a_last + 1 < b_first for (_a, a_last), (b_first, _b) in itertools.pairwise(runs))


def test_the_scheduler_prunes_heartbeats_every_six_hours():
    job = next(p for p in schedule.default_schedule() if p.name == "complaints:heartbeats:prune")

    assert job.resolve() is prune_heartbeats
    assert job.every == timedelta(hours=6)
