"""Log-in throttling beyond django-axes' own rule.

Axes locks a (user name, address) pair after AXES_FAILURE_LIMIT failures. That alone lets one
address try a common password against every user name (password spraying), and lets many
addresses take turns on one name. This handler adds, over axes' failure log and within the same
cool-off window:

- an address that failed for LOGIN_SPRAY_USERNAME_LIMIT distinct user names is refused for all;
- an address with LOGIN_ADDRESS_FAILURE_LIMIT failures in all is refused for all;
- a user name with LOGIN_USER_FAILURE_LIMIT failures from any addresses since its last successful
  log-in is refused from everywhere until the window passes;
- when failures across all accounts reach LOGIN_GLOBAL_FAILURE_LIMIT within
  LOGIN_GLOBAL_WINDOW_SECONDS (an attack spread over many addresses and names), every attempt from
  an address with no successful log-in in the last LOGIN_KNOWN_ADDRESS_DAYS is refused until the
  rate falls below the limit again. Refused attempts count as failures, so the pause lasts while
  the attack does and ends one window after it stops. Open sessions and API tokens are untouched:
  only log-in is refused. The start of a pause is logged as one line (once per process).

A refused attempt answers with axes' lockout page (HTTP 429), like axes' own rule; the page says
which rule refused it.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_ip_address, get_client_username, get_cool_off
from axes.models import AccessFailureLog, AccessLog
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from accounts.models import User

logger = logging.getLogger("custodywatch.accounts")

# Set on a request refused by the global rule, so the lockout page can say why.
GLOBAL_PAUSE = "cw_login_paused"
_PAUSE_LOGGED = "accounts:login:global-pause"


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


def failures_surge() -> bool:
    """Have failures across all accounts reached LOGIN_GLOBAL_FAILURE_LIMIT within the window?

    Asked as "was the limit-th most recent failure inside the window?", which reads at most that
    many rows by primary key however large the failure log has grown.
    """
    limit = settings.LOGIN_GLOBAL_FAILURE_LIMIT
    if not limit:
        return False
    window = dt.timedelta(seconds=settings.LOGIN_GLOBAL_WINDOW_SECONDS)
    oldest = AccessFailureLog.objects.order_by("-pk").values_list("attempt_time", flat=True)[limit - 1:limit]
    return any(at >= timezone.now() - window for at in oldest)


def address_known(ip_address: str | None) -> bool:
    """Did someone log in successfully from this address within LOGIN_KNOWN_ADDRESS_DAYS?"""
    if not ip_address:
        return False
    since = timezone.now() - dt.timedelta(days=settings.LOGIN_KNOWN_ADDRESS_DAYS)
    return AccessLog.objects.filter(ip_address=ip_address, attempt_time__gte=since).exists()


def globally_paused(ip_address: str | None) -> bool:
    """Is log-in from this address paused by the global failure rate?"""
    if not failures_surge() or address_known(ip_address):
        return False
    if cache.add(_PAUSE_LOGGED, True, timeout=settings.LOGIN_GLOBAL_WINDOW_SECONDS):
        logger.warning("log-in paused for addresses without a recent successful log-in: at least %s failures "
                       "across all accounts in %s s", settings.LOGIN_GLOBAL_FAILURE_LIMIT,
                       settings.LOGIN_GLOBAL_WINDOW_SECONDS)
    return True


def _refused_by_our_rules(request: Any, credentials: dict | None) -> bool:
    ip_address = getattr(request, "axes_ip_address", None) or get_client_ip_address(request)
    if address_sprays(ip_address) or user_name_besieged(get_client_username(request, credentials)):
        return True
    if globally_paused(ip_address):
        setattr(request, GLOBAL_PAUSE, True)
        return True
    return False


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
