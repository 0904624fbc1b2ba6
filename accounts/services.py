"""Changes to accounts: organisations, users, passwords, API tokens and second factors.

Every function here is keyword-only, takes the acting person as `by` (None is the server's
command line, whose operator already controls the database), checks that `by` may do it,
validates, writes and records an `AccountAuditRecord` in one transaction. Forms, pages, the API
and the management commands call these and only translate their `ValidationError`s.

A raw token or a one-time password link (accounts.password_links) is returned once and never
stored: the database keeps only a token's SHA-256 and a password's hash, and a link is derived
from the password hash, so setting the password kills it.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import (
    AccountAuditRecord,
    ApiToken,
    AuditAction,
    Organisation,
    OrganisationKind,
    Role,
    User,
    hash_token,
)
from accounts.password_links import PasswordLink, token_is_valid
from accounts.password_links import issue as issue_password_link
from accounts.permissions import MATRIX, Capability, can
from facilities import text_rules

logger = logging.getLogger("custodywatch.accounts")

LABEL_MAX_LENGTH = ApiToken._meta.get_field("label").max_length
USERNAME_RE = re.compile(r"[a-z0-9][a-z0-9._-]{1,62}[a-z0-9]")
ORGANISATION_CODE_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,62}[a-z0-9]")
NAME_MAX_LENGTH = 150
_USER_FIELDS = ("username", "first_name", "last_name", "email", "organisation_id", "role", "facility_id",
                "is_active", "is_superuser", "is_staff")


# ---- who may do it -------------------------------------------------------------------------

def may_manage_organisation(by: User | None, organisation: Organisation | None) -> bool:
    """May `by` manage the users of `organisation`? Administrators only their own body's."""
    if by is None or by.is_superuser:
        return True
    if organisation is None or not can(by, Capability.MANAGE_USERS):
        return False
    return by.organisation_id == organisation.pk


def may_manage_user(by: User | None, user: User) -> bool:
    if by is None or by.is_superuser:
        return True
    if user.is_superuser:
        return False
    return may_manage_organisation(by, user.organisation)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _audit(*, by: User | None, action: AuditAction, user: User | None = None,
           organisation: Organisation | None = None, token: ApiToken | None = None,
           changes: dict[str, Any] | None = None) -> AccountAuditRecord:
    record = AccountAuditRecord.objects.create(
        actor=by, action=action, user=user, organisation=organisation, token=token, changes=changes or {}
    )
    logger.info("%s id=%s user=%s organisation=%s by=%s", action, record.pk, user.pk if user else "-",
                organisation.pk if organisation else "-", by.pk if by else "cli")
    return record


# ---- the rules, once -----------------------------------------------------------------------

def roles_for(kind: str) -> list[str]:
    """The roles an organisation of this kind can give: the pairs the permission matrix knows."""
    return [role for role in Role.values if (kind, role) in MATRIX]


def _text(field: str, value: Any, *, required: bool = False, max_length: int = NAME_MAX_LENGTH) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: _("Enter text.")})
    try:
        value = text_rules.text(value, required=False)
    except ValueError as exc:
        raise ValidationError({field: str(exc)}) from None
    if required and not value:
        raise ValidationError({field: _("This field cannot be empty.")})
    if len(value) > max_length:
        raise ValidationError({field: _("At most %(max)s characters.") % {"max": max_length}})
    return value


def clean_username(value: Any) -> str:
    if not isinstance(value, str) or not USERNAME_RE.fullmatch(value):
        raise ValidationError({"username": _(
            "Use 3 to 64 lower-case Latin letters, digits and . _ - (not at either end), e.g. saule.pmc."
        )})
    return value


def clean_email(value: Any) -> str:
    from django.core.validators import validate_email

    value = _text("email", value, max_length=254)
    if value:
        try:
            validate_email(value)
        except ValidationError:
            raise ValidationError({"email": _("Enter a valid e-mail address.")}) from None
    return value


def mandate_errors(*, organisation: Organisation | None, role: Any, facility: Any) -> dict[str, str]:
    """Why this combination of organisation, role and facility cannot be an account, by field.

    The database refuses some of these too; this says it in words before anything is written.
    """
    errors: dict[str, str] = {}
    if organisation is None:
        return {"organisation": _("Choose the organisation the person works for.")}
    if role not in Role.values:
        return {"role": _("Choose a role.")}
    if role not in roles_for(organisation.kind):
        errors["role"] = _("%(organisation)s cannot give the role %(role)s.") % {
            "organisation": organisation.name, "role": Role(role).label}
    if role == Role.FACILITY_OFFICER:
        if facility is None:
            errors["facility"] = _("A facility officer needs the facility they work at.")
        elif facility.operator_id != organisation.pk:
            errors["facility"] = _("This facility is not run by %(organisation)s.") % {
                "organisation": organisation.name}
    elif facility is not None:
        errors["facility"] = _("Only a facility officer is linked to one facility.")
    if organisation.kind == OrganisationKind.PUBLIC_MONITORING_COMMISSION and organisation.region_id is None:
        errors["organisation"] = _(
            "This commission has no region yet, so its members would see no facility: set its region first.")
    return errors


def _check_mandate(*, organisation: Organisation | None, role: Any, facility: Any) -> None:
    errors = mandate_errors(organisation=organisation, role=role, facility=facility)
    if errors:
        raise ValidationError(errors)


def _snapshot(user: User) -> dict[str, Any]:
    return {field: getattr(user, field) for field in _USER_FIELDS}


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {key: [before[key], after[key]] for key in before if before[key] != after[key]}


# ---- organisations -------------------------------------------------------------------------

@transaction.atomic
def create_organisation(*, code: str, kind: str, name_en: str, name_ru: str, name_kk: str,
                        region: Any = None, requires_two_factor: bool = False,
                        by: User | None) -> Organisation:
    """Register an oversight body or a facility operator. Only a superuser or the command line."""
    _require(by is None or by.is_superuser, _("Only a superuser may register organisations."))
    if not isinstance(code, str) or not ORGANISATION_CODE_RE.fullmatch(code):
        raise ValidationError({"code": _("Use 2 to 64 lower-case Latin letters, digits and hyphens, e.g. pmc-almaty.")})
    if Organisation.objects.filter(code=code).exists():
        raise ValidationError({"code": _("An organisation with this code already exists.")})
    if kind not in OrganisationKind.values:
        raise ValidationError({"kind": _("Choose the kind of organisation.")})
    names = {field: _text(field, value, required=True, max_length=255)
             for field, value in (("name_en", name_en), ("name_ru", name_ru), ("name_kk", name_kk))}
    if kind == OrganisationKind.PUBLIC_MONITORING_COMMISSION and region is None:
        raise ValidationError({"region": _("A public monitoring commission works in one region: choose it.")})
    organisation = Organisation.objects.create(code=code, kind=kind, region=region,
                                               requires_two_factor=bool(requires_two_factor), **names)
    _audit(by=by, action=AuditAction.ORGANISATION_CREATED, organisation=organisation,
           changes={"code": code, "kind": kind, "region_id": organisation.region_id,
                    "requires_two_factor": organisation.requires_two_factor})
    return organisation


@transaction.atomic
def set_two_factor_requirement(*, organisation: Organisation, required: bool, by: User | None) -> Organisation:
    """Require (or stop requiring) a second factor of every member of the organisation."""
    _require(may_manage_organisation(by, organisation), _("You may manage only your own organisation."))
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if organisation.requires_two_factor != bool(required):
        organisation.requires_two_factor = bool(required)
        organisation.save(update_fields=["requires_two_factor"])
        _audit(by=by, action=AuditAction.ORGANISATION_UPDATED, organisation=organisation,
               changes={"requires_two_factor": [not organisation.requires_two_factor,
                                                organisation.requires_two_factor]})
    return organisation


# ---- users ---------------------------------------------------------------------------------

@transaction.atomic
def create_user(*, username: str, organisation: Organisation | None, role: str, by: User | None,
                facility: Any = None, first_name: str = "", last_name: str = "", email: str = "",
                password: str | None = None, base_url: str | None = None) -> tuple[User, PasswordLink | None]:
    """Enrol a person. Unless `password` was given (scripts), they get no password but a one-time
    link to set their own, e-mailed or returned to be handed over (see `reset_password`)."""
    username = clean_username(username)
    _require(may_manage_organisation(by, organisation), _("You may enrol people only in your own organisation."))
    errors: dict[str, Any] = {}
    if User.objects.filter(username=username).exists():
        errors["username"] = _("This user name is taken.")
    errors.update(mandate_errors(organisation=organisation, role=role, facility=facility))
    if errors:
        raise ValidationError(errors)
    user = User(username=username, organisation=organisation, role=role, facility=facility,
                first_name=_text("first_name", first_name), last_name=_text("last_name", last_name),
                email=clean_email(email))
    if password is None:
        user.set_unusable_password()
    else:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from None
        user.set_password(password)
    user.save()
    link = None if password is not None else issue_password_link(user, base_url=base_url)
    changes = {key: value for key, value in _snapshot(user).items() if value not in ("", None, False)}
    if link is not None:
        changes.update(password_link=link.delivery, link_expires_at=link.expires_at.isoformat())
    _audit(by=by, action=AuditAction.USER_CREATED, user=user, organisation=organisation, changes=changes)
    return user, link


@transaction.atomic
def update_user(*, user: User, by: User | None, organisation: Organisation | None, role: str,
                facility: Any = None, first_name: str = "", last_name: str = "", email: str = "") -> User:
    """Change a person's organisation, role, mandate or name."""
    user = User.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=user.pk)
    _require(may_manage_user(by, user), _("You may manage only the people of your own organisation."))
    _require(may_manage_organisation(by, organisation), _("You may move people only into your own organisation."))
    if by is not None and by.pk == user.pk and role != user.role:
        raise ValidationError({"role": _("You cannot change your own role; ask another administrator.")})
    if not user.is_superuser:
        _check_mandate(organisation=organisation, role=role, facility=facility)
    before = _snapshot(user)
    user.organisation, user.role, user.facility = organisation, role, facility
    user.first_name = _text("first_name", first_name)
    user.last_name = _text("last_name", last_name)
    user.email = clean_email(email)
    user.save()
    changes = _diff(before, _snapshot(user))
    if changes:
        _audit(by=by, action=AuditAction.USER_UPDATED, user=user, organisation=organisation, changes=changes)
    return user


@transaction.atomic
def deactivate_user(*, user: User, by: User | None) -> User:
    """Stop a person's access at once: log-in, open sessions and every API token."""
    user = User.objects.select_for_update().get(pk=user.pk)
    _require(may_manage_user(by, user), _("You may manage only the people of your own organisation."))
    if by is not None and by.pk == user.pk:
        raise ValidationError({"user": _("You cannot deactivate your own account.")})
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
        _audit(by=by, action=AuditAction.USER_DEACTIVATED, user=user, organisation=user.organisation)
        for token in ApiToken.objects.filter(user=user, revoked_at__isnull=True):
            _revoke(token=token, by=by)
    return user


@transaction.atomic
def reactivate_user(*, user: User, by: User | None) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    _require(may_manage_user(by, user), _("You may manage only the people of your own organisation."))
    if not user.is_active:
        if not user.is_superuser:
            _check_mandate(organisation=user.organisation, role=user.role, facility=user.facility)
        user.is_active = True
        user.save(update_fields=["is_active"])
        _audit(by=by, action=AuditAction.USER_REACTIVATED, user=user, organisation=user.organisation)
    return user


@transaction.atomic
def reset_password(*, user: User, by: User | None, base_url: str | None = None) -> PasswordLink:
    """End the person's password (and so their open sessions) and give them a one-time link to set
    a new one: e-mailed when they have an address, else returned to be handed over. A newer link
    replaces an older one; each works once and for PASSWORD_RESET_TIMEOUT."""
    user = User.objects.select_for_update().get(pk=user.pk)
    _require(may_manage_user(by, user), _("You may manage only the people of your own organisation."))
    if not user.is_active:
        raise ValidationError({"user": _("This account is deactivated: reactivate it before resetting its password.")})
    user.set_unusable_password()
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    link = issue_password_link(user, base_url=base_url)
    _audit(by=by, action=AuditAction.PASSWORD_RESET, user=user, organisation=user.organisation,
           changes={"password_link": link.delivery, "link_expires_at": link.expires_at.isoformat()})
    return link


@transaction.atomic
def set_password_from_link(*, user: User, token: str | None, password: str) -> User:
    """The person sets their password with their one-time link, which dies with it. A second factor
    they have, or their organisation requires, still applies at their next log-in."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not token_is_valid(user, token):
        # Checked again under the lock: two tabs submitting the same link set one password.
        raise ValidationError({"token": _(
            "This link no longer works: it was used, it expired, or a newer one was made. "
            "Ask your administrator for a new link.")})
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password1": exc.messages}) from None
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    _audit(by=user, action=AuditAction.PASSWORD_SET_FROM_LINK, user=user, organisation=user.organisation)
    return user


@transaction.atomic
def change_own_password(*, user: User, password: str) -> User:
    """The person sets their own new password (after checking the old one in the form)."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password1": exc.messages}) from None
    if user.check_password(password):
        raise ValidationError({"new_password1": _("Choose a password different from the current one.")})
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    _audit(by=user, action=AuditAction.PASSWORD_CHANGED, user=user, organisation=user.organisation)
    return user


# ---- API tokens ----------------------------------------------------------------------------

def _clean_label(label: Any) -> str:
    if not isinstance(label, str) or not label.strip():
        raise ValidationError({"label": _("Give the token a label, e.g. the name of the client that uses it.")})
    return _text("label", label, required=True, max_length=LABEL_MAX_LENGTH)


def _clean_days(days: Any) -> int:
    if days is None:
        return settings.API_TOKEN_DEFAULT_DAYS
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise ValidationError({"days": _("A token lives from 1 to %(max)s days.") % {
            "max": settings.API_TOKEN_MAX_DAYS}})
    return days


@transaction.atomic
def issue_api_token(*, user: User, label: str, by: User | None, days: int | None = None) -> tuple[ApiToken, str]:
    """Issue a bearer token for `user`, valid for `days` (default API_TOKEN_DEFAULT_DAYS); returns
    the record and the raw token, shown only this once.

    `by` is the person issuing it: the user themself, a superuser, or None for the command line.
    """
    _require(by is None or by.pk == user.pk or by.is_superuser, _("You may issue tokens only for yourself."))
    if not user.is_active:
        raise ValidationError({"user": _("This account is deactivated.")})
    label = _clean_label(label)
    expires_at = timezone.now() + dt.timedelta(days=_clean_days(days))
    raw = ApiToken.new_raw_token()
    token = ApiToken.objects.create(user=user, label=label, token_hash=hash_token(raw), expires_at=expires_at)
    _audit(by=by, action=AuditAction.TOKEN_ISSUED, user=user, organisation=user.organisation, token=token,
           changes={"label": label, "expires_at": expires_at.isoformat()})
    return token, raw


def _revoke(*, token: ApiToken, by: User | None) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    _audit(by=by, action=AuditAction.TOKEN_REVOKED, user=token.user, organisation=token.user.organisation,
           token=token, changes={"label": token.label})


@transaction.atomic
def revoke_api_token(*, token: ApiToken, by: User | None) -> ApiToken:
    """Revoke a token from now on; revoking a revoked token changes nothing. The owner, a
    superuser or an administrator of the owner's organisation may."""
    token = ApiToken.objects.select_for_update(of=("self",)).select_related("user", "user__organisation").get(
        pk=token.pk)
    _require(by is None or by.pk == token.user_id or may_manage_user(by, token.user),
             _("You may revoke only your own tokens."))
    if token.revoked_at is None:
        _revoke(token=token, by=by)
    return token


# ---- second factor -------------------------------------------------------------------------

def record_two_factor_enrolled(*, user: User, device_name: str) -> None:
    _audit(by=user, action=AuditAction.TWO_FACTOR_ENROLLED, user=user, organisation=user.organisation,
           changes={"device": device_name})


@transaction.atomic
def remove_two_factor(*, user: User, by: User | None) -> int:
    """Remove every TOTP device of the person (a lost phone). If their organisation requires a
    second factor, they must enrol again at their next log-in."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    _require(by is None or by.pk == user.pk or may_manage_user(by, user),
             _("You may manage only the people of your own organisation."))
    removed, _details = TOTPDevice.objects.filter(user=user).delete()
    if removed:
        _audit(by=by, action=AuditAction.TWO_FACTOR_REMOVED, user=user, organisation=user.organisation,
               changes={"devices": removed})
    return removed
