"""Export of the registry within a user's mandate: for machines in the same columns the importer
reads (CSV, and the re-importable XLSX), and for people (report.py).

One query per dataset, iterated in chunks, so ~300 facilities with 60 snapshots each stream out
without loading models. Importing an export changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from enum import StrEnum
from typing import IO, Any

from django.db.models import QuerySet

from facilities.models import Facility, PopulationSnapshot, Unit
from facilities.transfer import formats
from facilities.transfer.columns import APPLY_ORDER, DATASETS, Dataset, Kind

ITERATOR_CHUNK = 2000


class ExportFormat(StrEnum):
    CSV = "csv"  # one dataset, the columns the import reads
    XLSX = "xlsx"  # for people: names in the reader's language, indicators, what was exported
    XLSX_IMPORT = "xlsx-import"  # every dataset as a sheet, the columns the import reads


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: XLSX_TYPE,
    ExportFormat.XLSX_IMPORT: XLSX_TYPE,
}


def _lookups(dataset: Dataset) -> list[str]:
    # A reference column holds the code of the related record.
    return [f"{c.model_field}__code" if c.kind == Kind.REFERENCE else c.model_field for c in dataset.columns]


def dataset_rows(name: str, facilities: QuerySet[Facility]) -> Iterator[Sequence[Any]]:
    """The rows of one dataset for the given facilities, in the dataset's column order."""
    dataset = DATASETS[name]
    lookups = _lookups(dataset)
    in_scope = facilities.order_by().values("pk")
    if name == "facilities":
        queryset = Facility.objects.filter(pk__in=in_scope).order_by("code")
    elif name == "units":
        queryset = Unit.objects.filter(facility__in=in_scope).order_by("facility__code", "code")
    else:
        queryset = PopulationSnapshot.objects.filter(facility__in=in_scope).order_by("facility__code", "date", "source")
    return queryset.values_list(*lookups).iterator(chunk_size=ITERATOR_CHUNK)


def csv_lines(name: str, facilities: QuerySet[Facility]) -> Iterator[str]:
    return formats.csv_lines(DATASETS[name].header, dataset_rows(name, facilities))


def write_csv(stream: IO[str], name: str, facilities: QuerySet[Facility]) -> None:
    formats.write_csv(stream, DATASETS[name].header, dataset_rows(name, facilities))


def write_xlsx(stream: IO[bytes], names: Iterable[str], facilities: QuerySet[Facility]) -> None:
    """A workbook with one sheet per dataset, named after it."""
    wanted = set(names)
    formats.write_xlsx(stream, (
        (name, DATASETS[name].header, dataset_rows(name, facilities)) for name in APPLY_ORDER if name in wanted
    ))


def filename(name: str | None, fmt: ExportFormat, today: dt.date) -> str:
    if fmt == ExportFormat.XLSX:
        return f"custodywatch-facilities-{today.isoformat()}.xlsx"
    extension = "xlsx" if fmt == ExportFormat.XLSX_IMPORT else str(fmt)
    return f"custodywatch-{name or 'registry'}-{today.isoformat()}.{extension}"
