"""`create_organisation_key CODE [--rotate] [--passphrase-file PATH]`: an organisation's age key.

Without ``--passphrase-file`` the passphrase is asked twice on the terminal (never on the command
line, where other users and the shell history would see it). Prints the public key, which the
next routing list names.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Organisation
from complaints import keys


class Command(BaseCommand):
    help = "Make (or with --rotate, replace) a recipient organisation's key for sealed complaints."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="The organisation's code, e.g. npm.")
        parser.add_argument("--rotate", action="store_true",
                            help="Retire the active key (kept for the complaints sealed to it) and make a new one.")
        parser.add_argument("--passphrase-file", help="Read the passphrase from this file (its first line).")

    def _passphrase(self, path: str | None) -> str:
        if path:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
            return lines[0] if lines else ""
        first = getpass.getpass("Passphrase: ")
        if first != getpass.getpass("Passphrase again: "):
            raise CommandError("The two passphrases differ.")
        return first

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(code=options["code"]).first()
        if organisation is None:
            raise CommandError(f"No organisation {options['code']}.")
        passphrase = self._passphrase(options["passphrase_file"])
        make = keys.rotate_organisation_key if options["rotate"] else keys.create_organisation_key
        try:
            key = make(organisation=organisation, passphrase=passphrase, by=None)
        except keys.KeyRefused as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"{organisation.code}: {key.public_key}")
        self.stdout.write("Issue a new routing list so that terminals seal to this key (issue_routing_list).")
