"""Export the registry to a CSV file or an XLSX workbook, in the columns the import reads.

    manage.py export_registry registry.xlsx
    manage.py export_registry population.csv --dataset population --user saule.pmc
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from accounts.permissions import Capability, can
from facilities.models import Facility
from facilities.selectors import facilities_for
from facilities.transfer import exporter
from facilities.transfer.columns import APPLY_ORDER, DATASETS


class Command(BaseCommand):
    help = "Export facilities, units and population snapshots to a CSV file or an XLSX workbook."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="where to write: .csv or .xlsx")
        parser.add_argument("--dataset", choices=sorted(DATASETS), default="",
                            help="one dataset (required for CSV; default for XLSX: all, one sheet each)")
        parser.add_argument("--format", choices=[f.value for f in exporter.ExportFormat], default="",
                            help="default: told by the file's extension")
        parser.add_argument("--user", default="",
                            help="export only this user's mandate (default: every facility)")

    def handle(self, *args: Any, **options: Any) -> None:
        path, dataset = options["file"], options["dataset"]
        fmt = options["format"] or ("csv" if path.lower().endswith(".csv") else "xlsx")
        if fmt == exporter.ExportFormat.CSV and not dataset:
            raise CommandError(_("A CSV file holds one dataset; choose one of: %(names)s.")
                               % {"names": ", ".join(DATASETS)})
        facilities = _facilities(options["user"])
        try:
            if fmt == exporter.ExportFormat.CSV:
                with open(path, "w", encoding="utf-8", newline="") as fh:
                    exporter.write_csv(fh, dataset, facilities)
            else:
                with open(path, "wb") as fh:
                    exporter.write_xlsx(fh, [dataset] if dataset else APPLY_ORDER, facilities)
        except OSError as exc:
            raise CommandError(_("Cannot write %(path)s: %(error)s") % {"path": path, "error": exc.strerror}) from None
        self.stdout.write(self.style.SUCCESS(_("Wrote %(path)s.") % {"path": path}))


def _facilities(username: str) -> Any:
    if not username:
        return Facility.objects.all()
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(_("No user %(username)s.") % {"username": username})
    if not can(user, Capability.EXPORT_REGISTRY):
        raise CommandError(_("%(name)s may not export the registry.") % {"name": username})
    return facilities_for(user)
