"""The periodic jobs, and the scheduler step that queues each of them once per time slot.

A slot is the start of an interval of `every` counted from the Unix epoch (12:03:00 for a job
every minute). The scheduler inserts a `ScheduledRun` row for (job, slot) and queues the job in
the same transaction; the unique constraint on (job, slot) means a second scheduler, or the same
one restarted within the slot, cannot queue it again. Slots missed while no scheduler ran are not
made up: a periodic job does whatever is due when it runs (every deadline, reminder or alarm job
must look for *all* that is due, not only what fell in its own minute).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.compat import Task, TaskResultStatus
from django_tasks_db.models import DBTaskResult

from jobs.models import ScheduledRun

logger = logging.getLogger("jobs")

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Periodic:
    """A job to queue every `every`; with `coalesce`, a slot is skipped while the previous slot's
    job still waits in the queue (no pile of identical jobs after the worker was down)."""

    name: str
    task: str  # dotted path of a django-tasks Task
    every: timedelta
    coalesce: bool = True

    def resolve(self) -> Task:
        task = import_string(self.task)
        if not isinstance(task, Task):
            raise TypeError(f"{self.task} is not a background job")
        return task

    def slot(self, now: datetime) -> datetime:
        """The start of the slot that contains `now`."""
        step = self.every.total_seconds()
        if step < 1:
            raise ValueError(f"{self.name}: a periodic job runs at most once a second")
        seconds = (now - EPOCH).total_seconds()
        return EPOCH + timedelta(seconds=(seconds // step) * step)


def default_schedule() -> tuple[Periodic, ...]:
    """Every periodic job of the product. New modules add their deadlines and alarms here."""
    return (
        # Complaint terminals silent beyond their schedule; facilities far quieter than their peers.
        Periodic(name="complaints:alarms:silent_terminals", task="complaints.alarms.tasks.check_silent_terminals",
                 every=timedelta(minutes=1)),
        Periodic(name="complaints:alarms:silent_facilities", task="complaints.alarms.tasks.check_silent_facilities",
                 every=timedelta(days=1)),
        # Sign a checkpoint of the ledger and collect the witnesses' cosignatures.
        Periodic(name="ledger:checkpoint:sign", task="ledger.tasks.sign_checkpoint",
                 every=timedelta(seconds=settings.LEDGER_CHECKPOINT_EVERY_SECONDS)),
        # Terminals' heartbeat records past COMPLAINT_HEARTBEAT_RETENTION_DAYS.
        Periodic(name="complaints:heartbeats:prune", task="complaints.tasks.prune_heartbeats",
                 every=timedelta(hours=6)),
        Periodic(name="complaints:address-counters:forget",
                 task="complaints.tasks.forget_expired_address_counters", every=timedelta(hours=1)),
        Periodic(name="complaints:deadlines:escalate", task="complaints.tasks.escalate_overdue_complaints",
                 every=timedelta(seconds=settings.COMPLAINT_ESCALATION_EVERY_SECONDS)),
        Periodic(name="visits:recommendations:remind", task="visits.tasks.remind_recommendations",
                 every=timedelta(hours=1)),
        Periodic(name="video:outages:detect", task="video.tasks.detect_outages", every=timedelta(minutes=1)),
        Periodic(name="custody:registers:evaluate", task="custody.tasks.evaluate_open_registers", every=timedelta(minutes=10)),  # noqa: E501
    )


def queue_due(schedule: Sequence[Periodic], *, now: datetime | None = None) -> list[ScheduledRun]:
    """Queue every job of `schedule` whose current slot has no run yet; returns the runs made."""
    now = now or timezone.now()
    made = []
    for periodic in schedule:
        run = _queue_slot(periodic, periodic.slot(now))
        if run is not None:
            made.append(run)
    return made


def _queue_slot(periodic: Periodic, slot: datetime) -> ScheduledRun | None:
    if ScheduledRun.objects.filter(job=periodic.name, slot=slot).exists():
        return None  # the cheap common case; the constraint below is what makes it certain
    task = periodic.resolve()
    try:
        with transaction.atomic():
            skipped = periodic.coalesce and _previous_still_waiting(periodic, slot)
            run = ScheduledRun.objects.create(job=periodic.name, slot=slot, skipped=skipped)
            if not skipped:
                run.task_id = task.enqueue().id
                run.save(update_fields=["task_id"])
    except IntegrityError:
        return None  # another scheduler took this slot first
    if skipped:
        logger.info("%s: slot %s skipped, the previous run has not started yet.", periodic.name, slot.isoformat())
    else:
        logger.info("%s: queued for slot %s.", periodic.name, slot.isoformat())
    return run


def _previous_still_waiting(periodic: Periodic, slot: datetime) -> bool:
    previous = (ScheduledRun.objects.filter(job=periodic.name, slot__lt=slot, task_id__isnull=False)
                .order_by("-slot").values_list("task_id", flat=True).first())
    if previous is None:
        return False
    return DBTaskResult.objects.filter(id=previous, status=TaskResultStatus.READY).exists()


def forget_old_runs(*, older_than: timedelta = timedelta(days=30), now: datetime | None = None) -> int:
    """Delete slot records older than `older_than` (the scheduler only ever queues the current slot,
    so an old slot can never be queued again); returns how many."""
    now = now or timezone.now()
    deleted, _ = ScheduledRun.objects.filter(slot__lt=now - older_than).delete()
    return deleted


def seconds_to_next_slot(schedule: Sequence[Periodic], *, now: datetime | None = None) -> float:
    now = now or timezone.now()
    return min(((p.slot(now) + p.every) - now).total_seconds() for p in schedule)
