"""Mothers and children in colonies, and education and programme enrolment, per facility."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.permissions import Capability, can
from custody import selectors
from facilities.selectors import facilities_for


@login_required
@require_GET
def colonies(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (can(user, Capability.VIEW_CUSTODY_ALERTS) or can(user, Capability.RECORD_CUSTODY_PROGRAMMES)):
        raise PermissionDenied
    facilities = facilities_for(request.user)
    try:
        month = dt.date.fromisoformat(request.GET.get("month", "") + "-01")
    except ValueError:
        month = timezone.localdate().replace(day=1)
    return render(request, "custody/colonies.html", {
        "children": selectors.children_in_homes(facilities),
        "deferrals": sorted(selectors.deferral_reviews(facilities).items()),
        "antenatal": selectors.antenatal_care(facilities),
        "figures": selectors.enrolment_figures(facilities, month), "month": month,
    })
