"""Complaint statistics (oversight), a facility's own monthly counts (facility officers), alerts."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import Capability, can, require
from complaints import selectors, statistics
from complaints.views.workspace import inbox_url
from facilities.models import Facility


def inbox_figures(user: Any) -> list[dict[str, Any]]:
    """The inbox's figures, each counted with the very filter of the list it links to."""
    if not can(user, Capability.HANDLE_COMPLAINTS):
        return []
    mine = selectors.complaints_for(user)
    figures = (
        (_("Open complaints"), selectors.InboxFilter(open=True), {"open": "on"}),
        (_("Urgent and open"), selectors.InboxFilter(open=True, priority="urgent"),
         {"open": "on", "priority": "urgent"}),
        (_("Overdue for acknowledgement"), selectors.InboxFilter(overdue=True), {"overdue": "on"}),
        (_("Assigned to me and open"), selectors.InboxFilter(open=True, mine=True), {"open": "on", "mine": "on"}),
    )
    # One query for all four: each figure counts with the condition that filters its list.
    counts = mine.aggregate(**{f"figure_{i}": Count("pk", filter=selectors.inbox_condition(f, user=user))
                               for i, (_label, f, _query) in enumerate(figures)})
    return [{"label": label, "count": counts[f"figure_{i}"], "href": inbox_url(**query)}
            for i, (label, _f, query) in enumerate(figures)]


@login_required
def statistics_page(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.VIEW_COMPLAINT_STATISTICS)
    complaints = statistics.complaints_in_mandate(request.user)
    tables = statistics.protected_tables(complaints)
    return render(request, "complaints/statistics.html", {
        "small": statistics.SMALL,
        "total": tables.total,
        "by_facility": tables.by_facility,
        "by_region": tables.by_region,
        "by_category": tables.by_category,
        "by_month": tables.by_month,
        "to_acknowledge": statistics.time_to_acknowledge(complaints),
        "to_resolve": statistics.time_to_resolve(complaints),
        "inbox_figures": inbox_figures(request.user),
    })


@login_required
def facility_counts(request: HttpRequest, pk: int) -> HttpResponse:
    """A facility officer's own facility only; any other facility is not revealed (404)."""
    require(request.user, Capability.VIEW_FACILITY_COMPLAINT_COUNTS)
    if request.user.facility_id != pk:
        raise Http404(_("No such facility."))
    facility = Facility.objects.get(pk=pk)
    return render(request, "complaints/facility_counts.html", {
        "facility": facility, "rows": statistics.facility_monthly(facility), "small": statistics.SMALL,
    })


@login_required
def alerts(request: HttpRequest) -> HttpResponse:
    mine = request.user.complaint_alerts.select_related("facility", "complaint").order_by("-created_at")[:100]
    return render(request, "complaints/alerts.html", {"alerts": mine})


@login_required
@require_POST
def alerts_read(request: HttpRequest) -> HttpResponse:
    request.user.complaint_alerts.filter(read_at__isnull=True).update(read_at=timezone.now())
    return redirect("complaints:alerts")
