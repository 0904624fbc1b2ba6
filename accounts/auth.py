"""How API clients prove who they are: a bearer token, or the browser's session.

Machine clients send `Authorization: Bearer cw_...`; the token is looked up by its SHA-256, so
no comparison ever touches the secret itself and a timing difference reveals nothing about it.
Browser code may call the API with the logged-in session instead; then every unsafe method
must carry the CSRF token, as a form would.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from accounts.models import ApiToken, User, hash_token
from accounts.steps import pending_step

TOKEN_PREFIX = "cw_"  # noqa: S105 - the public prefix of every token, not a secret
# A real token is 46 characters; anything far longer is not worth hashing.
TOKEN_MAX_LENGTH = 200


# A token's last use is written at most this often, so a busy client costs no write per request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def user_for_token(raw: str) -> User | None:
    """The active user a live (not revoked, not expired) token belongs to, or None."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > TOKEN_MAX_LENGTH:
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user", "user__organisation")
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        # Conditional, so concurrent requests in the same minute write once between them.
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION)
        ).update(last_used_at=now)
    return token.user


class TokenAuth(HttpBearer):
    """`Authorization: Bearer cw_...`. A bad token is refused outright, never replaced by the session."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = user_for_token(token.strip())
        if user is None:
            raise AuthenticationError(
                401, _("The API token is unknown, revoked or expired, or its account is deactivated."))
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The logged-in browser session, with Django's CSRF check on unsafe methods."""

    def __init__(self) -> None:
        self.param_name = settings.SESSION_COOKIE_NAME
        super().__init__(csrf=True)

    def __call__(self, request: HttpRequest) -> Any:
        if request.headers.get("Authorization"):
            # A client that sends credentials of its own is not the browser session.
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if pending_step(request) is not None:
            # Logged in with a password but owing a second factor or a new password: not yet a session.
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request) is not None:
            raise HttpError(403, _("CSRF check failed: send the X-CSRFToken header with the session."))
        return user

    def _get_key(self, request: HttpRequest) -> str | None:  # pragma: no cover - __call__ replaces it
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:  # pragma: no cover
        return None


token_auth = TokenAuth()
session_auth = SessionAuth()
# Bearer first: an explicit token always decides, whatever cookies the client also sends.
API_AUTH = [token_auth, session_auth]
# Tokens may not mint tokens: managing them needs the person, logged in.
SESSION_ONLY = [session_auth]
