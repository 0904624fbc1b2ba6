"""The queue survives what a server lives through, with real worker and scheduler processes:
a worker SIGKILLed mid-job or before a job was due, failures retried with backoff, schedulers
restarted and doubled. Runs on SQLite and on PostgreSQL (the suite's database decides)."""

from __future__ import annotations

import signal

import pytest

pytestmark = pytest.mark.django_db(transaction=False)

RECORD = "jobs.tests.sample_tasks.record"


def lines(path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def test_jobs_of_a_killed_worker_run_exactly_once_after_it_restarts(jobs_database, processes, tmp_path):
    db = jobs_database
    in_flight, not_due = db.queue(
        {"task": RECORD, "kwargs": {"directory": str(tmp_path), "name": "in-flight", "seconds": 5}},
        # Queued behind the first: a worker runs one job at a time, so this one never started there.
        {"task": RECORD, "kwargs": {"directory": str(tmp_path), "name": "not-due"}},
    )
    first = db.start("run_worker", "--worker-id", "first", "--interval", "0.2", log=tmp_path / "worker.log")
    processes.append(first)
    db.wait_for(lambda: "in-flight" in lines(tmp_path / "started"), what="the first job to start")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    assert db.status(in_flight) == "RUNNING"  # what a killed worker leaves behind
    assert db.status(not_due) == "READY"

    second = db.start("run_worker", "--worker-id", "second", "--interval", "0.2", log=tmp_path / "worker.log")
    processes.append(second)
    db.wait_for(lambda: db.status(in_flight) == "SUCCESSFUL" and db.status(not_due) == "SUCCESSFUL",
                what="both jobs to finish on the restarted worker")

    assert sorted(lines(tmp_path / "done")) == ["in-flight", "not-due"]  # each finished exactly once
    assert lines(tmp_path / "started").count("not-due") == 1
    assert [(a, e, o) for a, e, o, _ in db.failures(in_flight)] == [(1, "jobs.WorkerLost", "retry")]
    assert db.failures(not_due) == []
    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=30) == 0  # an idle worker stops at once and cleanly


def test_failures_are_retried_with_growing_delays_and_recorded(jobs_database, processes, tmp_path):
    db = jobs_database
    flaky, fatal = db.queue(
        {"task": "jobs.tests.sample_tasks.flaky", "kwargs": {"directory": str(tmp_path), "failures": 2}},
        {"task": "jobs.tests.sample_tasks.fatal", "kwargs": {"directory": str(tmp_path)}},
    )
    processes.append(db.start("run_worker", "--interval", "0.2", log=tmp_path / "worker.log"))
    db.wait_for(lambda: db.status(flaky) == "SUCCESSFUL" and db.status(fatal) == "FAILED",
                what="the flaky job to succeed and the fatal one to be given up")

    # Two failures, each retried after the policy's delay (1 s, then 2 s), then success.
    assert db.failures(flaky) == [(1, "jobs.tests.sample_tasks.Flaky", "retry", 1.0),
                                  (2, "jobs.tests.sample_tasks.Flaky", "retry", 2.0)]
    runs = [float(t) for t in lines(tmp_path / "flaky")]
    assert len(runs) == 3
    assert runs[1] - runs[0] >= 1.0
    assert runs[2] - runs[1] >= 2.0
    # An error the job declares fatal is recorded and never retried.
    assert db.failures(fatal) == [(1, "jobs.tests.sample_tasks.Fatal", "gave_up", None)]
    assert lines(tmp_path / "fatal") == ["run"]


def test_schedulers_restarted_or_run_twice_queue_each_slot_once(jobs_database, processes, tmp_path):
    db = jobs_database
    command = ("run_scheduler", "--schedule", "jobs.tests.sample_tasks.fast_schedule", "--max-wait", "0.2")
    logs = [tmp_path / f"scheduler-{n}.log" for n in range(3)]
    one = db.start(*command, log=logs[0])
    two = db.start(*command, log=logs[1])
    processes += [one, two]
    db.wait_for(lambda: _runs(db) >= 3 and all("every 1 s" in log.read_text() for log in logs[:2]),
                what="both schedulers to run and queue three slots")
    one.send_signal(signal.SIGKILL)
    one.wait(timeout=10)
    again = db.start(*command, log=logs[2])
    processes.append(again)
    db.wait_for(lambda: "every 1 s" in logs[2].read_text(), what="the restarted scheduler")
    before = _runs(db)
    db.wait_for(lambda: _runs(db) >= before + 3, what="three more slots after the restart")
    for p, log in ((two, logs[1]), (again, logs[2])):
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=30) == 0, log.read_text()[-2000:]

    slots = db.rows("SELECT slot, task_id FROM jobs_scheduledrun WHERE job = 'test:tick' ORDER BY slot")
    queued = db.rows("SELECT COUNT(*) FROM django_tasks_database_dbtaskresult "
                     "WHERE task_path = 'jobs.tests.sample_tasks.tick'")[0][0]
    assert len({s for s, _ in slots}) == len(slots)
    assert all(task_id for _, task_id in slots)
    assert queued == len(slots)  # one queued job per slot, though up to two schedulers saw each one


def _runs(db) -> int:
    return db.rows("SELECT COUNT(*) FROM jobs_scheduledrun WHERE job = 'test:tick'")[0][0]
