"""Whatever is uploaded, the import answers with a message and writes nothing: never a 500."""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.translation import gettext

from facilities.models import Facility
from facilities.tests.spreadsheets import (
    FACILITY_HEADER,
    SHEET_OPEN,
    csv_bytes,
    facility_row,
    inline_row,
    raw_xlsx,
    registry_counts,
    xlsx_bytes,
)
from facilities.transfer.importer import import_file

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture
def npm_client(client, personas):
    client.force_login(personas.npm_monitor, backend=MODEL_BACKEND)
    return client


def post(client, data: bytes, name: str, **fields) -> str:
    """Upload through the page; the test client re-raises any server error, so a 500 fails here."""
    before = registry_counts()
    response = client.post(reverse("facilities:import"), {"file": SimpleUploadedFile(name, data), **fields})
    assert response.status_code == 200
    assert registry_counts() == before
    html = response.content.decode()
    assert "The file was not imported" in html
    return html


def good_xlsx() -> bytes:
    return xlsx_bytes({"facilities": [FACILITY_HEADER, facility_row("NEW-1"), facility_row("NEW-2")]})


def zip_with_member(name: str, payload_size: int) -> bytes:
    """A ZIP whose worksheet is `payload_size` bytes of spaces: tiny compressed, huge opened."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open(name, "w") as member:
            chunk = b" " * (1024 * 1024)
            for _ in range(payload_size // len(chunk)):
                member.write(chunk)
    return buffer.getvalue()


def with_declared_size(data: bytes, member: str, size: int) -> bytes:
    """The archive with the uncompressed size of `member` rewritten in both of its headers."""
    patched = bytearray(data)
    encoded = member.encode()
    local = patched.find(b"PK\x03\x04")
    while local != -1:
        name_length = struct.unpack_from("<H", patched, local + 26)[0]
        if patched[local + 30:local + 30 + name_length] == encoded:
            struct.pack_into("<I", patched, local + 22, size)
        local = patched.find(b"PK\x03\x04", local + 4)
    central = patched.find(b"PK\x01\x02")
    while central != -1:
        name_length = struct.unpack_from("<H", patched, central + 28)[0]
        if patched[central + 46:central + 46 + name_length] == encoded:
            struct.pack_into("<I", patched, central + 24, size)
        central = patched.find(b"PK\x01\x02", central + 4)
    return bytes(patched)


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return buffer.getvalue()


HOSTILE = {
    "binary garbage": (random.Random(7).randbytes(8192), "registry.csv"),
    "binary garbage named xlsx": (random.Random(8).randbytes(8192), "registry.xlsx"),
    "an image": (b"\x89PNG\r\n\x1a\n" + random.Random(9).randbytes(512), "photo.csv"),
    "a PDF": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n" + bytes(range(256)), "scan.pdf"),
    "an Excel 97 workbook": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "old.xls"),
    "a truncated workbook": (good_xlsx()[:1500], "registry.xlsx"),
    "a workbook cut at the end": (good_xlsx()[:-40], "registry.xlsx"),
    "a ZIP that is not a workbook": (plain_zip(), "archive.zip"),
    "malformed quoting": (b'code,name_en\n"LA-1,"Colony\n"x', "f.csv"),
    "NUL bytes": (b"code,name_en\nLA-1,Col\x00ony\n", "f.csv"),
    "a lone header": (csv_bytes([FACILITY_HEADER]), "f.csv"),
    "only blank lines": (b"\r\n\r\n  \r\n", "f.csv"),
    "10,000 header columns": (csv_bytes([[f"c{i}" for i in range(10_000)], ["x"] * 10_000]), "f.csv"),
    "a cell beyond the CSV field limit": (csv_bytes([FACILITY_HEADER, facility_row("A", name_en="x" * 200_000)]),
                                          "f.csv"),
    "a billion laughs": (raw_xlsx(
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
                  for i in range(1, 10))
        + "]>" + SHEET_OPEN + "<sheetData>" + inline_row(1, ["code"]) + inline_row(2, ["&lol9;"])
        + "</sheetData></worksheet>"
    ), "registry.xlsx"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_file_gets_a_message_and_writes_nothing(npm_client, name):
    data, filename = HOSTILE[name]

    post(npm_client, data, filename)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_a_file_in_utf_16_is_refused_saying_so(npm_client, encoding):
    data = csv_bytes([FACILITY_HEADER, facility_row("NEW-1")], encoding=encoding)

    html = post(npm_client, data, "f.csv")

    assert "UTF-16" in html


def test_an_empty_file_is_refused(npm_client):
    before = registry_counts()

    response = npm_client.post(reverse("facilities:import"), {"file": SimpleUploadedFile("f.csv", b"")})

    assert response.status_code == 200
    assert "The submitted file is empty." in response.content.decode()
    assert registry_counts() == before
    assert gettext("The file is empty.") in import_file(data=b"", filename="f.csv", by=None).problems[0].reason


def test_a_zip_bomb_is_refused_before_openpyxl_opens_it(npm_client):
    bomb = zip_with_member("xl/worksheets/sheet1.xml", 16 * 1024 * 1024)
    assert len(bomb) < 100 * 1024

    html = post(npm_client, bomb, "bomb.xlsx")

    assert "zip bomb" in html


def test_a_workbook_declaring_a_huge_member_is_refused(npm_client):
    bomb = with_declared_size(good_xlsx(), "xl/worksheets/sheet1.xml", 4_000_000_000)

    html = post(npm_client, bomb, "bomb.xlsx")

    assert "would expand to more than" in html


def test_a_workbook_understating_a_members_size_cannot_smuggle_more_data(npm_client):
    smuggler = with_declared_size(good_xlsx(), "xl/worksheets/sheet1.xml", 100)

    html = post(npm_client, smuggler, "registry.xlsx")

    assert "damaged" in html


def test_a_file_over_the_size_limit_is_refused_without_being_read(npm_client, settings):
    settings.IMPORT_MAX_BYTES = 2000
    data = csv_bytes([FACILITY_HEADER] + [facility_row(f"N-{i}") for i in range(100)])

    html = post(npm_client, data, "f.csv")

    assert "larger than" in html
    assert "larger than" in import_file(data=data, filename="f.csv", by=None).problems[0].reason


def test_a_file_over_the_row_limit_is_refused(npm_client, settings):
    settings.IMPORT_MAX_ROWS = 5
    rows = [FACILITY_HEADER] + [facility_row(f"N-{i}") for i in range(6)]

    post(npm_client, csv_bytes(rows), "f.csv")
    post(npm_client, xlsx_bytes({"facilities": rows}), "f.xlsx")


def test_a_workbook_with_a_hostile_dimension_and_far_away_rows_is_read_quickly(npm_client, personas):
    sheet = (SHEET_OPEN + '<dimension ref="A1:XFD1048576"/><sheetData>'
             + inline_row(1, FACILITY_HEADER) + inline_row(999_999_999, ["X"] * len(FACILITY_HEADER))
             + "</sheetData></worksheet>")

    html = post(npm_client, raw_xlsx(sheet), "far.xlsx")

    assert "rows" in html


def test_a_row_with_10000_columns_is_reported_not_choked_on(personas):
    row = facility_row("NEW-1") + ["spill"] * 10_000

    report = import_file(data=csv_bytes([FACILITY_HEADER, row]), filename="f.csv", by=personas.npm_monitor)

    assert [(p.line, p.column, p.value) for p in report.problems] == [(2, "L", "spill")]
    assert not Facility.objects.filter(code="NEW-1").exists()


def test_very_long_cells_are_reported_with_a_shortened_value(personas):
    data = csv_bytes([FACILITY_HEADER, facility_row("NEW-1", name_en="x" * 100_000, address="y" * 300)])

    report = import_file(data=data, filename="f.csv", by=personas.npm_monitor)

    assert {p.column for p in report.problems} == {"name_en", "address"}
    assert all(len(p.value) <= 81 for p in report.problems)


def test_control_characters_in_a_cell_are_refused(personas):
    data = csv_bytes([FACILITY_HEADER, facility_row("NEW-1", name_en="Col\x01ony", address="a\x1bb")])

    report = import_file(data=data, filename="f.csv", by=personas.npm_monitor)

    assert {p.column for p in report.problems} == {"name_en", "address"}
    assert not any("\x01" in p.value or "\x1b" in p.value for p in report.problems)


def test_markup_in_a_cell_is_shown_as_text(npm_client):
    html = post(npm_client, csv_bytes([FACILITY_HEADER, facility_row("<script>alert(1)</script>", type="<b>x</b>")]),
                "f.csv")

    assert "<script>alert(1)</script>" not in html
    assert "<b>x</b>" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html


def test_a_formula_in_an_imported_cell_is_refused_as_the_api_refuses_it(personas):
    formula = '=HYPERLINK("http://evil.example","x")'

    report = import_file(data=csv_bytes([FACILITY_HEADER, facility_row("NEW-1", name_en=formula)]), filename="f.csv",
                         by=personas.npm_monitor)

    assert [(p.column, p.reason) for p in report.problems] == [
        ("name_en", "Cannot start with =, +, - or @ (a spreadsheet would read it as a formula).")]
    assert not Facility.objects.filter(code="NEW-1").exists()


def test_numbers_in_disguise_are_refused(personas):
    rows = [FACILITY_HEADER]
    for i, value in enumerate(["-5", "1e9", "NaN", "Infinity", "٣٠٠", "1,000", "99999999999999999999", "12.5"]):
        rows.append(facility_row(f"N-{i}", design_capacity=value))

    report = import_file(data=csv_bytes(rows), filename="f.csv", by=personas.npm_monitor)

    assert [(p.line, p.column) for p in report.problems] == [(line, "design_capacity") for line in range(2, 10)]


def test_a_deflate_stream_that_is_not_a_zip_is_refused(personas):
    report = import_file(data=b"PK\x03\x04" + zlib.compress(b"x" * 10_000), filename="f.xlsx", by=None)

    assert report.problems
    assert "damaged" in report.problems[0].reason
