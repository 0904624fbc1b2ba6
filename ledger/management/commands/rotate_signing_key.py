"""`rotate_signing_key`: replace the ledger's signing key, logging the change in the ledger."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ledger import services
from ledger.errors import LedgerIntegrityError, SigningKeyError


class Command(BaseCommand):
    help = (
        "Generate a new signing key, log a key:rotation entry, have the old key sign a checkpoint "
        "covering it, and retire the old key. Give witnesses and verifiers the new verifier key."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            key = services.rotate_signing_key()
        except (LedgerIntegrityError, SigningKeyError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(_("New signing key: %(vkey)s") % {"vkey": key.vkey})
