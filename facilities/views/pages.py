from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from accounts.permissions import Capability, can


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Oversight users start at the national overview; a facility officer at their facility."""
    user = request.user
    if can(user, Capability.VIEW_OVERVIEW):
        return redirect("facilities:overview")
    if user.is_facility_officer and user.facility_id:
        return redirect("facilities:detail", pk=user.facility_id)
    return redirect("accounts:no_access")
