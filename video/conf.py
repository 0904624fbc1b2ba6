"""The video module's settings, each with its default; read when used, never at import."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings


def _get(name: str, default):
    return getattr(settings, name, default)


def max_clock_offset() -> timedelta:
    """A recorder clock further than this from its reference is refused (VIDEO_MAX_CLOCK_OFFSET_SECONDS)."""
    return timedelta(seconds=_get("VIDEO_MAX_CLOCK_OFFSET_SECONDS", 60))


def future_tolerance() -> timedelta:
    """A segment may end at most this far after the server's now (VIDEO_FUTURE_TOLERANCE_SECONDS)."""
    return timedelta(seconds=_get("VIDEO_FUTURE_TOLERANCE_SECONDS", 120))


def gap_threshold() -> timedelta:
    """A hole in a camera's timeline longer than this is an outage (VIDEO_GAP_THRESHOLD_SECONDS)."""
    return timedelta(seconds=_get("VIDEO_GAP_THRESHOLD_SECONDS", 60))


def working_window() -> timedelta:
    """A camera whose last segment ended longer ago than this is not working (VIDEO_WORKING_WINDOW_SECONDS)."""
    return timedelta(seconds=_get("VIDEO_WORKING_WINDOW_SECONDS", 15 * 60))


def retention_days() -> int:
    """Footage is kept at least this many days (VIDEO_RETENTION_DAYS)."""
    return int(_get("VIDEO_RETENTION_DAYS", 30))


def retention_days_with_incident() -> int:
    """... and this many when its zone and period had an incident or complaint (VIDEO_RETENTION_INCIDENT_DAYS)."""
    return int(_get("VIDEO_RETENTION_INCIDENT_DAYS", 365))


def coincidence_window() -> timedelta:
    """An event this close to an outage coincides with it (VIDEO_COINCIDENCE_WINDOW_HOURS)."""
    return timedelta(hours=_get("VIDEO_COINCIDENCE_WINDOW_HOURS", 24))
