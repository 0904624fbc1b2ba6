"""The in-app list of suppression alarms (oversight bodies only)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from complaints.alarms.selectors import alarms_for, may_see_alarms


@login_required
def alarm_list(request: HttpRequest) -> HttpResponse:
    if not may_see_alarms(request.user):
        raise PermissionDenied
    alarms = alarms_for(request.user)
    page = Paginator(alarms, 50).get_page(request.GET.get("page"))
    return render(request, "complaints/alarm_list.html", {
        "page": page, "open_count": alarms.filter(resolved_at__isnull=True).count(), "total": alarms.count(),
    })
