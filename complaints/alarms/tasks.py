"""The suppression checks as background jobs (queued by ``jobs.schedule``)."""

from __future__ import annotations

from datetime import timedelta

from complaints.alarms import checks
from jobs.registry import job


@job(max_attempts=3, base_delay=timedelta(seconds=10))
def check_silent_terminals() -> dict:
    """Alarm for every terminal silent beyond its schedule (safe to run again: one alarm per silence)."""
    return {"silent": [str(t.pk) for t in checks.silent_terminals()]}


@job(max_attempts=3, base_delay=timedelta(minutes=5))
def check_silent_facilities() -> dict:
    """The silent-facility test over every facility with a terminal (one open alarm per facility)."""
    results = checks.silent_facilities()
    return {"tested": sum(r.expected is not None for r in results), "flagged": sum(r.flagged for r in results)}
