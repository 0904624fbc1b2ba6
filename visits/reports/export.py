"""Open data: the findings and recommendations in the reader's mandate, as CSV (machines) and XLSX (people).

No person's data is exported: findings and recommendations carry codes, themes, dates and
statuses; the people's workbook adds the wording of findings and recommendations, in the
registry workbook's style (bold frozen header, filters, a sheet saying who exported what, when).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from facilities.models import FacilityType
from facilities.transfer.formats import CONTROL_CHARACTERS, FORMULA_TRIGGERS
from visits.models import (
    Addressee,
    CriticalKind,
    Finding,
    FindingStatus,
    Recommendation,
    RecommendationStatus,
    Severity,
)

Column = tuple[Callable[[], str], Callable[[Any], Any]]


def _label(choices: Any, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def finding_columns(*, with_text: bool) -> list[Column]:
    columns: list[Column] = [
        (lambda: _("Finding"), lambda f: f.code),
        (lambda: _("Visit date"), lambda f: f.visit.planned_on),
        (lambda: _("Institution code"), lambda f: f.facility.code),
        (lambda: _("Facility"), lambda f: f.facility.name),
        (lambda: _("Type"), lambda f: _label(FacilityType, f.facility.type)),
        (lambda: _("Region"), lambda f: f.facility.region.name),
        (lambda: _("Theme"), lambda f: f.theme.label),
        (lambda: _("Indicator"), lambda f: f.indicator.code if f.indicator_id else ""),
        (lambda: _("Severity"), lambda f: _label(Severity, f.severity)),
        (lambda: _("Kind of critical finding"), lambda f: _label(CriticalKind, f.critical_kind) if f.critical_kind
         else ""),
        (lambda: _("Status"), lambda f: _label(FindingStatus, f.status)),
    ]
    if with_text:
        columns.append((lambda: _("What was found"), lambda f: f.summary_in_words))
    return columns


def recommendation_columns(*, with_text: bool) -> list[Column]:
    columns: list[Column] = [
        (lambda: _("Recommendation"), lambda r: r.code),
        (lambda: _("Finding"), lambda r: f"F-{r.finding_id}"),
        (lambda: _("Institution code"), lambda r: r.facility.code),
        (lambda: _("Facility"), lambda r: r.facility.name),
        (lambda: _("Addressed to"), lambda r: _label(Addressee, r.addressee)),
        (lambda: _("Issued"), lambda r: timezone.localdate(r.issued_at)),
        (lambda: _("Response due by"), lambda r: r.response_due),
        (lambda: _("Response"), lambda r: _label(RecommendationStatus, r.response) if r.response else ""),
        (lambda: _("Status"), lambda r: _label(RecommendationStatus, r.status)),
        (lambda: _("Closed"), lambda r: timezone.localdate(r.closed_at) if r.closed_at else None),
    ]
    if with_text:
        columns.append((lambda: _("Recommendation text"), lambda r: r.text))
    return columns


def _safe_text(value: Any) -> Any:
    if isinstance(value, str):
        value = CONTROL_CHARACTERS.sub("\ufffd", value)
        return "'" + value if value.startswith(FORMULA_TRIGGERS) else value
    return value


def write_csv(stream: IO[str], rows: Iterable[Any], columns: list[Column]) -> int:
    writer = csv.writer(stream)
    writer.writerow([header() for header, _v in columns])
    count = 0
    for row in rows:
        values = [value(row) for _h, value in columns]
        writer.writerow(["" if v is None else v.isoformat() if hasattr(v, "isoformat") else _safe_text(v)
                         for v in values])
        count += 1
    return count


def findings_csv(findings: QuerySet[Finding]) -> str:
    out = io.StringIO()
    write_csv(out, findings.select_related("visit", "facility__region", "theme", "indicator").order_by("pk"),
              finding_columns(with_text=False))
    return out.getvalue()


def recommendations_csv(recommendations: QuerySet[Recommendation]) -> str:
    out = io.StringIO()
    write_csv(out, recommendations.select_related("facility").order_by("pk"), recommendation_columns(with_text=False))
    return out.getvalue()


def write_workbook(stream: IO[bytes], *, findings: QuerySet[Finding], recommendations: QuerySet[Recommendation],
                   by: Any, filters: list[tuple[str, str]]) -> None:
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = openpyxl.Workbook(write_only=True)
    bold = Font(bold=True)

    def sheet_of(title: str, rows: list[Any], columns: list[Column]) -> None:
        sheet = workbook.create_sheet(title[:31])
        for index in range(1, len(columns) + 1):
            sheet.column_dimensions[get_column_letter(index)].width = 60 if index == len(columns) else 18
        sheet.freeze_panes = "B2"
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"
        header = []
        for title_of, _v in columns:
            cell = WriteOnlyCell(sheet, value=title_of())
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in rows:
            cells = []
            for _h, value_of in columns:
                value = value_of(row)
                cell = WriteOnlyCell(sheet, value=CONTROL_CHARACTERS.sub("\ufffd", value) if isinstance(value, str)
                                     else value)
                if isinstance(value, str):
                    cell.data_type = "s"
                    cell.quotePrefix = value.startswith(FORMULA_TRIGGERS)
                elif hasattr(value, "isoformat"):
                    cell.number_format = "DD.MM.YYYY"
                cells.append(cell)
            sheet.append(cells)

    finding_rows = list(findings.select_related("visit", "facility__region", "theme", "indicator").order_by("pk"))
    recommendation_rows = list(recommendations.select_related("facility").order_by("pk"))
    sheet_of(_("Findings"), finding_rows, finding_columns(with_text=True))
    sheet_of(_("Recommendations"), recommendation_rows, recommendation_columns(with_text=True))
    about = workbook.create_sheet(_("About this export")[:31])
    about.column_dimensions["A"].width = 28
    about.column_dimensions["B"].width = 70
    who = (by.get_full_name() or by.get_username()) if by is not None else _("the system")
    for label, value in [
        (_("CustodyWatch: findings and recommendations of monitoring visits"), ""),
        (_("Exported by"), who), (_("Exported at"), date_format(timezone.localtime(), "DATETIME_FORMAT")),
        (_("Findings"), len(finding_rows)), (_("Recommendations"), len(recommendation_rows)),
        (_("Filters"), "; ".join(f"{k}: {v}" for k, v in filters) or _("none: everything in your mandate")),
    ]:
        first = WriteOnlyCell(about, value=label)
        first.font = bold
        second = WriteOnlyCell(about, value=value)
        if isinstance(value, str):
            second.data_type = "s"
        about.append([first, second])
    workbook.save(stream)
