"""Import a custody register file (CSV or XLSX): the same service as the import page."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from custody.services.importing import import_file


class Command(BaseCommand):
    help = "Import a police custody register (CSV or XLSX); nothing is written if any row is wrong."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", help="the user the import is recorded against (their mandate applies)")
        parser.add_argument("--dry-run", action="store_true", help="only check the file")

    def handle(self, *args, file: Path, user: str | None, dry_run: bool, **options):
        by = None
        if user:
            by = get_user_model().objects.filter(username=user, is_active=True).first()
            if by is None:
                raise CommandError(f"no active user {user!r}")
        outcome, read_as = import_file(data=file.read_bytes(), filename=file.name, by=by, dry_run=dry_run)
        if read_as:
            self.stdout.write(f"Read as {read_as}.")
        for p in outcome.problems:
            where = ", ".join(part for part in (p.sheet, f"line {p.line}" if p.line else "", p.column) if part)
            self.stdout.write(f"{where}: {p.reason}" if where else p.reason)
        if outcome.problems:
            raise CommandError(f"{len(outcome.problems)} problems; nothing was imported")
        if dry_run:
            self.stdout.write("The file is valid; nothing was changed.")
        else:
            self.stdout.write(f"{outcome.created} new, {outcome.updated} changed, "
                              f"{outcome.unchanged} unchanged records.")
