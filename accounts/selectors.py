"""Reads about accounts, scoped once to what the asking administrator may manage."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import AccountAuditRecord, ApiToken, Organisation, User
from accounts.permissions import Capability, can


def organisations_for(actor: User) -> QuerySet[Organisation]:
    """The organisations whose people `actor` may manage: all for a superuser, else their own."""
    if not actor.is_authenticated or not actor.is_active:
        return Organisation.objects.none()
    if actor.is_superuser:
        return Organisation.objects.all()
    if not can(actor, Capability.MANAGE_USERS) or actor.organisation_id is None:
        return Organisation.objects.none()
    return Organisation.objects.filter(pk=actor.organisation_id)


def users_for(actor: User) -> QuerySet[User]:
    """The people `actor` may manage (never a superuser, unless `actor` is one)."""
    users = User.objects.select_related("organisation", "facility").order_by("username")
    if not actor.is_authenticated or not actor.is_active:
        return users.none()
    if actor.is_superuser:
        return users
    return users.filter(organisation__in=organisations_for(actor), is_superuser=False)


def search_users(actor: User, *, q: str = "", organisation: Organisation | None = None,
                 active: bool | None = None) -> QuerySet[User]:
    users = users_for(actor)
    if q:
        users = users.filter(Q(username__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q)
                             | Q(email__icontains=q))
    if organisation is not None:
        users = users.filter(organisation=organisation)
    if active is not None:
        users = users.filter(is_active=active)
    return users


def tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def audit_of(user: User, limit: int = 50) -> list[AccountAuditRecord]:
    return list(AccountAuditRecord.objects.filter(user=user).select_related("actor", "token")[:limit])
