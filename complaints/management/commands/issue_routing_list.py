"""Sign and publish the next version of the complaint terminals' routing list.

    manage.py issue_routing_list                      # recipients from the organisations' keys
    manage.py issue_routing_list --recipient npm=npm=age1... --recipient prosecutor=prosecutor=age1... \\
        --recovery age1... [--days 90]

Each ``--recipient`` is ``organisation code=kind=age public key`` (kind: npm, childrens_ombudsman,
prosecutor). Without them the active organisation keys and the recovery key are used.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from complaints.ingest.routing import RoutingRefused, issue_routing_list
from custodywatch_protocol.terminal import Recipient


class Command(BaseCommand):
    help = "Sign the next routing list version with the oversight body's routing key and log it in the ledger."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--recipient", action="append", default=[], help="code=kind=age1... (repeat)")
        parser.add_argument("--recovery", default=None, help="the offline recovery key's age recipient")
        parser.add_argument("--days", type=int, default=90, help="days until it expires (default 90)")

    def handle(self, *args: Any, **options: Any) -> None:
        recipients = None
        if options["recipient"]:
            recipients = []
            for given in options["recipient"]:
                parts = given.split("=")
                if len(parts) != 3:
                    raise CommandError(f"recipient: {given!r} is not code=kind=age1...")
                recipients.append(Recipient(*parts))
        if not 1 <= options["days"] <= 3650:
            raise CommandError("days: 1 to 3650")
        try:
            row = issue_routing_list(by=None, recipients=recipients, recovery=options["recovery"],
                                     valid_for=timedelta(days=options["days"]))
        except RoutingRefused as exc:
            raise CommandError(f"{exc.field}: {exc.error}") from None
        self.stdout.write(f"Routing list version {row.version}, valid until {row.expires_at:%Y-%m-%d %H:%M} UTC.")
