"""Recording examinations, the list of them, and the download of a sealed one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import OrganisationKind
from accounts.permissions import Capability, can, facility_scope, require
from custody import bodychart
from custody.forms import ExaminationForm, InjuryFormSet
from custody.models import Examination
from custody.services.medical import record_examination
from facilities.views.access import facility_or_404


@login_required
@require_http_methods(["GET", "POST"])
def new_examination(request: HttpRequest, facility_id: int) -> HttpResponse:
    require(request.user, Capability.RECORD_MEDICAL_EXAMINATION)
    facility = facility_or_404(request, facility_id)
    form = ExaminationForm(request.POST or None, request.FILES or None)
    injuries = InjuryFormSet(request.POST or None, prefix="injury")
    if request.method == "POST" and form.is_valid() and injuries.is_valid():
        data = form.cleaned_data
        try:
            record_examination(
                by=request.user, facility=facility, occasion=data["occasion"], examined_at=data["examined_at"],
                examiner=data["examiner"], examiner_independent=data["examiner_independent"],
                staff_could_hear=data["staff_could_hear"], interpreter=data["interpreter"], consent=data["consent"],
                account=data["account"], consistency=data["consistency"],
                injuries=[{k: ("" if v is None else str(v)) for k, v in f.cleaned_data.items()}
                          for f in injuries.forms if f.filled()],
                alternative_causes=data["alternative_causes"], treatment=data["treatment"],
                reported_to=data["reported_to"], reported_at=data["reported_at"],
                involves_minor=data["involves_minor"], record_id=data["record_id"],
                photos=[upload.read() for upload in data["photos"]],
            )
        except ValidationError as e:
            for field, problems in e.message_dict.items():
                target = field if field in form.fields else None
                for problem in problems:
                    form.add_error(target, f"{field}: {problem}" if target is None and field != "__all__" else problem)
        else:
            messages.success(request, _("The examination was sealed to the oversight bodies. "
                                        "It can no longer be read here."))
            return redirect("custody:examinations")
    return render(request, "custody/examination_form.html", {
        "facility": facility, "form": form, "injuries": injuries,
        "front": bodychart.outlines("front"), "back": bodychart.outlines("back"),
    })


def examinations_for(user) -> tuple[object, bool]:
    """The examinations ``user`` may see and whether they may see more than that they exist."""
    reader = can(user, Capability.VIEW_CUSTODY_ALERTS)
    if not reader and not can(user, Capability.RECORD_MEDICAL_EXAMINATION):
        raise PermissionDenied
    scope = facility_scope(user)
    if scope is None:
        return Examination.objects.none(), False
    from facilities.models import Facility

    found = Examination.objects.filter(facility__in=Facility.objects.filter(scope).values("pk"))
    organisation = user.organisation
    if reader and organisation is not None and organisation.kind == OrganisationKind.CHILDRENS_OMBUDSMAN:
        found = found.filter(involves_minor=True)
    return found.select_related("facility"), reader


@login_required
@require_GET
def examination_list(request: HttpRequest) -> HttpResponse:
    found, reader = examinations_for(request.user)
    kind = request.user.organisation.kind if request.user.organisation else ""
    rows = [{"exam": e, "can_open": can(request.user, Capability.OPEN_MEDICAL_EXAMINATION) and kind in e.sealed_to}
            for e in found[:500]]
    waiting = []
    if reader:
        from custody.selectors import medical_waiting
        from facilities.selectors import facilities_for

        waiting = [w for w in medical_waiting(facilities_for(request.user).filter(medical_requests__isnull=False)
                                              .distinct()) if w["seen"] or w["waiting"]]
    return render(request, "custody/examination_list.html", {"rows": rows, "reader": reader, "waiting": waiting})


@login_required
@require_GET
def sealed_examination(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Capability.OPEN_MEDICAL_EXAMINATION)
    found, _reader = examinations_for(request.user)
    examination = found.filter(pk=pk).first()
    if examination is None:
        raise Http404
    kind = request.user.organisation.kind if request.user.organisation else ""
    if kind not in examination.sealed_to and not request.user.is_superuser:
        raise Http404
    response = HttpResponse(bytes(examination.sealed), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="examination-{examination.pk}.json.age"'
    return response
