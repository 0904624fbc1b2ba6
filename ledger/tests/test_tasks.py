"""Checkpoint signing as a queued job, run by the job worker's own run step."""

from __future__ import annotations

import pytest
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from jobs.models import FailureOutcome, JobFailure
from jobs.worker import JobWorker
from ledger import tasks
from ledger.models import Checkpoint
from ledger.services import append_entries
from ledger.tests.conftest import segments
from ledger.tests.test_checkpoints import _restore_older_backup

pytestmark = [pytest.mark.usefixtures("ledger_settings"), pytest.mark.django_db]


def run_queued(result) -> DBTaskResult:
    worker = JobWorker(queue_names=["default"], interval=0, batch=True, backend_name="default",
                       startup_delay=False, max_tasks=None, worker_id="test", excluded_queue_names=[])
    row = DBTaskResult.objects.get(id=result.id)
    row.claim("test")
    worker.run_task(row)
    row.refresh_from_db()
    return row


def test_the_queued_job_signs_a_checkpoint_of_the_whole_ledger():
    append_entries(entries=segments(0, 6))

    row = run_queued(tasks.sign_checkpoint.enqueue())

    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.return_value["size"] == 6
    assert row.return_value["cosigned_by"] == []
    assert Checkpoint.objects.filter(size=6).count() == 1


def test_a_fork_is_never_retried(django_capture_on_commit_callbacks):
    append_entries(entries=segments(0, 4))
    # The key directory remembers a checkpoint once its transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        run_queued(tasks.sign_checkpoint.enqueue())
    _restore_older_backup(keep=2)

    row = run_queued(tasks.sign_checkpoint.enqueue())

    assert row.status == TaskResultStatus.FAILED
    failure = JobFailure.objects.get(task_id=row.id)
    assert failure.outcome == FailureOutcome.GAVE_UP
    assert "older backup" in failure.error
