"""The scheduler step, retry policies and the recovery of abandoned jobs, in process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from jobs import schedule
from jobs.models import FailureOutcome, JobFailure, ScheduledRun, WorkerHeartbeat
from jobs.registry import RetryPolicy, policy_for
from jobs.schedule import Periodic
from jobs.tests import sample_tasks
from jobs.worker import beat, record_failure, requeue_abandoned

TICK = "jobs.tests.sample_tasks.tick"
NOON = datetime(2026, 3, 1, 12, 0, 30, tzinfo=UTC)


def every_minute(*, coalesce: bool = True) -> Periodic:
    return Periodic(name="test:tick", task=TICK, every=timedelta(minutes=1), coalesce=coalesce)


def test_a_slot_is_the_start_of_its_interval_counted_from_the_epoch():
    assert every_minute().slot(NOON) == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    hourly = Periodic(name="h", task=TICK, every=timedelta(hours=1))
    assert hourly.slot(NOON + timedelta(minutes=59)) == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="once a second"):
        Periodic(name="x", task=TICK, every=timedelta(milliseconds=10)).slot(NOON)


@pytest.mark.django_db
def test_each_slot_is_queued_once_however_often_the_scheduler_looks():
    first = schedule.queue_due([every_minute()], now=NOON)
    again = schedule.queue_due([every_minute()], now=NOON + timedelta(seconds=20))
    nxt = schedule.queue_due([every_minute(coalesce=False)], now=NOON + timedelta(minutes=1))

    assert len(first) == 1
    assert again == []
    assert len(nxt) == 1
    assert ScheduledRun.objects.count() == 2
    assert DBTaskResult.objects.filter(task_path=TICK).count() == 2
    assert {str(r.task_id) for r in ScheduledRun.objects.all()} == {
        str(i) for i in DBTaskResult.objects.values_list("id", flat=True)}


@pytest.mark.django_db
def test_the_database_refuses_a_second_run_for_the_same_slot():
    from django.db import IntegrityError, transaction

    ScheduledRun.objects.create(job="test:tick", slot=NOON)
    with pytest.raises(IntegrityError), transaction.atomic():
        ScheduledRun.objects.create(job="test:tick", slot=NOON)


@pytest.mark.django_db
def test_a_slot_is_skipped_while_the_previous_job_still_waits():
    schedule.queue_due([every_minute()], now=NOON)
    skipped = schedule.queue_due([every_minute()], now=NOON + timedelta(minutes=1))

    assert skipped[0].skipped
    assert skipped[0].task_id is None
    DBTaskResult.objects.update(status=TaskResultStatus.SUCCESSFUL)
    queued = schedule.queue_due([every_minute()], now=NOON + timedelta(minutes=2))
    assert not queued[0].skipped
    assert queued[0].task_id is not None


def test_the_product_schedule_signs_a_checkpoint_every_minute(settings):
    settings.LEDGER_CHECKPOINT_EVERY_SECONDS = 60
    signing = next(p for p in schedule.default_schedule() if p.name == "ledger:checkpoint:sign")

    assert signing.resolve().module_path == "ledger.tasks.sign_checkpoint"
    assert signing.every == timedelta(minutes=1)


def test_backoff_doubles_up_to_its_ceiling_and_fatal_errors_are_not_retried():
    policy = RetryPolicy(max_attempts=6, base_delay=timedelta(seconds=10), max_delay=timedelta(seconds=60),
                         give_up_on=(sample_tasks.Fatal,))

    assert [policy.delay_after(n).total_seconds() for n in range(1, 6)] == [10, 20, 40, 60, 60]
    assert policy.retries(attempt=5, error=RuntimeError())
    assert not policy.retries(attempt=6, error=RuntimeError())
    assert not policy.retries(attempt=1, error=sample_tasks.Fatal())
    assert policy_for("jobs.tests.sample_tasks.flaky").max_attempts == 4
    assert policy_for("no.such.job") == RetryPolicy()


@pytest.mark.django_db
def test_a_failed_attempt_is_recorded_and_queued_again_after_its_delay():
    result = sample_tasks.flaky.enqueue(directory="/nonexistent", failures=1)
    row = DBTaskResult.objects.get(id=result.id)
    row.claim("w1")

    outcome = record_failure(row, sample_tasks.Flaky("boom"))

    row.refresh_from_db()
    failure = JobFailure.objects.get()
    assert outcome == FailureOutcome.RETRY
    assert row.status == TaskResultStatus.READY
    assert failure.attempt == 1
    assert failure.error_class == "jobs.tests.sample_tasks.Flaky"
    assert "boom" in failure.error
    assert row.run_after == failure.retry_at
    assert (failure.retry_at - failure.failed_at) == timedelta(seconds=1)


@pytest.mark.django_db
def test_the_last_attempt_gives_up_and_keeps_the_error():
    result = sample_tasks.record.enqueue(directory="/nonexistent", name="x")
    row = DBTaskResult.objects.get(id=result.id)
    row.claim("w1")
    row.claim("w2")  # second attempt of a job allowed two

    assert record_failure(row, OSError("disk full")) == FailureOutcome.GAVE_UP
    row.refresh_from_db()
    assert row.status == TaskResultStatus.FAILED
    assert "disk full" in row.traceback
    assert JobFailure.objects.get().outcome == FailureOutcome.GAVE_UP


@pytest.mark.django_db
def test_only_the_jobs_of_a_silent_worker_are_taken_back(settings):
    settings.JOBS_WORKER_LEASE_SECONDS = 30
    dead, alive = (DBTaskResult.objects.get(id=sample_tasks.tick.enqueue().id) for _ in range(2))
    dead.claim("dead")
    alive.claim("alive")
    beat("dead")
    beat("alive")
    WorkerHeartbeat.objects.filter(worker_id="dead").update(seen_at=timezone.now() - timedelta(seconds=31))

    assert requeue_abandoned() == 1

    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == TaskResultStatus.READY
    assert alive.status == TaskResultStatus.RUNNING
    assert JobFailure.objects.get().error_class == "jobs.WorkerLost"
    assert requeue_abandoned() == 0


@pytest.mark.django_db
def test_a_job_whose_worker_died_on_its_last_attempt_is_given_up(settings):
    settings.JOBS_WORKER_LEASE_SECONDS = 30
    row = DBTaskResult.objects.get(id=sample_tasks.tick.enqueue().id)
    row.claim("first")
    row.claim("second")  # tick allows two attempts

    assert requeue_abandoned() == 0

    row.refresh_from_db()
    assert row.status == TaskResultStatus.FAILED
    assert JobFailure.objects.get().outcome == FailureOutcome.GAVE_UP


@pytest.mark.django_db
def test_old_slot_records_are_forgotten_and_recent_ones_kept():
    for days in (40, 31, 1):
        ScheduledRun.objects.create(job="test:tick", slot=NOON - timedelta(days=days))

    assert schedule.forget_old_runs(now=NOON) == 2
    assert ScheduledRun.objects.get().slot == NOON - timedelta(days=1)
