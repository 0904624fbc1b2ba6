"""Complaint statistics (oversight), a facility's own monthly counts (facility officers), alerts."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import Capability, can, require
from complaints import selectors, statistics
from complaints.paging import capped_counts
from complaints.views import workspace
from facilities.models import Facility


def inbox_figures(user: Any) -> list[dict[str, Any]]:
    """The inbox's figures, each the count heading the list it links to: the same rows
    (``selectors.inbox_list``), counted the same way (``paging.capped_counts``, exact up to the
    inbox's cap and "more than" it beyond)."""
    if not can(user, Capability.HANDLE_COMPLAINTS):
        return []
    figures = (
        (_("Open complaints"), selectors.InboxFilter(open=True), {"open": "on"}),
        (_("Urgent and open"), selectors.InboxFilter(open=True, priority="urgent"),
         {"open": "on", "priority": "urgent"}),
        (_("Overdue for acknowledgement"), selectors.InboxFilter(overdue=True), {"overdue": "on"}),
        (_("Assigned to me and open"), selectors.InboxFilter(open=True, mine=True), {"open": "on", "mine": "on"}),
    )
    # All four in one query, each counted as the inbox counts it.
    counts = capped_counts([selectors.countable(selectors.inbox_list(user, f)) for _label, f, _query in figures],
                           cap=workspace.COUNT_CAP)
    return [{"label": label, "count": counted.count, "exact": counted.exact, "cap": counted.cap,
             "href": workspace.inbox_url(**query)} for (label, _f, query), counted in zip(figures, counts, strict=True)]


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
