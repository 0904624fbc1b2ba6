from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from ledger.keys import current_signer


class Command(BaseCommand):
    help = "Print the log's public verifier key (vkey), creating the signing key on first use."

    def handle(self, *args, **options) -> None:
        signer, _record = current_signer(now=timezone.now())
        self.stdout.write(signer.vkey)
