"""The national coverage figure for the overview: ``{% load video_figures %}{% video_coverage_figure %}``."""

from __future__ import annotations

from django import template
from django.urls import reverse

from accounts.permissions import Capability, can
from video import reports, selectors

register = template.Library()


@register.inclusion_tag("video/overview_figure.html", takes_context=True)
def video_coverage_figure(context) -> dict:
    """Facilities with every required zone covered, of those in the reader's mandate; links to its list."""
    user = context["request"].user
    if not can(user, Capability.VIEW_CAMERAS):
        return {"shown": False}
    figures = {state: count for state, _label, count in reports.national_figures(selectors.video_facilities_for(user))}
    return {
        "shown": True,
        "covered": figures[reports.CoverageState.COVERED],
        "unknown": figures[reports.CoverageState.UNKNOWN],
        "total": sum(figures.values()),
        # Unknown is not "not covered": the figure's base is the facilities whose cameras are known.
        "known": sum(figures.values()) - figures[reports.CoverageState.UNKNOWN],
        "href": reverse("video:coverage") + f"?state={reports.CoverageState.COVERED}",
        "unknown_href": reverse("video:coverage") + f"?state={reports.CoverageState.UNKNOWN}",
    }
