"""`export_tiles <directory>`: write the published log as C2SP tlog-tiles static files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from rich.progress import Progress

from ledger import publication


class Command(BaseCommand):
    help = (
        "Write the latest published checkpoint, its hash tiles and entry bundles to a directory "
        "(full tiles already there are kept). Audit it with: custodywatch-verify audit --log DIRECTORY"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)

    def handle(self, *args: Any, directory: Path, **options: Any) -> None:
        with Progress(disable=not sys.stderr.isatty(), transient=True) as progress:
            task = progress.add_task(_("Writing tiles"), total=None)
            try:
                result = publication.export_tiles(
                    directory=directory, progress=lambda done, total: progress.update(task, completed=done, total=total)
                )
            except LookupError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(
            _("Exported the checkpoint of %(size)s entries to %(directory)s: %(written)s tiles written, "
              "%(skipped)s already there.")
            % {"size": result.size, "directory": directory, "written": result.written, "skipped": result.skipped}
        )
