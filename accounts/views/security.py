"""One's own security: the second factor (set up, verify at log-in), a new password, own tokens."""

from __future__ import annotations

from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import selectors, services
from accounts.forms import CodeForm, TokenForm, show_service_errors
from accounts.permissions import Capability, can, require
from accounts.sessions import note_device

DEVICE_NAME = "authenticator"


def _qr_svg(data: str) -> str:
    # Drawn on the server as one SVG path: no JavaScript, no image served from elsewhere.
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    # The key printed below it is the text alternative, so screen readers skip the picture.
    return image.to_string(encoding="unicode").replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1)


def _secret_for_people(device: TOTPDevice) -> str:
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Pair an authenticator app: scan the QR code (or type the key), then confirm one code."""
    user = request.user
    if user_has_device(user, confirmed=True):
        return redirect("accounts:account")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            with transaction.atomic():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                TOTPDevice.objects.filter(user=user, confirmed=False).delete()
                services.record_two_factor_enrolled(user=user, device_name=device.name)
            otp_login(request, device)
            note_device(request, True)
            messages.success(request, _("Two-factor authentication is set up. You will be asked for a code "
                                        "at every log-in."))
            return redirect("home")
        form.add_error("code", _("This code is not right. Check the time on your phone and try the newest code."))
    context = {"form": form, "qr_svg": _qr_svg(device.config_url), "secret": _secret_for_people(device),
               "required": bool(user.organisation and user.organisation.requires_two_factor)}
    response = render(request, "accounts/two_factor_setup.html", context, status=400 if form.errors else 200)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of log-in for a person who set up an authenticator."""
    if request.user.is_verified():
        return redirect("home")
    devices = list(TOTPDevice.objects.filter(user=request.user, confirmed=True))
    if not devices:
        # Removed meanwhile (an administrator's doing, for a lost phone): nothing to verify.
        note_device(request, False)
        return redirect("home")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        for device in devices:
            allowed, _details = device.verify_is_allowed()
            if allowed and device.verify_token(form.cleaned_data["code"]):
                otp_login(request, device)
                return redirect("home")
        if not any(device.verify_is_allowed()[0] for device in devices):
            form.add_error("code", _("Too many wrong codes: wait a little, then try the newest code."))
        else:
            form.add_error("code", _("This code is not right. Try the newest code your app shows."))
    return render(request, "accounts/two_factor_verify.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_own_password(user=request.user, password=form.cleaned_data["new_password1"])
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your new password is saved."))
            return redirect("home")
    return render(request, "accounts/password_change.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    """One's own account: second factor, password, and API tokens for those whose role allows them."""
    may_tokens = can(request.user, Capability.MANAGE_API_TOKENS)
    form = TokenForm(request.POST or None) if may_tokens else None
    issued = None
    if request.method == "POST":
        require(request.user, Capability.MANAGE_API_TOKENS)
        if form.is_valid():
            try:
                token, raw = services.issue_api_token(user=request.user, label=form.cleaned_data["label"],
                                                      days=form.cleaned_data["days"], by=request.user)
            except ValidationError as error:
                show_service_errors(form, error)
            else:
                issued = {"token": token, "raw": raw}
                form = TokenForm()
    context = {"form": form, "issued": issued, "may_tokens": may_tokens,
               "tokens": selectors.tokens_of(request.user) if may_tokens else [],
               "has_two_factor": user_has_device(request.user, confirmed=True)}
    response = render(request, "accounts/account.html", context, status=400 if form and form.errors else 200)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def account_token_revoke(request: HttpRequest, token_pk: int) -> HttpResponse:
    require(request.user, Capability.MANAGE_API_TOKENS)
    token = selectors.tokens_of(request.user).filter(pk=token_pk).first()
    if token is None:
        raise Http404(_("No such token."))
    services.revoke_api_token(token=token, by=request.user)
    messages.success(request, _("The token “%(label)s” was revoked.") % {"label": token.label})
    return redirect("accounts:account")


@login_required
@require_POST
def account_remove_two_factor(request: HttpRequest) -> HttpResponse:
    services.remove_two_factor(user=request.user, by=request.user)
    note_device(request, False)
    messages.success(request, _("Your authenticator was removed."))
    return redirect("accounts:account")
