"""A register file (CSV or XLSX) to rows: the reading of facilities.transfer.formats, our columns.

A CSV holds either detentions (it has an ``iin`` column) or cell placements (a ``cell`` column);
a workbook has a sheet ``detentions`` and optionally a sheet ``placements``. Every problem is
reported with its sheet, line and column; a file with any problem writes nothing.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from custody.models import ImportChannel
from custody.services.register import Outcome, Problem, Row, apply, resolve
from custody.validation import FIELDS, RowInvalid, blank, clean_placement, clean_record
from facilities.transfer import formats
from facilities.transfer.cells import normalise_name, shown
from facilities.transfer.formats import FileRejected, Limits, Table

DETENTIONS, PLACEMENTS = "detentions", "placements"
PLACEMENT_FIELDS = ("record_id", "facility", "cell", "from", "until")
SHEETS = {DETENTIONS: FIELDS, PLACEMENTS: PLACEMENT_FIELDS}


def _tables(data: bytes, filename: str, limits: Limits) -> tuple[dict[str, Table], str]:
    if formats.check_kind(data, filename) == "csv":
        table = formats.read_csv(data, limits)
        names = {normalise_name(cell) for cell in table.header}
        kind = DETENTIONS if "iin" in names else PLACEMENTS if "cell" in names else ""
        if not kind:
            raise FileRejected(_("The header has neither an iin column (detentions) nor a cell column (placements)."))
        table.sheet = ""
        return {kind: table}, _("CSV in %(encoding)s") % {"encoding": table.encoding}
    _titles, tables = formats.read_xlsx(data, limits, lambda title: normalise_name(title) in SHEETS)
    found = {normalise_name(t.sheet): t for t in tables}
    if not found:
        raise FileRejected(_("The workbook has no sheet named detentions or placements."))
    return found, _("XLSX workbook")


def _rows_of(table: Table, columns: tuple[str, ...],
             problems: list[Problem]) -> list[tuple[int, dict[str, Any]]] | None:
    at: dict[int, str] = {}
    for index, raw in enumerate(table.header):
        name = normalise_name(raw)
        if not name:
            continue
        if name not in columns:
            problems.append(Problem(table.sheet, table.header_line, shown(raw), _(
                "Unknown column; the columns are: %(columns)s.") % {"columns": ", ".join(columns)}))
        elif name in at.values():
            problems.append(Problem(table.sheet, table.header_line, name, _("The column appears twice in the header.")))
        else:
            at[index] = name
    if problems:
        return None
    rows = []
    for line, cells in table.rows:
        raw = {}
        for index, cell in enumerate(cells):
            name = at.get(index)
            if name is None:
                if not formats.is_blank(cell):
                    problems.append(Problem(table.sheet, line, "", _("A value stands in a column that has no name.")))
                continue
            if isinstance(cell, str):
                cell = formats.unneutralise(cell)
            if not blank(cell):
                raw[name] = cell
        rows.append((line, raw))
    return rows


def import_file(*, data: bytes, filename: str, by: Any, dry_run: bool = False,
                limits: Limits | None = None) -> tuple[Outcome, str]:
    """Validate the whole file and, if nothing is wrong and not ``dry_run``, apply it (one transaction).

    Returns the outcome and how the file was read. ``by`` bounds the facilities by their mandate.
    """
    limits = limits or Limits.from_settings()
    problems: list[Problem] = []
    if len(data) > limits.max_bytes:
        return Outcome(problems=[Problem("", None, "", _("The file is larger than %(max)s MB.")
                                         % {"max": f"{limits.max_bytes / (1024 * 1024):g}"})]), ""
    try:
        tables, read_as = _tables(data, filename, limits)
    except FileRejected as e:
        return Outcome(problems=[Problem(e.sheet, e.line, "", e.message)]), ""
    now = timezone.now()
    rows: list[Row] = []
    by_key: dict[tuple[str, str], Row] = {}
    if DETENTIONS in tables:
        table = tables[DETENTIONS]
        for line, raw in _rows_of(table, FIELDS, problems) or []:
            try:
                fields = clean_record(raw, now=now)
            except RowInvalid as e:
                for name, reason in e.errors.items():
                    value = "" if name == "iin" else shown(raw.get(name))  # the IIN is never repeated
                    problems.append(Problem(table.sheet, line, name, reason, value))
                continue
            row = Row(fields=fields, line=line)
            rows.append(row)
            by_key.setdefault((fields["facility"], fields["record_id"]), row)
    placement_sheet = ""
    if PLACEMENTS in tables:
        table = tables[PLACEMENTS]
        placement_sheet = table.sheet
        stray: list[tuple[int, dict[str, Any]]] = []
        for line, raw in _rows_of(table, PLACEMENT_FIELDS, problems) or []:
            try:
                placement = clean_placement(raw)
            except RowInvalid as e:
                problems.extend(Problem(table.sheet, line, name, reason, shown(raw.get(name)))
                                for name, reason in e.errors.items())
                continue
            placement["line"] = line
            row = by_key.get((placement["facility"], placement["record_id"]))
            if row is None:
                stray.append((line, placement))
            else:
                row.placements.append(placement)
        if stray:
            _attach_stored(stray, by, rows, by_key, problems, table.sheet)
    if not rows and not problems:
        problems.append(Problem("", None, "", _("The file has a header but no data rows.")))
    if problems:
        return Outcome(problems=_sorted(problems)), read_as
    resolve(rows, by=by, problems=problems, sheet=tables[DETENTIONS].sheet if DETENTIONS in tables else "",
            placement_sheet=placement_sheet)
    if problems or dry_run:
        return Outcome(problems=_sorted(problems)), read_as
    outcome = apply(rows, by=by, channel=ImportChannel.FILE, sha256=hashlib.sha256(data).hexdigest(),
                    filename=filename, replace_placements=PLACEMENTS in tables, now=now)
    return outcome, read_as


def _attach_stored(stray: list[tuple[int, dict[str, Any]]], by: Any, rows: list[Row],
                   by_key: dict[tuple[str, str], Row], problems: list[Problem], sheet: str) -> None:
    """Placements of detentions already stored (a placements-only file): each becomes a row that
    keeps the stored facts, so the same all-or-nothing path applies."""
    from custody.models import Detention
    from custody.services.register import STORED

    wanted = {(p["facility"], p["record_id"]) for _line, p in stray}
    stored = {}
    for facility, record_id in wanted:
        d = Detention.objects.filter(facility__code=facility, record_id=record_id).first()
        if d is not None:
            stored[(facility, record_id)] = d
    for line, placement in stray:
        key = (placement["facility"], placement["record_id"])
        detention = stored.get(key)
        if detention is None:
            problems.append(Problem(sheet, line, "record_id", _(
                "No detention with this record id in this file or the register of this facility."),
                placement["record_id"]))
            continue
        row = by_key.get(key)
        if row is None:
            fields = {name: getattr(detention, name) for name in STORED}
            fields.update(facility=key[0], record_id=key[1])
            row = Row(fields=fields, line=detention.source_line)
            rows.append(row)
            by_key[key] = row
        row.placements.append(placement)


def _sorted(problems: list[Problem]) -> list[Problem]:
    order = {name: i for i, name in enumerate((*FIELDS, *PLACEMENT_FIELDS))}
    return sorted(problems, key=lambda p: (p.sheet, p.line or 0, order.get(p.column, 99)))
