"""Importing a facility's cameras from a spreadsheet (thin: the work is video.transfer)."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from accounts.permissions import Capability, require
from video import transfer
from video.views.pages import facility_for


class CameraImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"))


def import_cameras(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Capability.MANAGE_CAMERAS)
    facility = facility_for(request, pk, Capability.MANAGE_CAMERAS)
    form = CameraImportForm(request.POST or None, request.FILES or None)
    report = None
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        report = transfer.import_cameras(facility=facility, data=upload.read(), filename=upload.name,
                                         by=request.user)
        status = 400 if report.problems else 200
    return render(request, "video/import.html", {"facility": facility, "form": form, "report": report,
                                                 "columns": transfer.DATASET.columns}, status=status)
