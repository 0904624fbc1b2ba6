"""One-time links to set a password, for a person just enrolled or whose password was reset.

A link carries the person's id and a token of Django's PasswordResetTokenGenerator: an HMAC over
the password hash, the last log-in, the e-mail address and the time it was made. So it dies when
the password is set (the link has been used), when a newer link replaces the password hash
again, and PASSWORD_RESET_TIMEOUT seconds after it was made. Nothing stores it.

It is e-mailed when the person has an address, else (or when the mail server refuses it) shown
once to the administrator to hand over. It is never logged: log lines name the person, not the
link, and the link's page moves the token out of its address at once (Django's
PasswordResetConfirmView), so neither the browser's history nor a Referer carries it further.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User

logger = logging.getLogger("custodywatch.accounts")

# The person's language is not known: the message says it in each of the product's languages.
_MAIL_LANGUAGES = ("kk", "ru", "en")


@dataclass(frozen=True)
class PasswordLink:
    """A link just made: where it leads, until when it works, and whether it went by e-mail."""

    url: str
    expires_at: dt.datetime
    emailed_to: str = ""  # the address it was sent to; "" when the administrator hands it over
    mail_failed: bool = False  # the person has an address, but the mail server did not take it

    @property
    def delivery(self) -> str:
        """How it reached the person, for the audit record (never the link itself)."""
        return "e-mail" if self.emailed_to else "handed over"


def link_for(user: User, *, base_url: str | None = None) -> str:
    """The absolute link for `user`'s current password state (call it after saving the user)."""
    path = reverse("accounts:password-link", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)})
    return urljoin(base_url or settings.SITE_URL, path)


def token_is_valid(user: User, token: str | None) -> bool:
    return user.is_active and default_token_generator.check_token(user, token)


def _send(user: User, url: str, expires_at: dt.datetime) -> None:
    parts, subjects = [], []
    for language in _MAIL_LANGUAGES:
        with translation.override(language):
            context = {"person": user, "url": url, "expires_at": timezone.localtime(expires_at)}
            parts.append(render_to_string("accounts/email/password_link.txt", context).strip())
            subjects.append(translation.gettext("Set your CustodyWatch password"))
    send_mail(" / ".join(subjects), "\n\n----\n\n".join(parts) + "\n", None, [user.email])


def issue(user: User, *, base_url: str | None = None) -> PasswordLink:
    """Make the person's link and e-mail it if they have an address."""
    url = link_for(user, base_url=base_url)
    expires_at = timezone.now() + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    if not user.email:
        return PasswordLink(url=url, expires_at=expires_at)
    try:
        _send(user, url, expires_at)
    except OSError as exc:  # smtplib's errors are OSErrors, as are a refused or timed-out connection
        logger.warning("password link for user=%s not e-mailed (%s); shown to the administrator instead",
                       user.pk, type(exc).__name__)
        return PasswordLink(url=url, expires_at=expires_at, mail_failed=True)
    return PasswordLink(url=url, expires_at=expires_at, emailed_to=user.email)
