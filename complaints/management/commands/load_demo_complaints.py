"""`load_demo_complaints [--count N]`: keys for the demo bodies and sealed demo complaints."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from complaints.demo import DEMO_PASSPHRASE, load_demo_complaints


class Command(BaseCommand):
    help = "Give the demo country's recipient bodies keys and add sealed demo complaints (once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=60)

    def handle(self, *args: Any, **options: Any) -> None:
        result = load_demo_complaints(count=options["count"])
        self.stdout.write(f"Organisation keys made: {result.keys_made}; demo complaints added: {result.complaints}.")
        self.stdout.write(f"Passphrase to unlock them in the demo (/complaints/unlock/): {DEMO_PASSPHRASE}")
