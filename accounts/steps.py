"""What a logged-in person still owes before they may use anything: one place decides.

In order: the second factor of a device they have set up; enrolling one, when their
organisation requires it; replacing a temporary password. The middleware sends browsers to
the page of the step; the API's session authentication refuses until nothing is owed.
"""

from __future__ import annotations

from django.http import HttpRequest

from accounts.sessions import has_device

VERIFY = "accounts:two-factor-verify"
ENROL = "accounts:two-factor-setup"
CHANGE_PASSWORD = "accounts:password-change"  # noqa: S105 - a URL name, not a password


def pending_step(request: HttpRequest) -> str | None:
    """The URL name of the step the logged-in user owes, or None."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    verified = getattr(user, "is_verified", lambda: False)()
    if not verified:
        if has_device(request, user):
            return VERIFY
        organisation = user.organisation
        if organisation is not None and organisation.requires_two_factor:
            return ENROL
    if user.must_change_password:
        return CHANGE_PASSWORD
    return None
