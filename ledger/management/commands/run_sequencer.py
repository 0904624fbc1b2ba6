"""Append recorded entries to the log as they arrive, until interrupted."""

from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand

from ledger import sequencer


class Command(BaseCommand):
    help = (
        "Run the ledger sequencer in the foreground: drain pending ledger records into the log in "
        "batches. Several may run (and the web process's thread beside them); the log lock orders them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--max-batch", type=int, default=sequencer.MAX_BATCH)
        parser.add_argument("--poll", type=float, default=sequencer.IDLE_POLL,
                            help="seconds between looks for new records (default %(default)s)")
        parser.add_argument("--once", action="store_true", help="sequence what is pending now, then exit")

    def handle(self, *args, max_batch, poll, once, **options):
        if once:
            count = sequencer.sequence_pending(max_batch=max_batch)
            self.stdout.write(f"Sequenced {count} pending record(s).")
            return
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        self.stdout.write("Ledger sequencer running; Ctrl-C to stop.")
        sequencer.run_forever(max_batch=max_batch, idle_poll=poll, stop=stop)
        self.stdout.write("Ledger sequencer stopped.")
