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
from custody.forms import ChildForm, EnrolmentForm
from custody.services.colonies import record_child, record_enrolment
from facilities.selectors import facilities_for


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
    if not (can(user, Capability.VIEW_CUSTODY_ALERTS) or can(user, Capability.RECORD_CUSTODY_PROGRAMMES)):
        raise PermissionDenied
    facilities = facilities_for(user)
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
        "figures": selectors.enrolment_figures(facilities, month), "month": month,
        "recorder": recorder, "child_form": child_form, "enrolment_form": enrolment_form,
    })
