"""Cells of an imported table, parsed against their dataset's columns.

Each problem is kept with where it is (sheet, line, column) and what the cell held, with the
reason in the active language.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from facilities.transfer import formats
from facilities.transfer.columns import Column, Dataset, Kind
from facilities.transfer.formats import Limits, Table

SHOWN_VALUE_CHARS = 80

INTEGER_RE = re.compile(r"^[0-9]{1,15}$")
NEGATIVE_RE = re.compile(r"^-[0-9]{1,15}$")
DECIMAL_RE = re.compile(r"^[0-9]{1,15}(?:[.,][0-9]{1,15})?$")
DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
# Day first, as spreadsheets in Kazakhstan and Russia write dates: 01.10.2026 or 1.10.2026.
DOTTED_DATE_RE = re.compile(r"^([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})$")


@dataclass(frozen=True)
class Problem:
    """One reason the file cannot be imported, where it is and what the cell held."""

    sheet: str
    line: int | None
    column: str
    value: str
    reason: str


def normalise_name(raw: Any) -> str:
    """A header or sheet name as compared: trimmed, lower case, spaces and hyphens as underscores."""
    text = "" if raw is None else str(raw)
    return re.sub(r"[\s\-]+", "_", text.replace("\ufeff", "").strip().lower())


@dataclass
class Row:
    sheet: str
    line: int
    values: dict[str, Any]
    raw: dict[str, Any]
    bad: set[str] = field(default_factory=set)  # columns that already have a problem

    def problem(self, column: str, reason: str, problems: list[Problem]) -> None:
        self.bad.add(column)
        problems.append(Problem(self.sheet, self.line, column, shown(self.raw.get(column)), reason))


class CellError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def shown(raw: Any) -> str:
    """A cell's content for an error message: text, control characters masked, cut short."""
    if raw is None:
        return ""
    text = raw.isoformat() if isinstance(raw, dt.datetime | dt.date) else str(raw)
    text = formats.CONTROL_CHARACTERS.sub("\ufffd", text)
    return text if len(text) <= SHOWN_VALUE_CHARS else text[:SHOWN_VALUE_CHARS] + "…"


def parse_table(
    dataset: Dataset, table: Table, limits: Limits, problems: list[Problem]
) -> list[Row] | None:
    """The rows with their cells parsed; None when the header itself is unusable."""
    columns_at: dict[int, Column] = {}
    header_ok = True
    for index, raw in enumerate(table.header):
        name = normalise_name(raw)
        if not name:
            continue
        column = dataset.by_name.get(name)
        if column is None:
            problems.append(Problem(table.sheet, table.header_line, shown(raw), "", _(
                "Unknown column; the columns of %(dataset)s are: %(columns)s."
            ) % {"dataset": dataset.name, "columns": ", ".join(dataset.header)}))
            header_ok = False
        elif column in columns_at.values():
            problems.append(Problem(table.sheet, table.header_line, column.name, "",
                                    _("The column appears twice in the header.")))
            header_ok = False
        else:
            columns_at[index] = column
    present = {column.name for column in columns_at.values()}
    # A key column that has a meaning when empty may be left out: every row then holds that meaning.
    implied = [dataset.column(key) for key in dataset.key if key not in present and key not in dataset.required_key]
    for key in dataset.required_key:
        if key not in present:
            problems.append(Problem(table.sheet, table.header_line, key, "",
                                    _("The header lacks this column; it identifies each row.")))
            header_ok = False
    if not header_ok:
        return None

    rows = []
    for line, cells in table.rows:
        row = Row(table.sheet, line, {}, {})
        stray = False
        for index, raw in enumerate(cells):
            column = columns_at.get(index)
            if column is None:
                if not formats.is_blank(raw) and not stray:
                    stray = True
                    problems.append(Problem(table.sheet, line, get_column_letter(index + 1), shown(raw),
                                            _("A value stands in a column that has no name in the header.")))
                continue
            row.raw[column.name] = raw
            try:
                row.values[column.name] = parse_cell(column, raw, limits)
            except CellError as exc:
                row.problem(column.name, exc.reason, problems)
        for column in columns_at.values():
            if column.name not in row.raw:  # the row ended before this column
                row.raw[column.name] = None
                try:
                    row.values[column.name] = parse_cell(column, None, limits)
                except CellError as exc:
                    row.problem(column.name, exc.reason, problems)
        for column in implied:
            row.values[column.name] = column.empty
        rows.append(row)
    return rows


def parse_cell(column: Column, raw: Any, limits: Limits) -> Any:
    if isinstance(raw, str):
        if len(raw) > limits.max_cell_chars:
            raise CellError(_("The cell is too long (%(count)s characters; at most %(max)s).")
                            % {"count": len(raw), "max": limits.max_cell_chars})
        if column.kind == Kind.TEXT:
            # Text is judged whole by facilities.text_rules (the services' rules), exactly as the
            # same text sent to the API or typed into a form: spaces, characters, emptiness, length.
            return formats.unneutralise(raw)
        if formats.CONTROL_CHARACTERS.search(raw):
            raise CellError(_("The cell contains control characters (such as NUL) that text cannot hold."))
        raw = formats.unneutralise(raw).strip()
    if formats.is_blank(raw):
        if column.required:
            raise CellError(_("This field cannot be empty."))
        return column.empty
    parse = _PARSERS[column.kind]
    return parse(column, raw)


def _as_text(column: Column, raw: Any) -> str:
    if isinstance(raw, bool):
        text = str(raw).upper()
    elif isinstance(raw, float) and raw.is_integer():
        text = str(int(raw))
    elif isinstance(raw, dt.datetime):
        text = raw.date().isoformat() if raw.time() == dt.time() else raw.isoformat()
    elif isinstance(raw, dt.date):
        text = raw.isoformat()
    else:
        text = str(raw).strip()
    # Lengths and characters of text are judged by facilities.text_rules in the services' rules.
    return text


def _as_integer(column: Column, raw: Any) -> int:
    if isinstance(raw, bool):
        raise CellError(_("Expected a whole number, 0 or more."))
    if isinstance(raw, int):
        value = raw
    elif (isinstance(raw, float) and raw.is_integer()) or (isinstance(raw, str) and INTEGER_RE.match(raw)):
        value = int(raw)
    elif isinstance(raw, str) and NEGATIVE_RE.match(raw):
        value = -1
    else:
        raise CellError(_("Expected a whole number, 0 or more."))
    if value < 0:
        # The words of text_rules.people, as the form and the API say them.
        raise CellError(_("Must be at least %(min)s.") % {"min": 0})
    if value > 2_147_483_647:
        raise CellError(_("The number is too large."))
    return value


def _as_decimal(column: Column, raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise CellError(_("Expected a number, 0 or more, such as 240.5."))
    text = repr(raw) if isinstance(raw, int | float) else str(raw)
    if not DECIMAL_RE.match(text) and not (isinstance(raw, float) and raw >= 0):
        raise CellError(_("Expected a number, 0 or more, such as 240.5."))
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise CellError(_("Expected a number, 0 or more, such as 240.5.")) from None
    if not value.is_finite() or value < 0:
        raise CellError(_("Expected a number, 0 or more, such as 240.5."))
    return value


def _as_date(column: Column, raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = str(raw).strip()
    try:
        if DATE_RE.match(text):
            return dt.date.fromisoformat(text)
        if match := DOTTED_DATE_RE.match(text):
            day, month, year = (int(part) for part in match.groups())
            return dt.date(year, month, day)
    except ValueError:
        raise CellError(_("There is no such date.")) from None
    raise CellError(_("Expected a date as DD.MM.YYYY or YYYY-MM-DD."))


def _as_choice(column: Column, raw: Any) -> str:
    text = _as_text(column, raw)
    if text not in column.choices:
        raise CellError(_("Not one of: %(choices)s.") % {"choices": ", ".join(column.choices)})
    return text


_PARSERS = {
    Kind.TEXT: _as_text,
    Kind.REFERENCE: _as_text,
    Kind.CHOICE: _as_choice,
    Kind.INTEGER: _as_integer,
    Kind.DECIMAL: _as_decimal,
    Kind.DATE: _as_date,
}
