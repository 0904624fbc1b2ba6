"""The import reads what agencies' spreadsheets really are: UTF-8 with or without BOM, Windows-1251
or KZ-1048, day-first dates, and says which encoding it found."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from hypothesis import example, given, settings
from hypothesis import strategies as st

from facilities.models import Facility, PopulationSnapshot
from facilities.tests.spreadsheets import FACILITY_HEADER, csv_bytes, facility_row
from facilities.transfer import formats
from facilities.transfer.importer import import_file

pytestmark = pytest.mark.django_db

RUSSIAN = "Исправительная колония № 3, город Караганда"
KAZAKH = "Қарағанды облысы, Ұлытау ауданы, түзеу мекемесі"


@pytest.mark.parametrize(("encoding", "bom", "name", "found"), [
    ("utf-8", False, KAZAKH, "UTF-8"),
    ("utf-8", True, KAZAKH, "UTF-8 with BOM"),
    ("cp1251", False, RUSSIAN, "Windows-1251"),
    ("kz1048", False, KAZAKH, "KZ-1048"),
])
@pytest.mark.parametrize("delimiter", [",", ";"])
def test_a_csv_in_each_encoding_is_imported_and_the_page_says_which(
    client, personas, encoding, bom, name, found, delimiter
):
    data = csv_bytes([FACILITY_HEADER, facility_row("NEW-1", name_ru=name, address=name)], encoding=encoding,
                     bom=bom, delimiter=delimiter)
    client.force_login(personas.npm_monitor)

    response = client.post(reverse("facilities:import"), {"file": SimpleUploadedFile("f.csv", data)})

    html = response.content.decode()
    assert "The file was imported." in html
    assert f"Read as CSV in {found}." in html
    facility = Facility.objects.get(code="NEW-1")
    assert (facility.name_ru, facility.address) == (name, name)


def test_the_command_says_which_encoding_it_read(personas, tmp_path, capsys):
    path = tmp_path / "f.csv"
    path.write_bytes(csv_bytes([FACILITY_HEADER, facility_row("NEW-1", name_ru=RUSSIAN)], encoding="cp1251"))

    call_command("import_registry", str(path), "--dry-run")

    assert "Read as CSV in Windows-1251." in capsys.readouterr().out


def test_a_byte_windows_1251_has_no_character_for_is_refused_naming_the_line(personas):
    data = csv_bytes([FACILITY_HEADER, facility_row("NEW-1", name_ru=RUSSIAN)], encoding="cp1251") + b"\x98\xe0\r\n"

    report = import_file(data=data, filename="f.csv", by=personas.npm_monitor)

    assert [(p.line, p.reason) for p in report.problems] == [
        (3, "The file holds a byte that is no character in Windows-1251 (line 3).")]


@pytest.mark.parametrize(("cell", "date"), [
    ("01.10.2026", dt.date(2026, 10, 1)), ("1.10.2026", dt.date(2026, 10, 1)), ("2026-10-01", dt.date(2026, 10, 1)),
    ("29.02.2024", dt.date(2024, 2, 29)),
])
def test_dates_day_first_or_iso_are_read(personas, cell, date):
    rows = [["facility_code", "date", "total"], [personas.colony.code, cell, 7]]

    report = import_file(data=csv_bytes(rows), filename="p.csv", by=personas.npm_monitor)

    assert report.ok, report.problems
    assert PopulationSnapshot.objects.get(facility=personas.colony).date == date


@pytest.mark.parametrize(("cell", "reason"), [
    ("31.02.2026", "There is no such date."), ("10/01/2026", "Expected a date as DD.MM.YYYY or YYYY-MM-DD."),
    ("01.10.26", "Expected a date as DD.MM.YYYY or YYYY-MM-DD."), ("2026-13-01", "There is no such date."),
])
def test_impossible_or_ambiguous_dates_are_refused(personas, cell, reason):
    rows = [["facility_code", "date", "total"], [personas.colony.code, cell, 7]]

    report = import_file(data=csv_bytes(rows), filename="p.csv", by=personas.npm_monitor)

    assert [(p.column, p.reason) for p in report.problems] == [("date", reason)]


# Russian letters, digits and ASCII punctuation. Windows-1251 puts Ё, ё and № among the bytes
# UTF-8 continues a character with, so a two-character "Ve No." is also valid UTF-8 ("¹") and no
# detector can tell them apart; real files have far more letters (the tests above).
cyrillic_text = st.text(
    alphabet=st.sampled_from("АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдежзийклмнопрстуфхцчшщъыьэюя ,.-0123456789"),
    min_size=1, max_size=60,
).filter(lambda text: any(ch.isalpha() for ch in text))


@settings(max_examples=200, deadline=None, database=None)
@given(text=cyrillic_text, encoding=st.sampled_from(["cp1251", "utf-8", "utf-8-sig"]))
@example(text="юя", encoding="cp1251")  # the same two bytes as a UTF-16 byte order mark
def test_cyrillic_text_is_read_back_exactly_in_each_encoding(text, encoding):
    decoded, _found = formats.decode_text(text.encode(encoding))
    assert decoded == text


def _decoded_or_refusal(data: bytes) -> tuple[str, str] | str:
    try:
        return formats.decode_text(data)
    except formats.FileRejected as refused:
        return refused.message


@settings(max_examples=300, deadline=None, database=None)
@given(data=st.binary(max_size=400))
def test_any_bytes_are_read_or_refused_with_a_message(data):
    result = _decoded_or_refusal(data)
    if isinstance(result, str):
        assert result
    else:
        text, found = result
        assert found in {"UTF-8", "UTF-8 with BOM", "Windows-1251", "KZ-1048"}
        assert "\x00" not in text
