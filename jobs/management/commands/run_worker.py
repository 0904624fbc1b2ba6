"""`run_worker`: run queued background jobs until stopped (SIGTERM finishes the current job first)."""

from __future__ import annotations

import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.crypto import get_random_string

from jobs.worker import JobWorker


class Command(BaseCommand):
    help = (
        "Run queued background jobs: retries failures with backoff and takes back the jobs of a "
        "worker that died. Run one or more, next to the web server and run_scheduler."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queue", default="default", help="queues to run, comma-separated ('*': all)")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between looks at an empty queue")
        parser.add_argument("--worker-id", default=None, help="a name unique among the workers (default: random)")
        parser.add_argument("--batch", action="store_true", help="run what is due now, then exit")
        parser.add_argument("--max-jobs", type=int, default=None, help="exit after this many jobs")

    def handle(self, *args: Any, queue: str, interval: float, worker_id: str | None, batch: bool,
               max_jobs: int | None, verbosity: int, **options: Any) -> None:
        for name in ("jobs", "django_tasks", "django.tasks", "django_tasks_db"):
            logging.getLogger(name).setLevel(logging.DEBUG if verbosity > 1 else logging.INFO)
        worker = JobWorker(
            queue_names=queue.split(","), interval=interval, batch=batch, backend_name="default",
            startup_delay=False, max_tasks=max_jobs, worker_id=worker_id or get_random_string(32),
            excluded_queue_names=[],
        )
        worker.configure_signals()
        worker.run()
