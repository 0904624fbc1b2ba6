"""Log-in throttling beyond django-axes' own rule.

Axes locks a (user name, address) pair after AXES_FAILURE_LIMIT failures. That alone lets one
address try a common password against every user name (password spraying), and lets many
addresses take turns on one name. This handler adds, over axes' failure log and within the same
cool-off window:

- an address that failed for LOGIN_SPRAY_USERNAME_LIMIT distinct user names is refused for all;
- an address with LOGIN_ADDRESS_FAILURE_LIMIT failures in all is refused for all;
- a user name with LOGIN_USER_FAILURE_LIMIT failures from any addresses since its last successful
  log-in is refused from everywhere until the window passes.

A refused attempt answers with axes' lockout page (HTTP 429), like axes' own rule.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_ip_address, get_client_username, get_cool_off
from axes.models import AccessFailureLog
from django.conf import settings
from django.utils import timezone

from accounts.models import User


def _window_start() -> Any:
    return timezone.now() - get_cool_off()


def address_sprays(ip_address: str | None) -> bool:
    """Has this address failed for too many distinct user names, or too often, in the window?"""
    if not ip_address:
        return False
    failures = AccessFailureLog.objects.filter(ip_address=ip_address, attempt_time__gte=_window_start())
    if failures.values("username").distinct().count() >= settings.LOGIN_SPRAY_USERNAME_LIMIT:
        return True
    return failures.count() >= settings.LOGIN_ADDRESS_FAILURE_LIMIT


def user_name_besieged(username: str | None) -> bool:
    """Has this user name failed too often, from whatever addresses, in the window?"""
    if not username:
        return False
    since = _window_start()
    last_login = User.objects.filter(username=username).values_list("last_login", flat=True).first()
    if last_login and last_login > since:
        since = last_login
    failures = AccessFailureLog.objects.filter(username=username, attempt_time__gte=since)
    return failures.count() >= settings.LOGIN_USER_FAILURE_LIMIT


def _refused_by_our_rules(request: Any, credentials: dict | None) -> bool:
    ip_address = getattr(request, "axes_ip_address", None) or get_client_ip_address(request)
    return address_sprays(ip_address) or user_name_besieged(get_client_username(request, credentials))


class LoginThrottleHandler(AxesDatabaseHandler):
    def is_locked(self, request: Any, credentials: dict | None = None) -> bool:
        return super().is_locked(request, credentials) or _refused_by_our_rules(request, credentials)

    def user_login_failed(self, sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
        super().user_login_failed(sender, credentials, request, **kwargs)
        # Axes answers with its lockout page (429) only when its own count was reached; ours too.
        if request is not None and not getattr(request, "axes_locked_out", False) \
                and _refused_by_our_rules(request, credentials):
            request.axes_locked_out = True
            request.axes_credentials = credentials
