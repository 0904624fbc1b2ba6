"""The video pages: national coverage, the list behind each figure, a facility's cameras."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.permissions import Capability, can, require
from facilities.models import Facility
from video import reports, selectors, timeline
from video.models import Camera


def facility_for(request: HttpRequest, pk: int, capability: Capability = Capability.VIEW_CAMERAS) -> Facility:
    """The facility if the user may see its cameras; 404 otherwise (its existence is not revealed)."""
    facility = selectors.video_facilities_for(request.user, capability).filter(pk=pk).first()
    if facility is None:
        raise Http404(_("No such facility."))
    return facility


def index(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.VIEW_CAMERAS)
    facilities = selectors.video_facilities_for(request.user)
    figures = [{"state": state, "label": label, "count": count,
                "href": reverse("video:coverage") + f"?state={state}"}
               for state, label, count in reports.national_figures(facilities)]
    integrity = can(request.user, Capability.VIEW_VIDEO_INTEGRITY)
    return render(request, "video/index.html", {
        "figures": figures,
        "facilities": sum(f["count"] for f in figures),
        "outages": selectors.outages_for(request.user)[:20] if integrity else None,
        "tamper_events": selectors.tamper_events_for(request.user)[:20] if integrity else None,
    })


def coverage_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.VIEW_CAMERAS)
    state = request.GET.get("state", "")
    if state not in reports.CoverageState.LABELS:
        raise Http404(_("No such coverage state."))
    facilities = selectors.video_facilities_for(request.user)
    listed = reports.facilities_in_state(facilities, state).select_related("region").order_by("code")
    return render(request, "video/coverage_list.html", {
        "state": state, "state_label": reports.CoverageState.LABELS[state], "facilities": listed,
    })


def facility_page(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Capability.VIEW_CAMERAS)
    facility = facility_for(request, pk)
    cameras = list(Camera.objects.filter(facility=facility).select_related("recorder").order_by("code"))
    integrity = can(request.user, Capability.VIEW_VIDEO_INTEGRITY)
    return render(request, "video/facility.html", {
        "facility": facility,
        "coverage": reports.facility_coverage(facility),
        "cameras": cameras,
        "timeline": timeline.timeline_svg([c for c in cameras if c.is_active]) if integrity and cameras else None,
        "outages": selectors.outages_for(request.user).filter(facility=facility)[:50] if integrity else None,
        "tamper_events": selectors.tamper_events_for(request.user).filter(facility=facility)[:50]
        if integrity else None,
        "can_manage": can(request.user, Capability.MANAGE_CAMERAS),
        "can_request": can(request.user, Capability.REQUEST_FOOTAGE),
    })
