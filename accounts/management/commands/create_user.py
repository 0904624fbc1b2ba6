"""`create_user USERNAME --organisation CODE --role R [--facility CODE] [--email ADDRESS] [--password P]`.

Enrols a person. Without --password they get a one-time link to set their own: e-mailed when
--email is given (and the mail server takes it), else printed, once, to hand over. --password
sets one directly, for scripts (it must pass the password validators).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from accounts.management.commands.create_organisation import _format
from accounts.management.commands.reset_password import report_link
from accounts.models import Organisation, Role
from accounts.services import create_user
from facilities.models import Facility


class Command(BaseCommand):
    help = "Enrol a person in an organisation with a role (audited as a change from the command line)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--organisation", required=True, help="The organisation's code.")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--facility", help="For a facility officer: the facility's code.")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--email", default="")
        parser.add_argument("--password", help="Set this password instead of making a one-time link (scripts).")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(code=options["organisation"]).first()
        if organisation is None:
            raise CommandError(_("No organisation %(code)s.") % {"code": options["organisation"]})
        facility = None
        if options["facility"]:
            facility = Facility.objects.filter(code=options["facility"]).first()
            if facility is None:
                raise CommandError(_("No facility %(code)s.") % {"code": options["facility"]})
        try:
            user, link = create_user(
                username=options["username"], organisation=organisation, role=options["role"],
                facility=facility, first_name=options["first_name"], last_name=options["last_name"],
                email=options["email"], password=options["password"], by=None)
        except ValidationError as exc:
            raise CommandError(_format(exc)) from exc
        self.stderr.write(_("%(username)s enrolled.") % {"username": user.username})
        if link is not None:
            report_link(self, link)
