"""What the job queue keeps beside django-tasks' own table: schedule slots, workers, failures.

The queued jobs themselves are django-tasks-db's `DBTaskResult` rows (status, arguments, result,
the last error). These models add what it lacks: one row per (periodic job, time slot) so a job is
never scheduled twice for the same slot, whatever restarts or how many schedulers run; each
worker's heartbeat, so a job whose worker was killed is run again; and every failed attempt.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ScheduledRun(models.Model):
    """A periodic job's slot (the start of its interval) and the queued job it produced."""

    job = models.CharField(_("job"), max_length=100)
    slot = models.DateTimeField(_("slot"))
    task_id = models.UUIDField(_("queued job"), null=True, blank=True, help_text=_("empty when skipped"))
    skipped = models.BooleanField(_("skipped"), default=False,
                                  help_text=_("the previous slot's job had not started yet"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="jobs_one_run_per_job_and_slot")]
        indexes = [models.Index(fields=["job", "-slot"], name="jobs_latest_slot_idx")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot.isoformat()}"


class WorkerHeartbeat(models.Model):
    """A worker process, and when it was last heard from."""

    worker_id = models.CharField(_("worker"), max_length=64, primary_key=True)
    hostname = models.CharField(_("host"), max_length=255)
    pid = models.PositiveIntegerField(_("process"))
    started_at = models.DateTimeField(_("started at"))
    seen_at = models.DateTimeField(_("last seen at"))

    class Meta:
        verbose_name = _("worker")
        verbose_name_plural = _("workers")

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}:{self.pid})"


class FailureOutcome(models.TextChoices):
    RETRY = "retry", _("will be retried")
    GAVE_UP = "gave_up", _("given up")


class JobFailure(models.Model):
    """One failed attempt of a queued job: an exception, or a worker that died while running it."""

    task_id = models.UUIDField(_("queued job"), db_index=True)
    task_path = models.CharField(_("job"), max_length=255)
    attempt = models.PositiveIntegerField(_("attempt"))
    failed_at = models.DateTimeField(_("failed at"))
    error_class = models.CharField(_("error"), max_length=255)
    error = models.TextField(_("details"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=FailureOutcome.choices)
    retry_at = models.DateTimeField(_("retry at"), null=True, blank=True)

    class Meta:
        verbose_name = _("job failure")
        verbose_name_plural = _("job failures")
        ordering = ["-failed_at"]
        constraints = [
            models.UniqueConstraint(fields=["task_id", "attempt"], name="jobs_one_failure_per_attempt"),
            models.CheckConstraint(
                condition=models.Q(outcome="gave_up", retry_at__isnull=True)
                | models.Q(outcome="retry", retry_at__isnull=False),
                name="jobs_retry_has_a_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_path} attempt {self.attempt}: {self.error_class}"
