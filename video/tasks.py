"""The video module's background jobs (queued by the scheduler in jobs.schedule)."""

from __future__ import annotations

from datetime import timedelta

from jobs.registry import job
from video import gaps


@job(max_attempts=3, base_delay=timedelta(seconds=10))
def detect_outages() -> dict:
    """Turn holes in cameras' timelines into outage incidents; safe to run again."""
    found = gaps.detect_outages()
    return {"created": found.created, "extended": found.extended}
