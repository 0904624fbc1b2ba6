"""Unlocking and locking the organisation's key for this session (see complaints.keys)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from complaints import keys
from complaints.forms import UnlockForm
from complaints.views.workspace import require_handler


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return "complaints:inbox"


@never_cache
@login_required
def unlock(request: HttpRequest) -> HttpResponse:
    require_handler(request.user)
    form = UnlockForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            unlocked = keys.unlock(request, passphrase=form.cleaned_data["passphrase"])
        except keys.KeyRefused as error:
            for message in error.messages:
                form.add_error("passphrase", message)
        else:
            messages.success(request, _("Your organisation's key is unlocked for this session."))
            return keys.attach_cookie(redirect(_next(request)), unlocked)
    status = 400 if form.errors else 200
    return render(request, "complaints/unlock.html", {"form": form, "next": _next(request)}, status=status)


@login_required
@require_POST
def lock(request: HttpRequest) -> HttpResponse:
    response = redirect("complaints:inbox")
    keys.lock(request, response)
    messages.success(request, _("Locked: complaints cannot be read in this session until you unlock again."))
    return response
