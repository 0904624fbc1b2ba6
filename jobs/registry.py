"""Declaring a background job: a django-tasks task plus how its failures are retried.

    @job(max_attempts=5, base_delay=timedelta(seconds=10))
    def send_reminder(*, visit_id: int) -> None: ...

    send_reminder.enqueue(visit_id=42)      # runs in the worker, survives restarts

A job must be safe to run again: a worker killed while running it leaves no record of how far it
got, so the job is run again after the worker's lease runs out (at least once, never lost).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django_tasks import task
from django_tasks_db.compat import Task


@dataclass(frozen=True)
class RetryPolicy:
    """Up to `max_attempts` runs, waiting base_delay, 2x, 4x ... (at most max_delay) between them.

    An exception of a class in `give_up_on` is never retried (for example a detected ledger fork:
    a person must look before anything is signed again).
    """

    max_attempts: int = 3
    base_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(hours=1)
    give_up_on: tuple[type[BaseException], ...] = field(default=())

    def delay_after(self, attempt: int) -> timedelta:
        """How long to wait after failed attempt number `attempt` (1-based)."""
        return min(self.base_delay * (2 ** (attempt - 1)), self.max_delay)

    def retries(self, *, attempt: int, error: BaseException | None) -> bool:
        if error is not None and isinstance(error, self.give_up_on):
            return False
        return attempt < self.max_attempts


DEFAULT_POLICY = RetryPolicy()
_policies: dict[str, RetryPolicy] = {}


def job(
    *,
    max_attempts: int = DEFAULT_POLICY.max_attempts,
    base_delay: timedelta = DEFAULT_POLICY.base_delay,
    max_delay: timedelta = DEFAULT_POLICY.max_delay,
    give_up_on: tuple[type[BaseException], ...] = (),
    **task_options: Any,
) -> Callable[[Callable[..., Any]], Task]:
    """Make a function a background job with a retry policy (see the module's docstring)."""
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    policy = RetryPolicy(max_attempts=max_attempts, base_delay=base_delay, max_delay=max_delay,
                         give_up_on=give_up_on)

    def wrap(function: Callable[..., Any]) -> Task:
        declared = task(**task_options)(function)
        _policies[declared.module_path] = policy
        return declared

    return wrap


def policy_for(task_path: str) -> RetryPolicy:
    """The retry policy of the job stored under `task_path` (the default if it declared none)."""
    return _policies.get(task_path, DEFAULT_POLICY)
