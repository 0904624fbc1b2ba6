"""The registry as a workbook for people: what an analyst pastes into a report.

One row per facility of the list as filtered, in the reader's language (names, not codes), with
the latest count, the computed indicators and whether each is met; a second sheet says what was
exported, by whom, when and with which filters. Headers are bold and frozen with filters on them,
numbers carry formats (the spreadsheet shows them in its own locale's form), text never runs as
a formula. The machine formats the import reads are exporter.py's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from facilities import indicators
from facilities.models import Facility, FacilityType, PopulationSnapshot, Unit, UnitOccupancy
from facilities.transfer.formats import CONTROL_CHARACTERS, FORMULA_TRIGGERS

INTEGER = "#,##0"
PERCENT = "0%"
MAX_WIDTH = 60


@dataclass(frozen=True)
class Column:
    header: Callable[[], str]
    value: Callable[[Facility, indicators.FacilityIndicators], Any]
    number_format: str | None = None
    width: int | None = None


def _count(name: str) -> Callable[[Facility, Any], Any]:
    def value(facility: Facility, _computed: Any) -> Any:
        snapshot = facility.latest_snapshot
        return None if snapshot is None else getattr(snapshot, name)

    return value


def _label(model: type, name: str) -> Callable[[], str]:
    def header() -> str:
        text = str(model._meta.get_field(name).verbose_name)
        return text[:1].upper() + text[1:]

    return header


def compliance(indicator: indicators.Indicator) -> str:
    """Whether an indicator is met, in words: unknown is never counted as met."""
    if indicator.compliant is True:
        return _("met")
    if indicator.compliant is False:
        return _("not met")
    return _("unknown or not applicable")


def _columns(keys: Sequence[str]) -> list[Column]:
    snapshot_counts = ("total", "women", "minors", "mothers_with_children", "children_with_mothers", "disabled",
                       "foreigners")
    columns = [
        Column(lambda: _("Institution code"), lambda f, c: f.code, width=14),
        Column(lambda: _("Name"), lambda f, c: f.name, width=40),
        Column(lambda: _("Type"), lambda f, c: str(FacilityType(f.type).label) if f.type in FacilityType.values
               else f.type, width=30),
        Column(lambda: _("Region"), lambda f, c: f.region.name, width=24),
        Column(lambda: _("Operator"), lambda f, c: f.operator.name, width=30),
        Column(lambda: _("Address"), lambda f, c: f.address, width=30),
        Column(lambda: _("In use"), lambda f, c: _("Yes") if f.is_active else _("No")),
        Column(_label(Facility, "design_capacity"), lambda f, c: f.design_capacity, INTEGER),
        Column(_label(Facility, "operational_capacity"), lambda f, c: f.operational_capacity, INTEGER),
        Column(_label(Facility, "maximum_capacity"), lambda f, c: f.maximum_capacity, INTEGER),
        Column(_label(Facility, "opened_on"), lambda f, c: f.opened_on, "DD.MM.YYYY"),
        Column(lambda: _("Date of the latest count"),
               lambda f, c: f.latest_snapshot.date if f.latest_snapshot else None, "DD.MM.YYYY"),
        *(Column(_label(PopulationSnapshot, name), _count(name), INTEGER) for name in snapshot_counts),
        Column(lambda: _("Occupancy"), lambda f, c: c.occupancy_rate, PERCENT),
    ]
    for key in keys:
        if key != "occupancy":  # occupancy is the number above; the others are said in words
            columns.append(Column(lambda key=key: str(indicators.LABELS[key]),
                                  lambda f, c, key=key: _indicator(c, key).value, width=18))
        columns.append(Column(lambda key=key: _("%(indicator)s: met?") % {"indicator": indicators.LABELS[key]},
                              lambda f, c, key=key: compliance(_indicator(c, key)), width=18))
    return columns


def _indicator(computed: indicators.FacilityIndicators, key: str) -> indicators.Indicator:
    return next(i for i in computed.indicators if i.key == key)


def computed_indicators(facilities: list[Facility]) -> dict[int, indicators.FacilityIndicators]:
    """Each facility's indicators from its latest count, in three queries whatever their number."""
    ids = [f.pk for f in facilities]
    units: dict[int, list[Unit]] = defaultdict(list)
    occupancy: dict[int, dict[int, int]] = defaultdict(dict)
    for chunk in _chunks(ids):
        for unit in Unit.objects.filter(facility_id__in=chunk).order_by("code"):
            units[unit.facility_id].append(unit)
    snapshot_ids = [f.latest_snapshot_id for f in facilities if f.latest_snapshot_id]
    for chunk in _chunks(snapshot_ids):
        for snapshot_id, unit_id, occupants in UnitOccupancy.objects.filter(snapshot_id__in=chunk).values_list(
            "snapshot_id", "unit_id", "occupants"
        ):
            occupancy[snapshot_id][unit_id] = occupants
    return {
        f.pk: indicators.compute(f, f.latest_snapshot, units[f.pk], occupancy.get(f.latest_snapshot_id, {}))
        for f in facilities
    }


def _chunks(items: list[int], size: int = 500) -> Iterable[list[int]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def write_report(
    stream: IO[bytes], facilities: QuerySet[Facility], *, by: Any, filters: Sequence[tuple[str, str]]
) -> int:
    """Write the people's workbook of `facilities`; returns how many facilities it holds."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    rows = list(facilities.select_related("region", "operator", "latest_snapshot").order_by("code"))
    computed = computed_indicators(rows)
    keys = list(indicators.LABELS)
    columns = _columns(keys)
    date_style = "DD.MM.YYYY" if (get_language() or "en")[:2] in ("kk", "ru") else "YYYY-MM-DD"

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(_("Facilities")))
    headers = [column.header() for column in columns]
    widths = [column.width or min(MAX_WIDTH, max(10, len(header) + 2)) for column, header in zip(
        columns, headers, strict=True)]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "C2"  # the header row, and the code and name of each facility
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")

    def cell(value: Any, number_format: str | None = None) -> Any:
        if isinstance(value, str):
            written = WriteOnlyCell(sheet, value=CONTROL_CHARACTERS.sub("\ufffd", value))
            written.data_type = "s"  # never a formula, never an error value
            if value.startswith(FORMULA_TRIGGERS):
                written.quotePrefix = True
            return written
        written = WriteOnlyCell(sheet, value=value)
        if number_format:
            written.number_format = date_style if number_format == "DD.MM.YYYY" else number_format
        return written

    header_cells = []
    for header in headers:
        header_cell = cell(header)
        header_cell.font, header_cell.alignment = bold, wrap
        header_cells.append(header_cell)
    sheet.append(header_cells)
    for facility in rows:
        result = computed[facility.pk]
        sheet.append([cell(column.value(facility, result), column.number_format) for column in columns])

    _about_sheet(workbook, cell_class=WriteOnlyCell, bold=bold, by=by, filters=filters, count=len(rows))
    workbook.save(stream)
    return len(rows)


def _about_sheet(workbook: Any, *, cell_class: Any, bold: Any, by: Any, filters: Sequence[tuple[str, str]],
                 count: int) -> None:
    sheet = workbook.create_sheet(_sheet_title(_("About this export")))
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 70

    def line(label: str, value: Any = "") -> None:
        first = cell_class(sheet, value=label)
        first.font = bold
        second = cell_class(sheet, value=value)
        if isinstance(value, str):
            second.data_type = "s"
            second.quotePrefix = value.startswith(FORMULA_TRIGGERS)
        sheet.append([first, second])

    organisation = getattr(by, "organisation", None)
    who = (by.get_full_name() or by.get_username()) if by is not None else _("the system")
    line(_("CustodyWatch: registry of places of detention"))
    line(_("Exported by"), who + (f" ({organisation.name})" if organisation is not None else ""))
    line(_("Exported at"), date_format(timezone.localtime(), "DATETIME_FORMAT"))
    line(_("Facilities"), count)
    line(_("Filters"), "" if filters else _("none: every facility in your mandate"))
    for label, value in filters:
        line(f"  {label}", value)
    line(_("Figures"), _("Each row gives the facility's latest reported count. An empty cell means not reported, "
                         "never zero; an indicator without the figures it needs is unknown, never met."))
    line(_("For re-import"), _("This workbook is for reading. To change the registry, export the "
                               "re-importable workbook or CSV, which carry the columns the import reads."))


def _sheet_title(title: str) -> str:
    # Excel allows 31 characters and none of []:*?/\ in a sheet title.
    return "".join(ch for ch in title if ch not in "[]:*?/\\")[:31]

