"""Uploading a custody register file."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from accounts.permissions import Capability, require
from custody.grounds import CellException, TermGround
from custody.services.importing import import_file

SHOWN_PROBLEMS = 500


class RegisterUploadForm(forms.Form):
    file = forms.FileField(label=_("Register file (CSV or XLSX)"))
    dry_run = forms.BooleanField(label=_("Only check the file, change nothing"), required=False)


@login_required
@require_http_methods(["GET", "POST"])
def import_register(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.IMPORT_CUSTODY_REGISTER)
    outcome, read_as = None, ""
    form = RegisterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        outcome, read_as = import_file(data=upload.read(settings.IMPORT_MAX_BYTES + 1), filename=upload.name or "",
                                       by=request.user, dry_run=form.cleaned_data["dry_run"])
    problems = outcome.problems[:SHOWN_PROBLEMS] if outcome else []
    return render(request, "custody/import.html", {
        "form": form, "outcome": outcome, "read_as": read_as, "problems": problems,
        "problems_hidden": (len(outcome.problems) - len(problems)) if outcome else 0,
        "dry_run": form.cleaned_data.get("dry_run") if form.is_bound and form.is_valid() else False,
        "grounds": [("term_ground", TermGround.choices), ("cell_exception", CellException.choices)],
    })
