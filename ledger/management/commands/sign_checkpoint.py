"""`sign_checkpoint [--every SECONDS]`: sign a checkpoint of the ledger and collect witness cosignatures."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections, connection
from django.utils.translation import gettext as _

from ledger import publication, services
from ledger.errors import LedgerIntegrityError, SigningKeyError


class Command(BaseCommand):
    help = (
        "Sign a checkpoint of the whole ledger (refusing if it would fork from the last one signed), "
        "then ask the configured witnesses to cosign it. With --every, keep doing so on a schedule."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=float, metavar="SECONDS", help="repeat every SECONDS until stopped")
        parser.add_argument("--count", type=int, help="with --every, stop after this many rounds")
        parser.add_argument("--no-witnesses", action="store_true", help="sign only; do not contact witnesses")

    def handle(self, *args: Any, every: float | None, count: int | None, no_witnesses: bool, **options: Any) -> None:
        if every is not None and every <= 0:
            raise CommandError(_("--every needs a positive number of seconds."))
        rounds = 0
        while True:
            started = time.monotonic()
            self._round(collect=not no_witnesses)
            rounds += 1
            if every is None or (count is not None and rounds >= count):
                return
            if not connection.in_atomic_block:
                # A long-running loop must not keep a broken or expired connection forever.
                close_old_connections()
            time.sleep(max(0.0, every - (time.monotonic() - started)))

    def _round(self, *, collect: bool) -> None:
        try:
            checkpoint = services.sign_checkpoint()
        except (LedgerIntegrityError, SigningKeyError) as exc:
            # Never keep signing after a fork or damage was detected: a person must look first.
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _("Checkpoint of %(size)s entries signed by %(key)s.")
            % {"size": checkpoint.size, "key": checkpoint.signing_key.key_id}
        )
        if not collect:
            return
        for outcome in services.collect_cosignatures(checkpoint=checkpoint):
            if outcome.cosignature:
                self.stdout.write(_("  cosigned by %(witness)s") % {"witness": outcome.witness})
            else:
                self.stderr.write(
                    _("  not cosigned by %(witness)s: %(error)s") % {"witness": outcome.witness, "error": outcome.error}
                )
        checkpoint.refresh_from_db()
        status = publication.publication_status(checkpoint)
        self.stdout.write(_("Status: %(status)s") % {"status": status.label})
