"""Register a complaint terminal and print, as JSON, what its agent is configured with.

    manage.py register_terminal --facility LA-155/1 --label "Block 2" \\
        --device-key <hex> --transport-key <hex> [--schedule 60] --by admin.user

The agent makes both keys (``custodywatch-terminal init`` prints their public halves); only
public keys are ever given here or printed.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from complaints.ingest.registration import RegistrationRefused, register_terminal, terminal_setup
from facilities.models import Facility


class Command(BaseCommand):
    help = "Register a complaint terminal (its public device and transport keys) and print its configuration."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--facility", required=True, help="the facility's institution code")
        parser.add_argument("--label", required=True, help="where the terminal stands")
        parser.add_argument("--device-key", required=True, help="Ed25519 public key, 64 hex characters")
        parser.add_argument("--transport-key", required=True, help="X25519 public key, 64 hex characters")
        parser.add_argument("--schedule", type=int, default=60, help="seconds between packets (default 60)")
        parser.add_argument("--by", default="", help="the user name of who registers it (for the record)")

    def handle(self, *args: Any, **options: Any) -> None:
        facility = Facility.objects.filter(code=options["facility"]).first()
        if facility is None:
            raise CommandError(f"facility: no facility has the code {options['facility']!r}")
        by = get_user_model().objects.filter(username=options["by"]).first() if options["by"] else None
        try:
            terminal = register_terminal(
                facility=facility, label=options["label"], device_public_key=options["device_key"],
                transport_public_key=options["transport_key"], schedule_seconds=options["schedule"], by=by,
            )
        except RegistrationRefused as exc:
            raise CommandError(f"{exc.field}: {exc.error}") from None
        self.stdout.write(json.dumps(terminal_setup(terminal), indent=2, sort_keys=True))
