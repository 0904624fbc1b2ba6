"""Administrators manage the people of their organisation: enrol, change, deactivate, reset.

Each view checks the capability (403 without it), finds the person among those the actor may
manage (404 otherwise, so other bodies' accounts are not revealed) and calls accounts.services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import user_has_device

from accounts import selectors, services
from accounts.forms import UserForm, UserSearchForm, show_service_errors
from accounts.models import User
from accounts.permissions import Capability, require


def _person_or_404(request: HttpRequest, pk: int) -> User:
    person = selectors.users_for(request.user).filter(pk=pk).first()
    if person is None:
        raise Http404(_("No such person."))
    return person


def _attempt(form: Any, write: Any) -> Any:
    try:
        with transaction.atomic():
            return write()
    except ValidationError as error:
        show_service_errors(form, error)
    except IntegrityError:
        form.add_error(None, _("Another change was saved at the same time, or the database refused this "
                               "combination. Check the entries and save again."))
    return None


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.MANAGE_USERS)
    form = UserSearchForm(request.GET or None)
    users = selectors.users_for(request.user)
    if form.is_valid():
        status = form.cleaned_data["status"]
        users = selectors.search_users(request.user, q=form.cleaned_data["q"],
                                       active={"active": True, "inactive": False}.get(status))
    organisations = list(selectors.organisations_for(request.user).order_by("code"))
    context = {"form": form, "users": users[:500], "count": users.count(), "organisations": organisations}
    template = "accounts/users.html#results" if request.htmx else "accounts/users.html"
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.MANAGE_USERS)
    form = UserForm(request.POST or None, actor=request.user,
                    initial={"organisation": request.GET.get("organisation") or request.user.organisation_id})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = _attempt(form, lambda: services.create_user(
            username=data["username"], organisation=data["organisation"], role=data["role"],
            facility=data["facility"], first_name=data["first_name"], last_name=data["last_name"],
            email=data["email"], by=request.user, base_url=request.build_absolute_uri("/")))
        if created is not None:
            person, link = created
            return _link_page(request, person, link, created=True)
    return render(request, "accounts/user_form.html", {"form": form, "person": None},
                  status=400 if form.errors else 200)


@login_required
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Capability.MANAGE_USERS)
    person = _person_or_404(request, pk)
    context = {"person": person, "tokens": selectors.tokens_of(person), "audit": selectors.audit_of(person),
               "has_two_factor": user_has_device(person, confirmed=True)}
    return render(request, "accounts/user_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Capability.MANAGE_USERS)
    person = _person_or_404(request, pk)
    initial = {"first_name": person.first_name, "last_name": person.last_name, "email": person.email,
               "organisation": request.GET.get("organisation") or person.organisation_id, "role": person.role,
               "facility": person.facility_id}
    form = UserForm(request.POST or None, actor=request.user, user=person, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = _attempt(form, lambda: services.update_user(
            user=person, organisation=data["organisation"], role=data["role"], facility=data["facility"],
            first_name=data["first_name"], last_name=data["last_name"], email=data["email"], by=request.user))
        if saved is not None:
            messages.success(request, _("The account of %(name)s was saved.") % {"name": person.username})
            return redirect("accounts:user", pk=person.pk)
    return render(request, "accounts/user_form.html", {"form": form, "person": person},
                  status=400 if form.errors else 200)


def _act(request: HttpRequest, pk: int, action: Any, done: str) -> HttpResponse:
    require(request.user, Capability.MANAGE_USERS)
    person = _person_or_404(request, pk)
    try:
        action(person)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, done % {"name": person.username})
    return redirect("accounts:user", pk=person.pk)


@login_required
@require_POST
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda person: services.deactivate_user(user=person, by=request.user),
                _("%(name)s can no longer log in; their API tokens are revoked."))


@login_required
@require_POST
def user_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda person: services.reactivate_user(user=person, by=request.user),
                _("%(name)s can log in again."))


@login_required
@require_POST
def user_remove_two_factor(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda person: services.remove_two_factor(user=person, by=request.user),
                _("The authenticator of %(name)s was removed; they set up a new one at their next log-in."))


def _link_page(request: HttpRequest, person: User, link: Any, *, created: bool = False) -> HttpResponse:
    """Where the person's one-time link went; the link itself only if it is to be handed over."""
    response = render(request, "accounts/user_password.html", {"person": person, "link": link, "created": created})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def user_reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Capability.MANAGE_USERS)
    person = _person_or_404(request, pk)
    try:
        link = services.reset_password(user=person, by=request.user, base_url=request.build_absolute_uri("/"))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("accounts:user", pk=person.pk)
    return _link_page(request, person, link)


@login_required
@require_POST
def user_token_revoke(request: HttpRequest, pk: int, token_pk: int) -> HttpResponse:
    require(request.user, Capability.MANAGE_USERS)
    person = _person_or_404(request, pk)
    token = selectors.tokens_of(person).filter(pk=token_pk).first()
    if token is None:
        raise Http404(_("No such token."))
    services.revoke_api_token(token=token, by=request.user)
    if request.htmx:
        return render(request, "accounts/user_detail.html#tokens",
                      {"person": person, "tokens": selectors.tokens_of(person)})
    messages.success(request, _("The token “%(label)s” was revoked.") % {"label": token.label})
    return redirect("accounts:user", pk=person.pk)


@login_required
@require_POST
def organisation_two_factor(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Capability.MANAGE_USERS)
    organisation = selectors.organisations_for(request.user).filter(pk=pk).first()
    if organisation is None:
        raise Http404(_("No such organisation."))
    required = request.POST.get("requires_two_factor") == "1"
    services.set_two_factor_requirement(organisation=organisation, required=required, by=request.user)
    if required:
        messages.success(request, _("Every member of %(organisation)s now logs in with a second factor.") % {
            "organisation": organisation.name})
    else:
        messages.success(request, _("A second factor is now optional in %(organisation)s.") % {
            "organisation": organisation.name})
    return redirect("accounts:users")
