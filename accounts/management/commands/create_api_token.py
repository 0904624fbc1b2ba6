"""`create_api_token <username> --label L`: issue a bearer token and print it, once."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import Capability, can
from accounts.services import issue_api_token


class Command(BaseCommand):
    help = "Issue an API token for a user and print it. Only its hash is stored: copy it now."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--label", required=True, help="What the token is for, e.g. the client's name.")
        parser.add_argument("--days", type=int, default=None,
                            help="Days it stays valid (default API_TOKEN_DEFAULT_DAYS, at most API_TOKEN_MAX_DAYS).")

    def handle(self, *args: Any, username: str, label: str, days: int | None = None, **options: Any) -> None:
        user = User.objects.select_related("organisation").filter(username=username).first()
        if user is None:
            raise CommandError(_("No user %(username)s.") % {"username": username})
        if not can(user, Capability.MANAGE_API_TOKENS):
            raise CommandError(_("%(username)s has no role that may use API tokens.") % {"username": username})
        try:
            token, raw = issue_api_token(user=user, label=label, days=days, by=None)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stderr.write(_("Token %(id)s (%(label)s) for %(username)s; it is not shown again:") % {
            "id": token.pk, "label": token.label, "username": user.username})
        self.stderr.write(_("Valid until %(date)s.") % {"date": token.expires_at.isoformat(timespec="minutes")})
        self.stdout.write(raw)
