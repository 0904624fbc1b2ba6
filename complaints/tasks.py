"""The complaint module's periodic jobs (queued by the scheduler in ``jobs.schedule``)."""

from __future__ import annotations

from datetime import timedelta

from complaints import ratelimits
from complaints.ingest import pruning
from complaints.services import escalation
from jobs.registry import job


@job(max_attempts=3, base_delay=timedelta(seconds=30))
def escalate_overdue_complaints() -> dict:
    """Escalate every complaint past its acknowledgement deadline (all that are due, not only new
    ones); safe to run again: a level already reached alerts nobody twice."""
    return escalation.escalate_overdue()


@job(max_attempts=3, base_delay=timedelta(minutes=5))
def prune_heartbeats() -> dict:
    """Delete terminals' heartbeat records past their retention (each terminal's last record and
    the numbers taken stay known, so the chain checks answer as before); safe to run again."""
    return {"deleted": pruning.prune_heartbeats()}


@job(max_attempts=3, base_delay=timedelta(minutes=5))
def forget_expired_address_counters() -> dict:
    """Delete the public form's per-address counters of past windows; safe to run again."""
    return {"deleted": ratelimits.forget_expired()}
