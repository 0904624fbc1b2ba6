"""Mothers and children in colonies, and education and programme enrolment, per facility."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.permissions import Capability, can
from custody import selectors
from custody.forms import ChildForm, EnrolmentForm, EnrolmentListForm
from custody.models import Programme
from custody.services.colonies import record_child, record_enrolment


def _apply(form, service, by) -> bool:
    if not form.is_valid():
        return False
    try:
        service(by=by, **form.cleaned_data)
    except ValidationError as e:
        for field, problems in e.message_dict.items():
            for problem in problems:
                form.add_error(field if field in form.fields else None, problem)
        return False
    return True


@login_required
@require_http_methods(["GET", "POST"])
def colonies(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not selectors.may_read_programmes(user):
        raise PermissionDenied
    facilities = selectors.programme_facilities_for(user)
    recorder = can(user, Capability.RECORD_CUSTODY_PROGRAMMES)
    which = request.POST.get("form") if request.method == "POST" else None
    if which and not recorder:
        raise PermissionDenied
    child_form = ChildForm(request.POST if which == "child" else None, facilities=facilities, prefix="child")
    enrolment_form = EnrolmentForm(request.POST if which == "enrolment" else None, facilities=facilities,
                                   prefix="enrolment")
    if which == "child" and _apply(child_form, record_child, user):
        messages.success(request, _("The child was recorded."))
        return redirect("custody:colonies")
    if which == "enrolment" and _apply(enrolment_form, record_enrolment, user):
        messages.success(request, _("The enrolment was recorded."))
        return redirect("custody:colonies")
    try:
        month = dt.date.fromisoformat(request.GET.get("month", "") + "-01")
    except ValueError:
        month = timezone.localdate().replace(day=1)
    return render(request, "custody/colonies.html", {
        "children": selectors.children_in_homes(facilities),
        "deferrals": sorted(selectors.deferral_reviews(facilities).items()),
        "antenatal": selectors.antenatal_care(facilities),
        "figures": selectors.enrolment_table(facilities, month), "month": month,
        "recorder": recorder, "child_form": child_form, "enrolment_form": enrolment_form,
    })


@login_required
@require_http_methods(["GET"])
def enrolment_list(request: HttpRequest) -> HttpResponse:
    """The facilities behind one national enrolment figure, each with its value: the rows add up
    to the figure. Or the facilities expected to report it that did not (never counted as 0)."""
    user = request.user
    if not selectors.may_read_programmes(user):
        raise PermissionDenied
    form = EnrolmentListForm(request.GET)
    if not form.is_valid():
        return render(request, "custody/enrolment_list.html", {"form": form, "rows": None}, status=400)
    programme, measure = form.cleaned_data["programme"], form.cleaned_data["measure"]
    reported, month = form.cleaned_data["reported"] == "yes", form.cleaned_data["month"]
    rows = selectors.enrolment_rows(selectors.programme_facilities_for(user), programme=programme,
                                    measure=measure, reported=reported, month=month)
    values = [getattr(row, measure) for row in rows] if reported else []
    return render(request, "custody/enrolment_list.html", {
        "form": form, "rows": rows, "reported": reported, "measure": measure,
        "programme": Programme(programme), "month": month, "values": values, "total": sum(values) if values else None,
    })
