"""Registering a complaint received by letter or on a visit: typed in, sealed at once."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache

from accounts.permissions import Capability, require
from complaints.forms import RegisterForm
from complaints.services.registration import register_complaint
from facilities.selectors import facilities_for


@never_cache
@login_required
def register(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.REGISTER_COMPLAINTS)
    if request.user.organisation_id is None:
        raise PermissionDenied
    facilities = facilities_for(request.user).order_by("sort_key")
    choices = [(str(f.pk), f"{f.code} · {f.name}") for f in facilities]
    language = (get_language() or "ru")[:2]
    form = RegisterForm(request.POST if request.method == "POST" else None, facilities=choices,
                        initial={"language": language if language in ("kk", "ru", "en") else "ru"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            registered = register_complaint(
                by=request.user, facility=facilities.get(pk=int(data["facility"])), channel=data["channel"],
                category=data["category"], text=data["text"], anonymous=data["anonymous"], name=data["name"] or None,
                minor=data["minor"], private_visit=data["private_visit"], urgent_danger=data["urgent_danger"],
                reprisal_risk=data["reprisal_risk"], language=data["language"], with_receipt=data["with_receipt"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            # Rendered, not redirected: the receipt code must not pass through a stored message.
            return render(request, "complaints/registered.html", {
                "complaint": registered.complaint, "receipt_code": registered.receipt_code})
    return render(request, "complaints/register.html", {"form": form}, status=400 if form.errors else 200)
