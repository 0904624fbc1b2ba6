"""The registry as a workbook for people: what an analyst pastes into a report.

One row per facility of the list as filtered, in the reader's language (names, not codes), with
the latest count and who reported it, each indicator and its status in the profile's words
(`indicators.with_indicators` and `indicators.describe`, the definitions the profile uses); a second
sheet says what was exported, by whom, when and with which filters. Headers are bold and frozen with filters on them,
numbers carry formats (the spreadsheet shows them in its own locale's form), text never runs as
a formula. The machine formats the import reads are exporter.py's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.db.models import BooleanField, ExpressionWrapper, F, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from facilities import indicators, population
from facilities.models import Facility, FacilityType, ReportSource, Unit, UnitOccupancy
from facilities.transfer.formats import CONTROL_CHARACTERS, FORMULA_TRIGGERS

INTEGER = "#,##0"
PERCENT = "0%"
MAX_WIDTH = 60


@dataclass(frozen=True)
class Column:
    header: Callable[[], str]
    value: Callable[[Facility, dict[str, indicators.Indicator]], Any]
    number_format: str | None = None
    width: int | None = None


def _count(name: str) -> Callable[[Facility, Any], Any]:
    """A count of the latest snapshot; None (an empty cell) is "not reported", never 0."""
    def value(facility: Facility, _described: Any) -> Any:
        snapshot = facility.latest_snapshot
        return None if snapshot is None else getattr(snapshot, name)

    return value


def _label(model: type, name: str) -> Callable[[], str]:
    def header() -> str:
        text = str(model._meta.get_field(name).verbose_name)
        return text[:1].upper() + text[1:]

    return header


def compliance(indicator: indicators.Indicator) -> str:
    """The indicator's status in words (met, not met, unknown: not reported, not applicable).

    The words are the status's own, as the profile shows them: unknown is never counted as met.
    """
    text = indicator.status_label
    return text[:1].lower() + text[1:]


def _source(facility: Facility, _described: Any) -> str | None:
    snapshot = facility.latest_snapshot
    return None if snapshot is None else str(ReportSource(snapshot.source).label)


def _occupancy(facility: Any, _described: Any) -> float | None:
    snapshot = facility.latest_snapshot
    return indicators.occupancy_rate(snapshot.total if snapshot else None, facility.in_capacity)


def _columns() -> list[Column]:
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
        Column(lambda: _("Who reported the latest count"), _source, width=30),
        *(Column(lambda name=spec.name: population.label(name), _count(spec.name), INTEGER)
          for spec in population.COUNT_FIELDS),
        Column(lambda: str(indicators.BY_KEY["occupancy"].label), _occupancy, PERCENT),
    ]
    for definition in indicators.DEFINITIONS:
        key = definition.key
        if key != "occupancy":  # occupancy is the number above; the others are said in words
            columns.append(Column(lambda d=definition: str(d.label), lambda f, c, key=key: c[key].value, width=18))
        columns.append(Column(lambda d=definition: _("%(indicator)s: met?") % {"indicator": d.label},
                              lambda f, c, key=key: compliance(c[key]), width=18))
    return columns


def described_indicators(facilities: QuerySet[Facility], rows: list[Any]) -> dict[int, dict[str, indicators.Indicator]]:
    """Each facility's indicators in the profile's words, from the statuses `with_indicators`
    annotated on `rows`; the units' living space takes two queries whatever their number."""
    in_scope = facilities.order_by().values("pk")
    units: dict[int, list[Unit]] = defaultdict(list)
    for unit in Unit.objects.filter(facility__in=in_scope).order_by("facility_id", "code"):
        units[unit.facility_id].append(unit)
    occupancies: dict[int, dict[int, UnitOccupancy]] = defaultdict(dict)
    latest = UnitOccupancy.objects.filter(unit__facility__in=in_scope, snapshot=F("unit__facility__latest_snapshot"))
    for occupancy in latest.annotate(below_minimum=ExpressionWrapper(indicators.BELOW_MINIMUM,
                                                                     output_field=BooleanField())):
        occupancies[occupancy.snapshot_id][occupancy.unit_id] = occupancy
    result = {}
    for facility in rows:
        spaces = indicators.unit_space(units[facility.pk], occupancies.get(facility.latest_snapshot_id, {}))
        result[facility.pk] = {i.key: i for i in indicators.describe(facility, spaces)}
    return result


def write_report(
    stream: IO[bytes], facilities: QuerySet[Facility], *, by: Any, filters: Sequence[tuple[str, str]]
) -> int:
    """Write the people's workbook of `facilities`; returns how many facilities it holds."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    rows = list(indicators.with_indicators(facilities.select_related("region", "operator", "latest_snapshot"))
                .order_by("code"))
    computed = described_indicators(facilities, rows)
    columns = _columns()
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

