"""`reset_password USERNAME`: end a person's password and give them a one-time link to set a new one.

The link is e-mailed when the person has an address (and the mail server takes it), else printed,
once, on standard output to hand over. Audited as a change from the command line.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.management.commands.create_organisation import _format
from accounts.models import User
from accounts.password_links import PasswordLink
from accounts.services import reset_password


def report_link(command: BaseCommand, link: PasswordLink) -> None:
    """Say where the link went; print it (alone on standard output) only if it is to be handed over."""
    when = formats.date_format(timezone.localtime(link.expires_at), "DATETIME_FORMAT")
    if link.emailed_to:
        command.stderr.write(_("A one-time link to set a password was e-mailed to %(address)s; it works once, "
                               "until %(when)s.") % {"address": link.emailed_to, "when": when})
        return
    if link.mail_failed:
        command.stderr.write(_("The e-mail could not be sent. Hand over this link instead."))
    command.stderr.write(_("One-time link to set a password, shown only now; it works once, until %(when)s:")
                         % {"when": when})
    command.stdout.write(link.url)


class Command(BaseCommand):
    help = "Reset a person's password: a one-time link to set a new one, e-mailed or printed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(_("No user %(username)s.") % {"username": options["username"]})
        try:
            link = reset_password(user=user, by=None)
        except ValidationError as exc:
            raise CommandError(_format(exc)) from exc
        report_link(self, link)
