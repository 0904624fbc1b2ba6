"""Reading and writing the registry's spreadsheets: CSV and XLSX.

Reading turns bytes into plain tables (line numbers and raw cell values) and refuses, with a
message for the user, anything that is not a readable spreadsheet within the limits: a CSV
neither in UTF-8 (with or without BOM) nor in Windows-1251 or KZ-1048, binary files, damaged
or bomb-like workbooks, too many rows, columns or sheets.
Nothing here knows what the columns mean; that is the importer's business.

Writing neutralises formula injection: a text cell starting with =, +, -, @, tab or carriage
return is written with a leading apostrophe in CSV, and as a quote-prefixed string cell in XLSX.
Reading strips such an apostrophe again, so an exported file imports unchanged.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

# Characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Control characters no registry text may hold (tab and line breaks are allowed).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 .xls, and encrypted .xlsx


class FileRejected(Exception):
    """The file as a whole cannot be read; `message` says why, in the user's language."""

    def __init__(self, message: str, *, sheet: str = "", line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.sheet = sheet
        self.line = line


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int
    max_columns: int = 50
    max_cell_chars: int = 1000
    max_sheets: int = 20
    max_zip_members: int = 500
    max_uncompressed_bytes: int = 100 * 1024 * 1024
    # A member this much larger than its compressed size is a bomb, not a spreadsheet; genuine
    # XLSX worksheets compress 5-20 times. Small members are exempt (styles compress very well).
    max_compression_ratio: int = 100
    ratio_exempt_bytes: int = 1024 * 1024

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            max_bytes=settings.IMPORT_MAX_BYTES,
            max_rows=settings.IMPORT_MAX_ROWS,
            max_uncompressed_bytes=getattr(settings, "IMPORT_MAX_UNCOMPRESSED_BYTES", 100 * 1024 * 1024),
        )


@dataclass
class Table:
    """One sheet as read: the header row and the data rows, each with its line number."""

    sheet: str
    header_line: int = 0
    header: list[str] = field(default_factory=list)
    rows: list[tuple[int, tuple[Any, ...]]] = field(default_factory=list)
    encoding: str = ""  # of a CSV file (Encoding); empty for a workbook


def is_xlsx(data: bytes) -> bool:
    return data.startswith(ZIP_MAGIC)


def check_kind(data: bytes, filename: str) -> str:
    """'csv' or 'xlsx', judged by the content; refuses what is neither."""
    if not data:
        raise FileRejected(_("The file is empty."))
    if data.startswith(OLE_MAGIC):
        raise FileRejected(_(
            "This is an Excel 97-2003 (.xls) or password-protected workbook. "
            "Save it as an unprotected .xlsx workbook or as CSV UTF-8."
        ))
    if is_xlsx(data):
        return "xlsx"
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise FileRejected(_("The file is named .xlsx but is not an XLSX workbook: it is damaged or truncated."))
    return "csv"


# --- CSV ---------------------------------------------------------------------------------------

class Encoding:
    """The encodings a CSV file is read in, as the import page names them."""

    UTF8 = "UTF-8"
    UTF8_BOM = "UTF-8 with BOM"
    WINDOWS_1251 = "Windows-1251"
    KZ_1048 = "KZ-1048"


# Bytes where KZ-1048 holds Kazakh letters and Windows-1251 Serbian, Macedonian or Ukrainian ones
# (the capital and small letters qa, shha, u with stroke, schwa, barred o, ghe with stroke,
# straight u, en with descender): a Kazakh registry file holding them is KZ-1048.
_KZ_1048_BYTES = frozenset(b"\x8d\x8e\x9d\x9e\xa1\xa2\xa3\xa5\xaa\xaf\xb4\xba\xbc\xbd\xbe\xbf")


def _utf16_with_bom(data: bytes) -> bool:
    """A UTF-16 byte order mark that begins text a CSV could be: "юя" in Windows-1251 is the same
    two bytes, so the mark counts only when what follows decodes as UTF-16 holding a separator."""
    if not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or len(data) % 2:
        return False
    try:
        text = data.decode("utf-16")
    except UnicodeDecodeError:
        return False
    return any(separator in text for separator in ",;\t\n")


def decode_text(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was found in (Encoding).

    UTF-8 with or without a byte order mark, and the single-byte Cyrillic encodings spreadsheets
    in Kazakhstan save (Windows-1251, KZ-1048), told apart by their content; UTF-16 and UTF-32
    are refused with a message saying how to save the file instead.
    """
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise FileRejected(_("The file is in UTF-32. Save it as CSV UTF-8."))
    if _utf16_with_bom(data) or _looks_like_utf16(data):
        raise FileRejected(_("The file is in UTF-16 (Excel's \"Unicode text\"). Save it as CSV UTF-8."))
    encoding = Encoding.UTF8
    if data.startswith(codecs.BOM_UTF8):
        data, encoding = data[len(codecs.BOM_UTF8):], Encoding.UTF8_BOM
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        kazakh = any(byte in _KZ_1048_BYTES for byte in data)
        codec = "kz1048" if kazakh else "cp1251"
        if encoding == Encoding.UTF8_BOM or not _looks_like_single_byte_cyrillic(data, codec):
            raise FileRejected(
                _("The file is neither UTF-8 text nor an XLSX workbook (undecodable bytes at line %(line)s).")
                % {"line": line},
                line=line,
            ) from None
        encoding = Encoding.KZ_1048 if kazakh else Encoding.WINDOWS_1251
        text = data.decode(codec, errors="replace")
        if "\ufffd" in text:  # 0x98 has no character in Windows-1251
            line = text.count("\n", 0, text.index("\ufffd")) + 1
            raise FileRejected(_("The file holds a byte that is no character in %(encoding)s (line %(line)s).")
                               % {"encoding": encoding, "line": line}, line=line) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise FileRejected(
            _("The file contains NUL characters (line %(line)s): it is binary, not CSV text.") % {"line": line},
            line=line,
        )
    return text, encoding


def _looks_like_utf16(data: bytes) -> bool:
    sample = data[:2048]
    if len(sample) < 4:
        return False
    # ASCII-heavy UTF-16 without a byte order mark: every other byte is NUL.
    even, odd = sample[0::2], sample[1::2]
    return even.count(0) > len(even) * 0.4 or odd.count(0) > len(odd) * 0.4


# Besides letters, what Cyrillic spreadsheets hold in the upper half of a single-byte code page.
_SINGLE_BYTE_PUNCTUATION = frozenset("№«»\u2013\u2014“”„\u2018\u2019…\u00a0°±·•")


def _looks_like_single_byte_cyrillic(data: bytes, codec: str = "cp1251") -> bool:
    high = bytes(b for b in data[:65536] if b >= 0x80)
    if not high:
        return False
    text = high.decode(codec, errors="replace")
    cyrillic = sum(1 for ch in text if "\u0400" <= ch <= "\u04ff" or ch in _SINGLE_BYTE_PUNCTUATION)
    return cyrillic >= len(high) * 0.8


def sniff_delimiter(text: str) -> str:
    """`;` or `,`: whichever the header line holds more of (Excel in Russian writes `;`)."""
    first = text.split("\n", 1)[0]
    return ";" if first.count(";") > first.count(",") else ","


def read_csv(data: bytes, limits: Limits) -> Table:
    text, encoding = decode_text(data)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    table = Table(sheet="", encoding=encoding)
    line = 0
    try:
        for line, cells in enumerate(reader, start=1):
            _take_row(table, line, cells, limits, limits.max_rows)
    except csv.Error as exc:
        line = line + 1
        if "field larger than field limit" in str(exc):
            raise FileRejected(
                _("Line %(line)s holds a cell longer than the file can have.") % {"line": line}, line=line
            ) from None
        raise FileRejected(
            _("The CSV is malformed near line %(line)s: a quotation mark is misplaced or not closed.")
            % {"line": line},
            line=line,
        ) from None
    return table


def _take_row(table: Table, line: int, cells: Sequence[Any], limits: Limits, max_rows: int) -> None:
    """Add one physical row: the first non-blank row is the header; blank rows are skipped."""
    cells = _trim(cells)
    if not cells:
        return
    if not table.header:
        if len(cells) > limits.max_columns:
            raise FileRejected(
                _("The header has %(count)s columns; a dataset has at most %(max)s.")
                % {"count": len(cells), "max": limits.max_columns},
                sheet=table.sheet, line=line,
            )
        table.header_line = line
        table.header = ["" if cell is None else str(cell) for cell in cells]
        return
    if len(table.rows) >= max_rows:
        raise FileRejected(
            _("The file has more than %(max)s data rows; split it into smaller files.") % {"max": limits.max_rows},
            sheet=table.sheet, line=line,
        )
    table.rows.append((line, tuple(cells)))


def is_blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _trim(cells: Sequence[Any]) -> tuple[Any, ...]:
    end = len(cells)
    while end and is_blank(cells[end - 1]):
        end -= 1
    return tuple(cells[:end])


# --- XLSX --------------------------------------------------------------------------------------

def check_zip(data: bytes, limits: Limits) -> None:
    """Refuse a damaged archive or one that would expand far beyond a spreadsheet's size.

    The declared sizes are binding: Python's zipfile stops at the declared size and fails the
    CRC check if a member holds more, so a lying header cannot smuggle a bomb past this check.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise FileRejected(_("The XLSX workbook is damaged or truncated.")) from None
    if len(members) > limits.max_zip_members:
        raise FileRejected(_("The XLSX workbook has too many parts to be a registry spreadsheet."))
    total = 0
    for member in members:
        if member.flag_bits & 0x1:
            raise FileRejected(_("The XLSX workbook is encrypted. Save it without a password."))
        total += member.file_size
        if total > limits.max_uncompressed_bytes:
            raise FileRejected(_(
                "The XLSX workbook would expand to more than %(max)s MB when opened; it is refused."
            ) % {"max": limits.max_uncompressed_bytes // (1024 * 1024)})
        if member.file_size > max(limits.ratio_exempt_bytes, member.compress_size * limits.max_compression_ratio):
            raise FileRejected(_(
                "The XLSX workbook expands far more than a spreadsheet does (a zip bomb?); it is refused."
            ))
    names = {member.filename for member in members}
    if "xl/workbook.xml" not in names:
        raise FileRejected(_("The file is a ZIP archive but not an XLSX workbook."))


def read_xlsx(data: bytes, limits: Limits, select: Callable[[str], bool]) -> tuple[list[str], list[Table]]:
    """The titles of all sheets, and the tables of the sheets `select` accepts."""
    check_zip(data, limits)
    import openpyxl

    workbook = None
    try:
        # openpyxl warns about features it ignores (data validation, conditional formats); they do
        # not matter for reading values, and the test suite turns warnings into errors.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            titles = list(workbook.sheetnames)
            if len(titles) > limits.max_sheets:
                raise FileRejected(_("The workbook has %(count)s sheets; at most %(max)s are read.")
                                   % {"count": len(titles), "max": limits.max_sheets})
            tables = []
            budget = limits.max_rows  # for the whole workbook, not per sheet
            for title in titles:
                if select(title):
                    table = _read_sheet(workbook[title], title, limits, budget)
                    budget -= len(table.rows)
                    tables.append(table)
    except FileRejected:
        raise
    except Exception:
        # A bad file surfaces from openpyxl as any of a dozen types (KeyError, ValueError, XML
        # parse errors, zipfile errors...); to the user they all mean the same.
        raise FileRejected(_("The XLSX workbook is damaged or cannot be read.")) from None
    finally:
        if workbook is not None:
            workbook.close()
    return titles, tables


# Blank rows tolerated beyond the row limit (formatted but empty rows at the end of a sheet).
BLANK_ROW_ALLOWANCE = 1000


def _read_sheet(worksheet: Any, title: str, limits: Limits, max_rows: int) -> Table:
    # The declared dimension may be wrong or hostile (A1:XFD1048576): read what is there.
    worksheet.reset_dimensions()
    table = Table(sheet=title)
    # Every physical row counts, blank or not, so a sheet cannot make us walk a million empty
    # rows to reach its data (openpyxl yields an empty row for each row number skipped).
    last_line = max_rows + 1 + BLANK_ROW_ALLOWANCE
    for line, cells in enumerate(worksheet.iter_rows(values_only=True), start=1):
        if line > last_line:
            raise FileRejected(
                _("The sheet goes on beyond %(max)s rows; split it into smaller files.") % {"max": limits.max_rows},
                sheet=title, line=line,
            )
        _take_row(table, line, cells, limits, max_rows)
    return table


# --- writing -----------------------------------------------------------------------------------

def neutralise(value: str) -> str:
    """A text value that no spreadsheet will run as a formula."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def unneutralise(value: str) -> str:
    """Undo `neutralise` on reading: an apostrophe before a formula trigger is ours."""
    if value.startswith("'") and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The lines of a CSV file (UTF-8 with a byte order mark, for Excel), for streaming."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow([_csv_cell(value) for value in row])


def write_csv(stream: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    for line in csv_lines(header, rows):
        stream.write(line)


def write_xlsx(stream: IO[bytes], sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> None:
    """One worksheet per (title, header, rows); text is always a string cell, never a formula.

    Written with XlsxWriter row by row (its constant-memory mode), about twice as fast as
    openpyxl's write-only mode for the whole registry; openpyxl reads the file back on import.
    """
    import xlsxwriter

    workbook = xlsxwriter.Workbook(stream, {
        "constant_memory": True, "in_memory": True,
        # Never turn text into something else: a formula, a number or a link.
        "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
    })
    quoted = workbook.add_format({"quote_prefix": True})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for title, header, rows in sheets:
        worksheet = workbook.add_worksheet(title)
        for number, row in enumerate(_with_header(header, rows)):
            for column, value in enumerate(row):
                _xlsx_cell(worksheet, number, column, value, quoted=quoted, day=day, moment=moment)
    workbook.close()


def _with_header(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[Sequence[Any]]:
    yield list(header)
    yield from rows


def _xlsx_cell(worksheet: Any, row: int, column: int, value: Any, *, quoted: Any, day: Any, moment: Any) -> None:
    if value is None:
        return
    if isinstance(value, str):
        text = CONTROL_CHARACTERS.sub("\ufffd", value)
        # The apostrophe prefix shows "=..." as the text it is; the import strips it again.
        worksheet.write_string(row, column, text, quoted if text.startswith(FORMULA_TRIGGERS) else None)
    elif isinstance(value, bool):
        worksheet.write_boolean(row, column, value)
    elif isinstance(value, int | float | Decimal):
        worksheet.write_number(row, column, value)
    elif isinstance(value, dt.datetime):
        worksheet.write_datetime(row, column, value.replace(tzinfo=None), moment)
    elif isinstance(value, dt.date):
        worksheet.write_datetime(row, column, dt.datetime.combine(value, dt.time()), day)
    else:
        worksheet.write_string(row, column, str(value))
