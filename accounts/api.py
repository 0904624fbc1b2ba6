"""API tokens over HTTP: a logged-in person lists, issues and revokes their own tokens.

These operations accept only the browser session (with CSRF), never a token: a leaked token
must not be able to mint further tokens or revoke the owner's others.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict, Field

from accounts import services
from accounts.auth import SESSION_ONLY
from accounts.models import ApiToken
from accounts.permissions import Capability, can
from lib.api import COMMON_ERRORS

router = Router(auth=SESSION_ONLY)

MAX_ID = 2**63 - 1


class TokenIn(Schema):
    model_config = ConfigDict(extra="forbid")

    label: Annotated[str, Field(min_length=1, max_length=100, strict=True)]
    days: Annotated[int | None, Field(default=None, ge=1, le=3650, strict=True,
                                      description="Lifetime in days; the server's maximum applies "
                                                  "(API_TOKEN_MAX_DAYS, 365 unless configured).")]


class TokenOut(Schema):
    id: int
    label: str
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class IssuedTokenOut(TokenOut):
    token: str = Field(description="The secret, shown only in this answer. Send it as Authorization: Bearer ...")


def _require_token_rights(user: Any) -> None:
    if not can(user, Capability.MANAGE_API_TOKENS):
        raise PermissionDenied(_("Your role does not allow API tokens."))


@router.get("", response={200: list[TokenOut], **COMMON_ERRORS}, summary="Your API tokens")
def list_tokens(request: HttpRequest) -> list[ApiToken]:
    _require_token_rights(request.auth)
    return list(ApiToken.objects.filter(user=request.auth).order_by("-created_at", "-id"))


@router.post("", response={201: IssuedTokenOut, **COMMON_ERRORS}, summary="Issue an API token")
def issue_token(request: HttpRequest, payload: TokenIn) -> Status:
    _require_token_rights(request.auth)
    token, raw = services.issue_api_token(user=request.auth, label=payload.label, days=payload.days,
                                          by=request.auth)
    return Status(201, {"id": token.pk, "label": token.label, "created_at": token.created_at,
                        "expires_at": token.expires_at, "last_used_at": token.last_used_at,
                        "revoked_at": token.revoked_at, "token": raw})


@router.delete("/{int:token_id}", response={200: TokenOut, **COMMON_ERRORS}, summary="Revoke an API token")
def revoke_token(request: HttpRequest, token_id: int) -> ApiToken:
    _require_token_rights(request.auth)
    token = ApiToken.objects.filter(pk=token_id, user=request.auth).first() if token_id <= MAX_ID else None
    if token is None:
        raise Http404
    return services.revoke_api_token(token=token, by=request.auth)
