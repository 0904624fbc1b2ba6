"""`run_scheduler`: queue the periodic jobs, each once per slot, until stopped."""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django.utils.module_loading import import_string

from jobs import schedule


class Command(BaseCommand):
    help = (
        "Queue each periodic job once per time slot (see jobs/schedule.py). Restarting it, or "
        "running two, never queues a slot twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--schedule", dest="schedule_path", default="jobs.schedule.default_schedule",
                            help="dotted path of a function returning the periodic jobs")
        parser.add_argument("--once", action="store_true", help="queue what is due now, then exit")
        parser.add_argument("--max-wait", type=float, default=5.0, help="longest sleep between looks (seconds)")

    def handle(self, *args: Any, schedule_path: str, once: bool, max_wait: float, **options: Any) -> None:
        periodic = import_string(schedule_path)()
        for p in periodic:
            p.resolve()  # fail at start, not at the first slot, if a job's path is wrong
            self.stdout.write(f"{p.name}: every {p.every.total_seconds():g} s ({p.task})")
        self._running = True
        forgotten_at = 0.0
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        while self._running:
            close_old_connections()
            for run in schedule.queue_due(periodic):
                self.stdout.write(f"{run.job}: slot {run.slot.isoformat()} {'skipped' if run.skipped else 'queued'}")
            if once:
                return
            if time.monotonic() - forgotten_at > 3600:  # keep the slot table small: once an hour
                schedule.forget_old_runs()
                forgotten_at = time.monotonic()
            wait = min(max_wait, max(0.05, schedule.seconds_to_next_slot(periodic)))
            deadline = time.monotonic() + wait
            while self._running and time.monotonic() < deadline:
                time.sleep(min(0.2, wait))

    def _stop(self, signum: int, frame: object) -> None:
        self._running = False
