"""Reads of the video module, scoped once to the reader's mandate (failing closed)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accounts.permissions import Capability, can
from facilities.models import Facility
from facilities.selectors import facilities_for
from video.models import Camera, FootageRequest, Outage, Recorder, TamperEvent


def video_facilities_for(user: Any, capability: Capability = Capability.VIEW_CAMERAS) -> QuerySet[Facility]:
    """The facilities whose cameras the user may see with ``capability``; none without it."""
    if not can(user, capability):
        return Facility.objects.none()
    return facilities_for(user)


def cameras_for(user: Any) -> QuerySet[Camera]:
    return Camera.objects.filter(facility__in=video_facilities_for(user)).select_related("recorder", "facility")


def recorders_for(user: Any) -> QuerySet[Recorder]:
    return Recorder.objects.filter(facility__in=video_facilities_for(user)).select_related("facility")


def outages_for(user: Any) -> QuerySet[Outage]:
    """Outages are alarms: only the oversight bodies see them (VIEW_VIDEO_INTEGRITY)."""
    facilities = video_facilities_for(user, Capability.VIEW_VIDEO_INTEGRITY)
    return Outage.objects.filter(facility__in=facilities).select_related("camera", "facility")


def tamper_events_for(user: Any) -> QuerySet[TamperEvent]:
    facilities = video_facilities_for(user, Capability.VIEW_VIDEO_INTEGRITY)
    return TamperEvent.objects.filter(facility__in=facilities).select_related("camera", "recorder", "facility")


def footage_requests_for(user: Any) -> QuerySet[FootageRequest]:
    """Requests in facilities of the user's mandate, for those who may ask or approve; none otherwise."""
    if not (can(user, Capability.REQUEST_FOOTAGE) or can(user, Capability.APPROVE_FOOTAGE)):
        return FootageRequest.objects.none()
    return (FootageRequest.objects.filter(facility__in=facilities_for(user))
            .select_related("camera", "facility", "requested_by"))


def outage_risk(facility: Facility, *, days: int = 90) -> float:
    """A facility's recent camera outages as a risk factor for the visit planner, 0 to 1.

    The sum over the last ``days`` of each outage's severity weighted by its hours (capped at a
    day each), scaled so that a week of critical outages in that period gives 1.
    """
    from datetime import timedelta

    from django.utils import timezone

    since = timezone.now() - timedelta(days=days)
    score = 0.0
    for severity, start, end in Outage.objects.filter(facility=facility, end__gt=since).values_list(
            "severity", "start", "end"):
        hours = min((end - max(start, since)).total_seconds() / 3600, 24.0)
        score += severity * hours
    return min(1.0, score / (4 * 24 * 7))
