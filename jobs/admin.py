"""The job tables in the Django admin, read-only: what ran, what failed, which workers live."""

from __future__ import annotations

from django.contrib import admin

from jobs.models import JobFailure, ScheduledRun, WorkerHeartbeat


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(JobFailure)
class JobFailureAdmin(ReadOnly):
    list_display = ("failed_at", "task_path", "attempt", "error_class", "outcome", "retry_at")
    list_filter = ("outcome", "task_path")
    search_fields = ("task_id", "error")


@admin.register(ScheduledRun)
class ScheduledRunAdmin(ReadOnly):
    list_display = ("slot", "job", "task_id", "skipped")
    list_filter = ("job", "skipped")


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnly):
    list_display = ("worker_id", "hostname", "pid", "started_at", "seen_at")
