"""What the session remembers about log-in, so a request costs no extra query.

- When the session was last moved on: the inactivity deadline (SESSION_COOKIE_AGE) is pushed
  forward by re-saving the session at most every SESSION_REFRESH_SECONDS, rather than writing the
  session row on every request as SESSION_SAVE_EVERY_REQUEST would.
- Whether the person has a confirmed second-factor device, looked up once at log-in and kept
  up to date by the pages that set one up or remove it.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django_otp import user_has_device

REFRESHED = "_cw_refreshed"
HAS_DEVICE = "_cw_has_device"


def remember_log_in(request: HttpRequest | None, user: Any) -> None:
    """At log-in (django.contrib.auth's user_logged_in): start the inactivity clock, note the device."""
    if request is None or not hasattr(request, "session"):
        return
    request.session[REFRESHED] = int(time.time())
    request.session[HAS_DEVICE] = user_has_device(user, confirmed=True)


def has_device(request: HttpRequest, user: Any) -> bool:
    cached = request.session.get(HAS_DEVICE)
    if cached is None:
        cached = request.session[HAS_DEVICE] = user_has_device(user, confirmed=True)
    return bool(cached)


def note_device(request: HttpRequest, present: bool) -> None:
    request.session[HAS_DEVICE] = present


def move_deadline_on(request: HttpRequest) -> None:
    """Re-save the session (and so its expiry) when it was last saved long enough ago."""
    session = getattr(request, "session", None)
    if session is None or session.is_empty():
        return
    now = int(time.time())
    refreshed = session.get(REFRESHED)
    if not isinstance(refreshed, int) or now - refreshed >= settings.SESSION_REFRESH_SECONDS:
        session[REFRESHED] = now
