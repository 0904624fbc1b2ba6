"""`create_organisation CODE --kind K --name-en ... --name-ru ... --name-kk ... [--region KZ-35]`."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from accounts.models import OrganisationKind
from accounts.services import create_organisation
from facilities.models import Region


class Command(BaseCommand):
    help = "Register an oversight body or a facility operator (audited as a change from the command line)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="A short stable code, e.g. pmc-karaganda.")
        parser.add_argument("--kind", required=True, choices=OrganisationKind.values)
        parser.add_argument("--name-en", required=True)
        parser.add_argument("--name-ru", required=True)
        parser.add_argument("--name-kk", required=True)
        parser.add_argument("--region", help="Region code (ISO 3166-2, e.g. KZ-35); needed for a commission.")
        parser.add_argument("--require-two-factor", action="store_true",
                            help="Every member must log in with a second factor.")

    def handle(self, *args: Any, **options: Any) -> None:
        region = None
        if options["region"]:
            region = Region.objects.filter(code=options["region"]).first()
            if region is None:
                raise CommandError(_("No region %(code)s.") % {"code": options["region"]})
        try:
            organisation = create_organisation(
                code=options["code"], kind=options["kind"], name_en=options["name_en"],
                name_ru=options["name_ru"], name_kk=options["name_kk"], region=region,
                requires_two_factor=options["require_two_factor"], by=None)
        except ValidationError as exc:
            raise CommandError(_format(exc)) from exc
        self.stdout.write(_("Organisation %(code)s registered.") % {"code": organisation.code})


def _format(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items())
    return "; ".join(exc.messages)
