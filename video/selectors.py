"""Reads of the video module, scoped once to the reader's mandate (failing closed)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accounts.permissions import Capability, can
from facilities.models import Facility
from facilities.selectors import facilities_for
from video.models import Camera, Outage, Recorder, TamperEvent


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
