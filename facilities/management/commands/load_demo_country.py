"""Load the fictional demo country and print its log-ins; running it again changes nothing."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from facilities.demo.loader import STEPS, LoadResult, Outcome, load_demo_country
from facilities.demo.personas import PersonaSpec


class _StdoutFile:
    """Lets rich write through the command's stdout, which would otherwise add a newline per write."""

    def __init__(self, stdout: Any) -> None:
        self.stdout = stdout

    def write(self, text: str) -> int:
        self.stdout.write(text, ending="")
        return len(text)

    def flush(self) -> None:
        self.stdout.flush()

    def isatty(self) -> bool:
        return self.stdout.isatty()


class Command(BaseCommand):
    help = "Load a fictional but realistic national registry of places of detention, with demo log-ins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today", type=dt.date.fromisoformat, default=None,
            help="The date the demo treats as today, YYYY-MM-DD (default: today). Snapshots end on its month.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        interactive = self.stdout.isatty()
        console = Console(file=_StdoutFile(self.stdout)) if interactive else None
        started = time.monotonic()
        if console is None:
            result = load_demo_country(today=options["today"])
        else:
            with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                          console=console, transient=True) as progress:
                task = progress.add_task(_("Loading the demo country"), total=len(STEPS))
                result = load_demo_country(
                    today=options["today"], on_step=lambda step: progress.advance(task)
                )
        self._report(result, time.monotonic() - started)
        if result.outcome != Outcome.REGISTRY_NOT_EMPTY:
            self._print_logins(result, console)

    def _report(self, result: LoadResult, seconds: float) -> None:
        if result.outcome == Outcome.ALREADY_LOADED:
            self.stdout.write(_("The demo country is already loaded."))
        elif result.outcome == Outcome.REGISTRY_NOT_EMPTY:
            self.stdout.write(self.style.WARNING(
                _("The registry already holds other data; the demo country is loaded only into an empty one.")
            ))
        else:
            self.stdout.write(self.style.SUCCESS(
                _("Loaded the demo country: %(facilities)s facilities, %(units)s units, "
                  "%(snapshots)s monthly snapshots in %(seconds).1f s.") % {
                    "facilities": result.facilities, "units": result.units, "snapshots": result.snapshots,
                    "seconds": seconds}
            ))
        for username in result.existing_users:
            self.stdout.write(_("User %(user)s already existed; its password was left unchanged.")
                              % {"user": username})

    def _print_logins(self, result: LoadResult, console: Console | None) -> None:
        headers = (_("User"), _("Password"), _("Persona"))
        rows = [_row(p) for p in result.personas]
        title = _("Demo log-ins (for a local demo only)")
        if console is not None:
            table = Table(title=title)
            for i, header in enumerate(headers):
                table.add_column(header, no_wrap=i < 2)  # a wrapped password would be copied wrongly
            for row in rows:
                table.add_row(*row)
            console.print(table)
            return
        widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]
        self.stdout.write(title)
        for row in (headers, *rows):
            self.stdout.write("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def _row(persona: PersonaSpec) -> tuple[str, str, str]:
    return persona.username, persona.password, str(persona.persona)
