"""Export the registry to a CSV file or an XLSX workbook, in the columns the import reads, or
as the workbook for people (--format xlsx).

    manage.py export_registry registry.xlsx
    manage.py export_registry population.csv --dataset population --user saule.pmc
    manage.py export_registry facilities.xlsx --format xlsx --user marat.analyst --language ru
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.permissions import Capability, can
from facilities.models import Facility
from facilities.selectors import facilities_for
from facilities.transfer import exporter, report
from facilities.transfer.columns import APPLY_ORDER, DATASETS


class Command(BaseCommand):
    help = "Export facilities, units and population snapshots to a CSV file or an XLSX workbook."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="where to write: .csv or .xlsx")
        parser.add_argument("--dataset", choices=sorted(DATASETS), default="",
                            help="one dataset (required for CSV; default for XLSX: all, one sheet each)")
        parser.add_argument("--format", choices=[f.value for f in exporter.ExportFormat], default="",
                            help="csv, xlsx-import (the columns the import reads) or xlsx (for people); "
                                 "default: csv or xlsx-import, told by the file's extension")
        parser.add_argument("--language", choices=[code for code, _name in settings.LANGUAGES],
                            default=settings.LANGUAGE_CODE, help="language of the workbook for people")
        parser.add_argument("--user", default="",
                            help="export only this user's mandate (default: every facility)")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["language"]):
            self._export(options)

    def _export(self, options: dict[str, Any]) -> None:
        path, dataset = options["file"], options["dataset"]
        fmt = options["format"] or ("csv" if path.lower().endswith(".csv") else "xlsx-import")
        if fmt == exporter.ExportFormat.CSV and not dataset:
            raise CommandError(_("A CSV file holds one dataset; choose one of: %(names)s.")
                               % {"names": ", ".join(DATASETS)})
        user = _user(options["user"])
        facilities = facilities_for(user) if user is not None else Facility.objects.all()
        try:
            if fmt == exporter.ExportFormat.CSV:
                with open(path, "w", encoding="utf-8", newline="") as fh:
                    exporter.write_csv(fh, dataset, facilities)
            elif fmt == exporter.ExportFormat.XLSX:
                with open(path, "wb") as fh:
                    report.write_report(fh, facilities, by=user, filters=[])
            else:
                with open(path, "wb") as fh:
                    exporter.write_xlsx(fh, [dataset] if dataset else APPLY_ORDER, facilities)
        except OSError as exc:
            raise CommandError(_("Cannot write %(path)s: %(error)s") % {"path": path, "error": exc.strerror}) from None
        self.stdout.write(self.style.SUCCESS(_("Wrote %(path)s.") % {"path": path}))


def _user(username: str) -> Any:
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(_("No user %(username)s.") % {"username": username})
    if not can(user, Capability.EXPORT_REGISTRY):
        raise CommandError(_("%(name)s may not export the registry.") % {"name": username})
    return user
