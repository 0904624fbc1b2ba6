"""Jobs used by the worker and scheduler tests: each leaves a line in a file when it starts and ends."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

from jobs.registry import job
from jobs.schedule import Periodic


def _note(directory: str, file: str, line: str) -> None:
    with open(Path(directory) / file, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")
        fh.flush()


@job(max_attempts=2, base_delay=timedelta(seconds=1))
def record(directory: str, name: str, seconds: float = 0.0) -> str:
    _note(directory, "started", name)
    time.sleep(seconds)
    _note(directory, "done", name)
    return name


class Flaky(RuntimeError):
    pass


@job(max_attempts=4, base_delay=timedelta(seconds=1), max_delay=timedelta(seconds=2))
def flaky(directory: str, failures: int) -> int:
    """Fails its first `failures` runs, then succeeds."""
    path = Path(directory) / "flaky"
    runs = len(path.read_text().splitlines()) if path.exists() else 0
    _note(directory, "flaky", f"{time.time():.3f}")
    if runs < failures:
        raise Flaky(f"failure {runs + 1} of {failures}")
    return runs + 1


class Fatal(Exception):
    pass


@job(max_attempts=5, base_delay=timedelta(seconds=1), give_up_on=(Fatal,))
def fatal(directory: str) -> None:
    _note(directory, "fatal", "run")
    raise Fatal("a person must look")


@job(max_attempts=2, base_delay=timedelta(seconds=1))
def tick() -> None:
    """What the fast schedule queues; it is never run in the scheduler tests."""


def fast_schedule() -> tuple[Periodic, ...]:
    return (Periodic(name="test:tick", task="jobs.tests.sample_tasks.tick", every=timedelta(seconds=1),
                     coalesce=False),)
