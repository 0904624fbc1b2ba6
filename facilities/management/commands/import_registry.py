"""Import the registry from a CSV file or an XLSX workbook, all or nothing.

    manage.py import_registry registry.xlsx --user aigerim.npm
    manage.py import_registry units.csv --dataset units --dry-run

Problems are printed as a tab-separated table (sheet, line, column, value, problem) and the
command fails without changing anything; the same checks as the import page.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.permissions import Capability, can
from facilities.transfer import importer
from facilities.transfer.columns import DATASETS


class Command(BaseCommand):
    help = "Import facilities, units and population snapshots from a CSV file or an XLSX workbook."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a .csv (UTF-8, Windows-1251 or KZ-1048) or .xlsx file")
        parser.add_argument("--dataset", choices=sorted(DATASETS), default="",
                            help="the dataset of a CSV file (default: told by its header), or the one sheet to read")
        parser.add_argument("--user", default="",
                            help="record the changes against this user, within their mandate (default: the system)")
        parser.add_argument("--dry-run", action="store_true", help="only check the file, change nothing")
        parser.add_argument("--language", choices=[code for code, _name in settings.LANGUAGES],
                            default=settings.LANGUAGE_CODE, help="language of the messages")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["language"]):
            self._import(options)

    def _import(self, options: dict[str, Any]) -> None:
        actor = _actor(options["user"])
        path = options["file"]
        try:
            if os.path.getsize(path) > settings.IMPORT_MAX_BYTES:
                report = importer.ImportReport(problems=[importer.too_large_problem(settings.IMPORT_MAX_BYTES)])
            else:
                with open(path, "rb") as fh:
                    data = fh.read(settings.IMPORT_MAX_BYTES + 1)
                report = importer.import_file(
                    data=data, filename=os.path.basename(path), dataset=options["dataset"], by=actor,
                    dry_run=options["dry_run"],
                )
        except OSError as exc:
            raise CommandError(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror}) from None
        if report.read_as:
            self.stdout.write(_("Read as %(how)s.") % {"how": report.read_as})
        if report.problems:
            self.stdout.write("\t".join((_("Sheet"), _("Line"), _("Column"), _("Value"), _("Problem"))))
            for p in report.problems:
                self.stdout.write("\t".join((p.sheet, "" if p.line is None else str(p.line), p.column,
                                             p.value, p.reason)))
            if report.saved:
                raise CommandError(_("%(count)s problem(s); %(saved)s of %(total)s rows were saved.") % {
                    "count": len(report.problems), "saved": report.saved, "total": report.to_save})
            raise CommandError(_("%(count)s problem(s); nothing was changed.") % {"count": len(report.problems)})
        for name, outcome in report.outcomes.items():
            self.stdout.write(_("%(dataset)s: %(created)s created, %(updated)s updated, %(unchanged)s unchanged") % {
                "dataset": name, "created": outcome.created, "updated": outcome.updated,
                "unchanged": outcome.unchanged,
            })
        if report.applied:
            self.stdout.write(self.style.SUCCESS(_("The file was imported.")))
        else:
            self.stdout.write(self.style.SUCCESS(_("The file is valid. Nothing was changed (check only).")))


def _actor(username: str) -> Any:
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(_("No user %(username)s.") % {"username": username})
    if not can(user, Capability.IMPORT_REGISTRY):
        raise CommandError(_("%(name)s may not import the registry.") % {"name": username})
    return user
