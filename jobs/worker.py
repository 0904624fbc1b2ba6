"""The job worker: django-tasks-db's worker loop, plus retries with backoff and recovery from death.

django-tasks-db claims a job (status RUNNING, in a locking transaction, so two workers never take
the same one), runs it and records the result. Two things it leaves to us:

- a failed job is retried later, as its `RetryPolicy` says, and every failed attempt is kept in
  `JobFailure`;
- a worker killed while running a job would leave it RUNNING for ever. Each worker therefore
  beats a heartbeat; a RUNNING job whose worker has been silent for longer than
  JOBS_WORKER_LEASE_SECONDS is put back in the queue (and the lost attempt recorded).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta
from traceback import format_exception

from django.conf import settings
from django.db import close_old_connections, connections, transaction
from django.utils import timezone
from django_tasks_db.compat import TaskContext, TaskResultStatus, task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from jobs.models import FailureOutcome, JobFailure, WorkerHeartbeat
from jobs.registry import policy_for

logger = logging.getLogger("jobs")


def lease() -> timedelta:
    return timedelta(seconds=settings.JOBS_WORKER_LEASE_SECONDS)


def beat(worker_id: str) -> None:
    """Record that `worker_id` is alive now."""
    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(seen_at=now)
    if not updated:
        WorkerHeartbeat.objects.create(worker_id=worker_id, hostname=socket.gethostname()[:255], pid=os.getpid(),
                                       started_at=now, seen_at=now)


def requeue_abandoned() -> int:
    """Put back in the queue every RUNNING job whose worker has been silent past the lease.

    Returns how many. Safe to call from any number of workers at once: each job is taken back
    by a conditional update that only one of them can win.
    """
    now = timezone.now()
    alive = set(WorkerHeartbeat.objects.filter(seen_at__gte=now - lease()).values_list("worker_id", flat=True))
    requeued = 0
    for row in DBTaskResult.objects.running().only("id", "worker_ids", "started_at", "task_path"):
        owner = row.worker_ids[-1] if row.worker_ids else None
        if owner in alive:
            continue
        attempt = len(row.worker_ids)
        # A job that keeps killing its worker (out of memory, say) is given up like any failing job.
        retry = _policy_of(row).retries(attempt=attempt, error=None)
        lost = f"worker {owner} stopped without finishing the job"
        with transaction.atomic():
            claimed = DBTaskResult.objects.filter(id=row.id, status=TaskResultStatus.RUNNING, started_at=row.started_at)
            if retry:
                taken = claimed.update(status=TaskResultStatus.READY, started_at=None)
            else:
                taken = claimed.update(status=TaskResultStatus.FAILED, finished_at=now,
                                       exception_class_path="jobs.WorkerLost", traceback=lost)
            if not taken:
                continue
            JobFailure.objects.create(
                task_id=row.id, task_path=row.task_path, attempt=attempt, failed_at=now,
                error_class="jobs.WorkerLost", error=lost,
                outcome=FailureOutcome.RETRY if retry else FailureOutcome.GAVE_UP, retry_at=now if retry else None,
            )
        if retry:
            requeued += 1
            logger.warning("Job %s (%s) was running on worker %s, which died; queued again.", row.id, row.task_path,
                           owner)
        else:
            logger.error("Job %s (%s) was running on worker %s, which died, on its last attempt; giving up.", row.id,
                         row.task_path, owner)
    # Workers silent for many leases are gone for good: forget them.
    WorkerHeartbeat.objects.filter(seen_at__lt=now - 10 * lease()).delete()
    return requeued


def _policy_of(row: DBTaskResult):
    try:
        row.task  # noqa: B018 (imports the job's module, which declares its retry policy)
    except Exception:  # a job whose code is gone keeps the default policy
        logger.warning("Job %s: its code %s cannot be imported", row.id, row.task_path)
    return policy_for(row.task_path)


def record_failure(db_task_result: DBTaskResult, error: BaseException) -> FailureOutcome:
    """Record a failed attempt and either queue the job again after its backoff or give up.

    Runs in one transaction with the job's own status change, so a crash here loses nothing.
    """
    now = timezone.now()
    attempt = len(db_task_result.worker_ids)
    policy = policy_for(db_task_result.task_path)
    error_class = f"{type(error).__module__}.{type(error).__qualname__}"
    retry = policy.retries(attempt=attempt, error=error)
    retry_at = now + policy.delay_after(attempt) if retry else None
    with transaction.atomic():
        JobFailure.objects.create(
            task_id=db_task_result.id, task_path=db_task_result.task_path, attempt=attempt, failed_at=now,
            error_class=error_class[:255], error="".join(format_exception(error)),
            outcome=FailureOutcome.RETRY if retry else FailureOutcome.GAVE_UP, retry_at=retry_at,
        )
        if retry:
            db_task_result.status = TaskResultStatus.READY
            db_task_result.run_after = retry_at
            db_task_result.started_at = None
            db_task_result.exception_class_path = error_class
            db_task_result.traceback = "".join(format_exception(error))
            db_task_result.save(update_fields=["status", "run_after", "started_at", "exception_class_path",
                                               "traceback"])
        else:
            db_task_result.set_failed(error)
    if retry:
        logger.warning("Job %s (%s) failed on attempt %d (%s: %s); retrying at %s.", db_task_result.id,
                       db_task_result.task_path, attempt, error_class, error, retry_at.isoformat())
        return FailureOutcome.RETRY
    logger.error("Job %s (%s) failed on attempt %d (%s: %s); giving up.", db_task_result.id,
                 db_task_result.task_path, attempt, error_class, error)
    return FailureOutcome.GAVE_UP


class JobWorker(Worker):
    """django-tasks-db's worker with heartbeats, recovery of abandoned jobs and retries."""

    def run(self) -> None:
        beat(self.worker_id)
        stop = threading.Event()
        heart = threading.Thread(target=self._heartbeat, args=(stop,), name="jobs-heartbeat", daemon=True)
        heart.start()
        try:
            super().run()
        finally:
            stop.set()

    def _heartbeat(self, stop: threading.Event) -> None:
        interval = max(0.5, settings.JOBS_WORKER_LEASE_SECONDS / 4)
        try:
            while True:
                try:
                    close_old_connections()
                    beat(self.worker_id)
                    requeue_abandoned()
                except Exception:  # a database hiccup must not stop the heartbeat for good
                    logger.exception("Heartbeat of worker %s failed", self.worker_id)
                if stop.wait(interval):
                    return
        finally:
            connections.close_all()

    def run_task(self, db_task_result: DBTaskResult) -> None:
        try:
            self.running_task = True
            task = db_task_result.task
            task_result = db_task_result.task_result
            backend_type = task.get_backend()
            task_started.send(sender=backend_type, task_result=task_result)
            if task.takes_context:
                value = task.call(TaskContext(task_result=task_result), *task_result.args, **task_result.kwargs)
            else:
                value = task.call(*task_result.args, **task_result.kwargs)
            db_task_result.set_successful(value)
            task_finished.send(sender=backend_type, task_result=db_task_result.task_result)
            logger.info("Job %s (%s) done.", db_task_result.id, db_task_result.task_path)
        except BaseException as error:
            outcome = record_failure(db_task_result, error)
            if outcome == FailureOutcome.GAVE_UP:
                try:
                    task_finished.send(sender=type(db_task_result.task.get_backend()),
                                       task_result=db_task_result.task_result)
                except Exception:
                    logger.exception("Job %s: could not announce its failure", db_task_result.id)
            if isinstance(error, KeyboardInterrupt | SystemExit):
                raise
        finally:
            self.running_task = False
            self._run_tasks += 1
