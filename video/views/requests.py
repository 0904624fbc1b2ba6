"""Footage requests: ask, approve or refuse, and use an approved request (thin: video.access)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.permissions import Capability, can, require
from video import access, evidence, export, footage, selectors
from video.models import Camera, FootageRequest, FootageRequestKind
from video.views.pages import facility_for


class RequestForm(forms.Form):
    camera = forms.ModelChoiceField(label=_("Camera"), queryset=Camera.objects.none())
    start = forms.DateTimeField(label=_("From"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    end = forms.DateTimeField(label=_("To"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    kind = forms.ChoiceField(label=_("Kind"), choices=FootageRequestKind.choices)
    purpose = forms.CharField(label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 3}))


def _request_or_404(user, pk: int) -> FootageRequest:
    found = selectors.footage_requests_for(user).filter(pk=pk).first()
    if found is None:
        raise Http404(_("No such request."))
    return found


def new_request(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Capability.REQUEST_FOOTAGE)
    facility = facility_for(request, pk, Capability.REQUEST_FOOTAGE)
    form = RequestForm(request.POST or None)
    form.fields["camera"].queryset = Camera.objects.filter(facility=facility).order_by("code")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = access.request_footage(camera=data["camera"], start=data["start"], end=data["end"],
                                          kind=data["kind"], purpose=data["purpose"], by=request.user)
        except ValidationError as e:
            for field, messages in e.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
        else:
            return redirect("video:request", made.pk)
    return render(request, "video/request_form.html", {"facility": facility, "form": form},
                  status=400 if form.errors else 200)


def request_list(request: HttpRequest) -> HttpResponse:
    if not (can(request.user, Capability.REQUEST_FOOTAGE) or can(request.user, Capability.APPROVE_FOOTAGE)):
        raise PermissionDenied
    return render(request, "video/request_list.html",
                  {"requests": selectors.footage_requests_for(request.user)[:200]})


def request_detail(request: HttpRequest, pk: int, *, error: str = "", status: int = 200) -> HttpResponse:
    found = _request_or_404(request.user, pk)
    return render(request, "video/request_detail.html", {
        "req": found, "approvals": list(found.approvals.select_related("by")),
        "can_approve": can(request.user, Capability.APPROVE_FOOTAGE) and found.requested_by_id != request.user.pk,
        "is_requester": found.requested_by_id == request.user.pk, "error": error,
    }, status=status)


@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    found = _request_or_404(request.user, pk)
    try:
        access.approve_footage_access(request=found, by=request.user)
    except ValidationError as e:
        return request_detail(request, pk, error=" ".join(e.messages), status=400)
    return redirect("video:request", pk)


@require_POST
def refuse(request: HttpRequest, pk: int) -> HttpResponse:
    found = _request_or_404(request.user, pk)
    try:
        access.refuse_footage_access(request=found, by=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as e:
        return request_detail(request, pk, error=" ".join(e.messages), status=400)
    return redirect("video:request", pk)


@require_POST
def view_footage(request: HttpRequest, pk: int) -> HttpResponse:
    found = _request_or_404(request.user, pk)
    used = access.open_footage(request=found, by=request.user, action=FootageRequestKind.VIEW)
    segments = access.segments_of(found)
    return render(request, "video/footage_view.html", {
        "req": found, "access": used, "segments": evidence.describe(segments, request.user),
    })


@require_POST
def export_footage(request: HttpRequest, pk: int) -> HttpResponse:
    found = _request_or_404(request.user, pk)
    used = access.open_footage(request=found, by=request.user, action=FootageRequestKind.EXPORT)
    segments = access.segments_of(found)
    store = footage.store()
    files = {s.sha256: path for s in segments if (path := store.find(s.sha256)) is not None}
    data = export.build_package(segments=segments, user=request.user, files=files, about={
        "request": found.pk, "camera": found.camera.code, "facility": found.facility.code,
        "start": found.start.isoformat(), "end": found.end.isoformat(), "access_ledger_index": used.ledger_index,
    })
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="footage-{found.pk}-{used.pk}.zip"'
    return response
